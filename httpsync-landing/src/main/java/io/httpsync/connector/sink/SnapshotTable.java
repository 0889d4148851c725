package io.httpsync.connector.sink;

import io.httpsync.connector.domain.CandidateCheck;
import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Full sync as snapshots (docs/landing.md): every full pass writes a complete copy of the platform
 * into its own snapshot, and queries say which snapshot they read. Three objects, for PostgreSQL
 * and MySQL alike:
 *
 * <ul>
 *   <li>{@code <table>}: one row per (pass_id, tenant, id), written by {@link #sink}; a pass never
 *       touches another pass's rows, and a replay of a pass writes nothing new;
 *   <li>{@code <table>_passes}: one row per (tenant, pass_id), {@code completed_at} set only by
 *       {@link #complete}, i.e. only once every round of the pass has finished ({@link
 *       FullSyncPass#runAndComplete});
 *   <li>{@code <table>_latest}: a view of, per tenant, the snapshot of the latest completed pass
 *       (the largest {@code end_millis}, then pass id). An interrupted pass is never completed, so
 *       it is never visible there; a specific pass is read with {@code WHERE tenant = ? AND pass_id
 *       = ?} on the table ({@link #selectPass}).
 * </ul>
 *
 * Completing a pass runs the delete-ratio guard against the tenant's previous latest snapshot: if
 * more than {@code maxDeleteRatio} of its records are missing from the new one, the pass is refused
 * (not published, an {@link ExceptionEvent} says why), so an outage answered with empty pages
 * cannot empty the latest view. The outcome's ids are the records that disappeared since the
 * previous snapshot (deletions on the platform), ready for Kafka tombstones. With {@link
 * #retainingLast retention}, completing also drops the tenant's snapshots older than its last N
 * completed passes, interrupted ones included.
 *
 * <p>With a check ({@link #withCheck}), the records missing from the new snapshot are asked about
 * on the platform first (after the guard, one request each), as {@link DeletionMarker} does: only
 * those it answers are gone count as gone. One it still has kept moving ahead of every round (see
 * {@link DeletionMarker}); it is carried over into the new snapshot in its previous snapshot's
 * version, so the latest view never loses a live record nor sends it a tombstone, and the next pass
 * reads its newer version.
 *
 * <p>Immutable. Its JDBC methods are called from one driver thread per connection, and one pass
 * completes a tenant at a time.
 */
@PublicEvolving
public final class SnapshotTable implements PassCompletion {
    private static final String COLUMNS =
            "tenant, id, update_time, window_start, payload, content_hash, pass_id, synced_at";

    private final SqlDialect dialect;
    private final String table;
    private final String passes;
    private final String latest;
    private final DeleteRatioGuard guard;
    private final int retainedPasses;
    @Nullable private final CandidateCheck check;

    /**
     * @param table the snapshot table; {@code <table>_passes} and {@code <table>_latest} are named
     *     after it
     * @param maxDeleteRatio the largest share of a tenant's records that may vanish between two
     *     published snapshots
     */
    public SnapshotTable(SqlDialect dialect, String table, double maxDeleteRatio) {
        this(dialect, table, new DeleteRatioGuard(maxDeleteRatio), 0, null);
    }

    private SnapshotTable(
            SqlDialect dialect,
            String table,
            DeleteRatioGuard guard,
            int retainedPasses,
            @Nullable CandidateCheck check) {
        this.dialect = dialect;
        this.table = SqlDialect.checkedIdentifier(table);
        this.passes = SqlDialect.checkedIdentifier(table + "_passes");
        this.latest = SqlDialect.checkedIdentifier(table + "_latest");
        this.guard = guard;
        this.retainedPasses = retainedPasses;
        this.check = check;
    }

    /**
     * This table, keeping only each tenant's last {@code passes} completed snapshots (0, the
     * default: keep all).
     */
    public SnapshotTable retainingLast(int passes) {
        if (passes < 0)
            throw new IllegalArgumentException(
                    "retained passes must not be negative, was " + passes);
        return new SnapshotTable(dialect, table, guard, passes, check);
    }

    /**
     * This table, asking {@code check} about every record missing from a new snapshot (see above).
     */
    public SnapshotTable withCheck(CandidateCheck check) {
        return new SnapshotTable(
                dialect,
                table,
                guard,
                retainedPasses,
                java.util.Objects.requireNonNull(check, "check"));
    }

    public String table() {
        return table;
    }

    public String passTable() {
        return passes;
    }

    /** The view of each tenant's latest completed snapshot (same columns as the table). */
    public String latestView() {
        return latest;
    }

    /** The DDL for the table, the pass table and the view, in order; idempotent. */
    public List<String> createStatements() {
        return List.of(
                dialect.createSnapshotTable(table),
                dialect.createPassTable(passes),
                "CREATE OR REPLACE VIEW "
                        + latest
                        + " AS SELECT "
                        + qualified("s")
                        + " FROM "
                        + table
                        + " s"
                        + " JOIN "
                        + passes
                        + " p ON p.tenant = s.tenant AND p.pass_id = s.pass_id"
                        + " WHERE p.completed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                        + passes
                        + " q"
                        + " WHERE q.tenant = p.tenant AND q.completed_at IS NOT NULL"
                        + " AND (q.end_millis > p.end_millis OR (q.end_millis = p.end_millis AND q.pass_id > p.pass_id)))");
    }

    public void create(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String ddl : createStatements()) s.execute(ddl);
        }
    }

    /**
     * A sink writing the records of pass {@code passId} into its snapshot (batching and retries as
     * configured).
     */
    public JdbcRecordSink sink(String passId) {
        return JdbcRecordSink.snapshotBuilder(dialect, table).setPassId(passId);
    }

    /** The records of a tenant's latest completed snapshot; parameter: tenant. */
    public String selectLatest() {
        return "SELECT " + COLUMNS + " FROM " + latest + " WHERE tenant = ?";
    }

    /** The records of one pass's snapshot, completed or not; parameters: tenant, pass id. */
    public String selectPass() {
        return "SELECT " + COLUMNS + " FROM " + table + " WHERE tenant = ? AND pass_id = ?";
    }

    /** The latest completed pass of {@code tenant}, if any. */
    public Optional<String> latestCompletedPass(Connection connection, String tenant)
            throws SQLException {
        return latestCompletedPassOtherThan(connection, tenant, null);
    }

    /**
     * Records that {@code passId} started for {@code tenant}, so that retention can later drop it
     * if it never completes.
     */
    @Override
    public void begin(Connection connection, String tenant, String passId, long passEndMillis)
            throws SQLException {
        registerPass(connection, tenant, passId, passEndMillis);
    }

    /**
     * Publishes {@code passId}'s snapshot as {@code tenant}'s latest, in one transaction, unless
     * the guard refuses; only call once every round of the pass has finished. Publishing an already
     * published pass again changes nothing visible.
     */
    @Override
    public DeletionMarker.Outcome complete(
            Connection connection,
            String tenant,
            String passId,
            long passStartMillis,
            long passEndMillis)
            throws SQLException {
        // found and checked before the transaction (the requests take time); the pass's lease keeps
        // other passes away
        Optional<String> previous = latestCompletedPassOtherThan(connection, tenant, passId);
        long candidates = previous.isPresent() ? count(connection, tenant, previous.get()) : 0;
        List<String> missing =
                previous.isPresent()
                        ? missingFrom(connection, tenant, previous.get(), passId)
                        : List.of();
        ExceptionEvent refusal =
                guard.refusal(
                        table,
                        tenant,
                        passId,
                        passEndMillis,
                        missing.size(),
                        candidates,
                        "drop",
                        " from the latest snapshot",
                        "pass not published");
        if (refusal != null)
            return new DeletionMarker.Outcome(tenant, passId, candidates, List.of(), refusal);
        List<String> gone = new ArrayList<>(missing);
        List<String> kept = new ArrayList<>();
        if (check != null && !missing.isEmpty()) {
            Set<String> confirmed =
                    CandidateCheck.ask(
                            check, tenant, missing, "full pass " + passId + ", table " + table);
            gone.retainAll(confirmed);
            for (String id : missing) if (!confirmed.contains(id)) kept.add(id);
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            registerPass(connection, tenant, passId, passEndMillis);
            if (!kept.isEmpty())
                carryOver(connection, tenant, previous.orElseThrow(), passId, kept);
            SqlQueries.update(
                    connection,
                    "UPDATE "
                            + passes
                            + " SET completed_at = "
                            + dialect.now()
                            + " WHERE tenant = ? AND pass_id = ? AND completed_at IS NULL",
                    tenant,
                    passId);
            if (retainedPasses > 0) dropBeyondRetention(connection, tenant);
            connection.commit();
            return new DeletionMarker.Outcome(tenant, passId, candidates, gone, null, kept);
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Copies the rows of {@code ids} from the previous pass's snapshot into {@code passId}'s. */
    private void carryOver(
            Connection c, String tenant, String previous, String passId, List<String> ids)
            throws SQLException {
        String copied = COLUMNS.replace("pass_id", "?");
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + 500));
            List<Object> parameters = new ArrayList<>(List.of(passId, tenant, previous));
            parameters.addAll(part);
            SqlQueries.update(
                    c,
                    "INSERT INTO "
                            + table
                            + " ("
                            + COLUMNS
                            + ") SELECT "
                            + copied
                            + " FROM "
                            + table
                            + " WHERE tenant = ? AND pass_id = ? AND id IN ("
                            + String.join(", ", java.util.Collections.nCopies(part.size(), "?"))
                            + ")",
                    parameters.toArray());
        }
    }

    private String qualified(String alias) {
        List<String> out = new ArrayList<>();
        for (String column : COLUMNS.split(", ")) out.add(alias + "." + column);
        return String.join(", ", out);
    }

    /**
     * Inserts the pass's row unless present (a portable "insert if absent": both dialects, no
     * upsert needed).
     */
    private void registerPass(Connection c, String tenant, String passId, long passEndMillis)
            throws SQLException {
        if (SqlQueries.count(
                        c,
                        "SELECT count(*) FROM " + passes + " WHERE tenant = ? AND pass_id = ?",
                        tenant,
                        passId)
                > 0) return;
        SqlQueries.update(
                c,
                "INSERT INTO "
                        + passes
                        + " (tenant, pass_id, end_millis, started_at, completed_at)"
                        + " VALUES (?, ?, ?, "
                        + dialect.now()
                        + ", NULL)",
                tenant,
                passId,
                passEndMillis);
    }

    /** Completed passes of a tenant, latest first: the order the view's "latest" follows. */
    private static final String COMPLETED_LATEST_FIRST =
            " WHERE tenant = ? AND completed_at IS NOT NULL";

    private static final String LATEST_FIRST = " ORDER BY end_millis DESC, pass_id DESC";

    private Optional<String> latestCompletedPassOtherThan(
            Connection c, String tenant, @Nullable String passId) throws SQLException {
        String sql =
                "SELECT pass_id FROM "
                        + passes
                        + COMPLETED_LATEST_FIRST
                        + (passId == null ? "" : " AND pass_id <> ?")
                        + LATEST_FIRST;
        // a tenant has few passes (one per full sync, fewer with retention): reading them all is
        // cheap
        List<String> latestFirst =
                passId == null
                        ? SqlQueries.strings(c, sql, tenant)
                        : SqlQueries.strings(c, sql, tenant, passId);
        return latestFirst.stream().findFirst();
    }

    private long count(Connection c, String tenant, String passId) throws SQLException {
        return SqlQueries.count(
                c,
                "SELECT count(*) FROM " + table + " WHERE tenant = ? AND pass_id = ?",
                tenant,
                passId);
    }

    /**
     * The ids in {@code previous}'s snapshot of the tenant that {@code current}'s does not hold.
     */
    private List<String> missingFrom(Connection c, String tenant, String previous, String current)
            throws SQLException {
        return SqlQueries.strings(
                c,
                "SELECT p.id FROM "
                        + table
                        + " p WHERE p.tenant = ? AND p.pass_id = ?"
                        + " AND NOT EXISTS (SELECT 1 FROM "
                        + table
                        + " n WHERE n.pass_id = ? AND n.tenant = p.tenant AND n.id = p.id)",
                tenant,
                previous,
                current);
    }

    /**
     * Drops the tenant's passes (completed or not) that ended before its N-th latest completed
     * pass, with their rows.
     */
    private void dropBeyondRetention(Connection c, String tenant) throws SQLException {
        long cutoff;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT end_millis FROM "
                                + passes
                                + COMPLETED_LATEST_FIRST
                                + LATEST_FIRST)) {
            ps.setString(1, tenant);
            ps.setMaxRows(retainedPasses);
            try (ResultSet rs = ps.executeQuery()) {
                int seen = 0;
                long last = Long.MIN_VALUE;
                while (rs.next()) {
                    last = rs.getLong(1);
                    seen++;
                }
                if (seen < retainedPasses) return;
                cutoff = last;
            }
        }
        String older = " WHERE tenant = ? AND end_millis < ?";
        SqlQueries.update(
                c,
                "DELETE FROM "
                        + table
                        + " WHERE tenant = ? AND pass_id IN (SELECT pass_id FROM "
                        + passes
                        + older
                        + ")",
                tenant,
                tenant,
                cutoff);
        SqlQueries.update(c, "DELETE FROM " + passes + older, tenant, cutoff);
    }
}
