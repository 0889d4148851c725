package io.httpsync.connector.sink;

import io.httpsync.connector.domain.ExceptionEvent;
import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Completes a full pass in a record table: once a tenant's pass is known to be complete (every window of it read;
 * see docs/landing.md), the tenant's rows that the pass did not stamp are the records the platform deleted, and they
 * get {@code deleted_at} (a soft delete: the row stays, so downstream can see what disappeared and when).
 *
 * <p>Only rows last updated within the pass's range are candidates: a record created or changed after the pass's end
 * could not have been seen by it, and one last updated before its start (e.g. beyond the platform's look-back limit)
 * was never asked for. The delete-ratio guard refuses to mark anything when more than
 * {@code maxDeleteRatio} of the tenant's candidate rows would be marked (an outage or an empty answer from the
 * platform must not erase a table); the refusal comes back as an {@link ExceptionEvent} to store with the others.
 * All of a tenant's marking happens in one transaction. Call from one thread per connection.
 */
@PublicEvolving
public final class DeletionMarker implements PassCompletion, Serializable {
    private static final long serialVersionUID = 1L;

    /** What happened to one tenant's rows. {@code refusal} is set, and nothing marked, when the guard refused. */
    public record Outcome(String tenant, String passId, long candidates, List<String> markedIds, @Nullable ExceptionEvent refusal) {
        public boolean refused() {
            return refusal != null;
        }
    }

    private final SqlDialect dialect;
    private final String table;
    private final DeleteRatioGuard guard;

    /** @param maxDeleteRatio the largest share of a tenant's rows one pass may mark deleted, in [0, 1] */
    public DeletionMarker(SqlDialect dialect, String table, double maxDeleteRatio) {
        this.dialect = dialect;
        this.table = SqlDialect.checkedIdentifier(table);
        this.guard = new DeleteRatioGuard(maxDeleteRatio);
    }

    /** {@link #markUnseen}. */
    @Override
    public Outcome complete(Connection connection, String tenant, String passId, long passStartMillis, long passEndMillis)
            throws SQLException {
        return markUnseen(connection, tenant, passId, passStartMillis, passEndMillis);
    }

    /**
     * Marks the rows of {@code tenant} last updated in {@code [passStartMillis, passEndMillis)} that pass
     * {@code passId} did not see; only call once the tenant's pass is complete. One transaction.
     */
    public Outcome markUnseen(Connection connection, String tenant, String passId, long passStartMillis, long passEndMillis)
            throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            // FOR UPDATE: a row the live sync touches meanwhile waits for this transaction instead of racing it
            Outcome outcome = findUnseen(connection, tenant, passId, passStartMillis, passEndMillis, " FOR UPDATE");
            if (outcome.refused()) {
                connection.rollback();
                return outcome;
            }
            SqlQueries.update(connection, "UPDATE " + table + " SET deleted_at = " + dialect.now() + " WHERE " + UNSEEN,
                    tenant, passStartMillis, passEndMillis, passId);
            connection.commit();
            return outcome;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * The first half of {@link #markUnseen}, for a pass completed inside a running job ({@link RunningFullPass}): the
     * rows that would be marked, or the guard's refusal; marks nothing.
     */
    public Outcome findUnseen(Connection connection, String tenant, String passId, long passStartMillis, long passEndMillis)
            throws SQLException {
        return findUnseen(connection, tenant, passId, passStartMillis, passEndMillis, "");
    }

    private Outcome findUnseen(Connection c, String tenant, String passId, long passStart, long passEnd, String lock) throws SQLException {
        long candidates = SqlQueries.count(c, "SELECT count(*) FROM " + table + " WHERE " + CANDIDATE, tenant, passStart, passEnd);
        List<String> unseen = SqlQueries.strings(c, "SELECT id FROM " + table + " WHERE " + UNSEEN + lock,
                tenant, passStart, passEnd, passId);
        ExceptionEvent refusal = guard.refusal(table, tenant, passId, passEnd, unseen.size(), candidates,
                "mark", " deleted", "nothing marked");
        return refusal != null ? new Outcome(tenant, passId, candidates, List.of(), refusal) : new Outcome(tenant, passId, candidates, unseen, null);
    }

    /**
     * The second half: marks those of {@code ids} that are still unseen by {@code passId} (a record the pass has read
     * meanwhile stays live); returns how many it marked.
     */
    public int markStillUnseen(Connection connection, String tenant, String passId, long passStartMillis, long passEndMillis,
                               List<String> ids) throws SQLException {
        int marked = 0;
        for (int from = 0; from < ids.size(); from += MARK_BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + MARK_BATCH));
            List<Object> parameters = new ArrayList<>(List.of(tenant, passStartMillis, passEndMillis, passId));
            parameters.addAll(batch);
            marked += SqlQueries.update(connection, "UPDATE " + table + " SET deleted_at = " + dialect.now() + " WHERE " + UNSEEN
                    + " AND id IN (" + String.join(", ", Collections.nCopies(batch.size(), "?")) + ")", parameters.toArray());
        }
        return marked;
    }

    private static final int MARK_BATCH = 500;
    private static final String CANDIDATE = "tenant = ? AND deleted_at IS NULL AND update_time >= ? AND update_time < ?";
    private static final String UNSEEN = CANDIDATE + " AND (pass_id IS NULL OR pass_id <> ?)";
}
