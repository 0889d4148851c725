package io.httpsync.connector.sink;

import io.httpsync.connector.http.ExceptionEvent;
import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Completes a full pass in a record table: once a tenant's pass is known to be complete (every window of it read;
 * see docs/landing.md), the tenant's rows that the pass did not stamp are the records the platform deleted, and they
 * get {@code deleted_at} (a soft delete: the row stays, so downstream can see what disappeared and when).
 *
 * <p>Only rows last updated before the pass's end are candidates: a record created or changed after the pass's time
 * range could not have been seen by it. The delete-ratio guard refuses to mark anything when more than
 * {@code maxDeleteRatio} of the tenant's candidate rows would be marked (an outage or an empty answer from the
 * platform must not erase a table); the refusal comes back as an {@link ExceptionEvent} to store with the others.
 * All of a tenant's marking happens in one transaction. Call from one thread per connection.
 */
@PublicEvolving
public final class DeletionMarker implements PassCompletion {
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
    public Outcome complete(Connection connection, String tenant, String passId, long passEndMillis) throws SQLException {
        return markUnseen(connection, tenant, passId, passEndMillis);
    }

    /**
     * Marks the rows of {@code tenant} that pass {@code passId}, covering update times before {@code passEndMillis},
     * did not see; only call once the tenant's pass is complete.
     */
    public Outcome markUnseen(Connection connection, String tenant, String passId, long passEndMillis) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            long candidates = count(connection, tenant, passEndMillis);
            List<String> unseen = unseenIds(connection, tenant, passId, passEndMillis);
            ExceptionEvent refusal = guard.refusal(table, tenant, passId, passEndMillis, unseen.size(), candidates,
                    "mark", " deleted", "nothing marked");
            if (refusal != null) {
                connection.rollback();
                return new Outcome(tenant, passId, candidates, List.of(), refusal);
            }
            SqlQueries.update(connection, "UPDATE " + table + " SET deleted_at = " + dialect.now() + " WHERE " + UNSEEN,
                    tenant, passEndMillis, passId);
            connection.commit();
            return new Outcome(tenant, passId, candidates, unseen, null);
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static final String CANDIDATE = "tenant = ? AND deleted_at IS NULL AND update_time < ?";
    private static final String UNSEEN = CANDIDATE + " AND (pass_id IS NULL OR pass_id <> ?)";

    private long count(Connection c, String tenant, long passEnd) throws SQLException {
        return SqlQueries.count(c, "SELECT count(*) FROM " + table + " WHERE " + CANDIDATE, tenant, passEnd);
    }

    private List<String> unseenIds(Connection c, String tenant, String passId, long passEnd) throws SQLException {
        // FOR UPDATE: a row the live sync touches meanwhile waits for this transaction instead of racing it
        return SqlQueries.strings(c, "SELECT id FROM " + table + " WHERE " + UNSEEN + " FOR UPDATE", tenant, passEnd, passId);
    }
}
