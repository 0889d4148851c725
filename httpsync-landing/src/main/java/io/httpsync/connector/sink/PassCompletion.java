package io.httpsync.connector.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a {@link FullSyncPass} does to a tenant's landed records around its bounded rounds: {@link
 * #begin} before the first round starts, {@link #complete} only once every round's job has finished
 * (every window of the tenant read and written). The two implementations are the two ways
 * docs/landing.md describes: {@link DeletionMarker} (mark the records the pass did not see deleted)
 * and {@link SnapshotTable} (publish the pass's snapshot as the tenant's latest). Called from the
 * pass's driver thread.
 */
@PublicEvolving
public interface PassCompletion {
    /** Records that the pass has started for {@code tenant}; by default nothing. */
    default void begin(Connection connection, String tenant, String passId, long passEndMillis)
            throws SQLException {}

    /**
     * Completes the pass for {@code tenant}, which read every record updated in {@code
     * [passStartMillis, passEndMillis)}; the outcome lists the records that disappeared from the
     * platform, or the delete-ratio guard's refusal.
     */
    DeletionMarker.Outcome complete(
            Connection connection,
            String tenant,
            String passId,
            long passStartMillis,
            long passEndMillis)
            throws SQLException;
}
