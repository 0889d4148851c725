package io.httpsync.connector.sink;

import io.httpsync.connector.domain.CandidateCheck;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.DetailApiCheck;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Completes a full pass in a record table: once a tenant's pass is known to be complete (every
 * window of it read; see docs/landing.md), the tenant's rows that the pass did not stamp are
 * candidates for deletion, and those the platform confirms gone get {@code deleted_at} (a soft
 * delete: the row stays, so downstream can see what disappeared and when).
 *
 * <p>Only rows last updated within the pass's range are candidates: a record created or changed
 * after the pass's end could not have been seen by it, and one last updated before its start (e.g.
 * beyond the platform's look-back limit) was never asked for. The delete-ratio guard refuses to
 * mark anything when more than {@code maxDeleteRatio} of the tenant's candidate rows went unseen
 * (an outage or an empty answer from the platform must not erase a table); the refusal comes back
 * as an {@link ExceptionEvent} to store with the others.
 *
 * <p><b>Never a live record ({@link #withCheck}).</b> A list API cannot prove that a record is
 * gone. A record that was updated while the pass ran, each time just before the round that would
 * have read it reached its window, moves ahead of every round and is listed by none; the rounds'
 * answers (and so the stamps in the table) are then exactly what they would be had it been deleted
 * just before the pass, and its row holds the old version, updated before the pass. More catch-up
 * rounds make this rarer, never impossible (at 50 updates/s, 63 of 403 unseen rows were alive), and
 * comparing stamps cannot tell the two apart either: the newer version never landed. So the unseen
 * rows are asked about one by one ({@link CandidateCheck}, e.g. the platform's detail API, {@link
 * DetailApiCheck}), and only those the platform answers do not exist are marked. That is the
 * guarantee: a record the platform still holds when it is asked is never marked, whatever the
 * update rate, however passes overlap (a row another pass stamped is asked about like any other); a
 * record answered "not found" was deleted, and deleted records do not come back. The price is one
 * request per unseen row: the deleted ones, plus the live ones that escaped every round. The guard
 * runs before the check, so a refused pass costs no request and no pass asks about more than {@code
 * maxDeleteRatio} of the tenant's rows. Without a check (the constructor alone), every unseen row
 * is marked: right only if nothing changes while the pass runs.
 *
 * <p>Finding and marking: the unseen rows are found, checked (outside any transaction: the requests
 * take time), and then marked in one transaction, only those still unseen ({@link
 * #markStillUnseen}): a row the running sync landed again meanwhile stays live. Call from one
 * thread per connection.
 */
@PublicEvolving
public final class DeletionMarker implements PassCompletion, Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * What happened to one tenant's rows. {@code refusal} is set, and nothing marked, when the
     * guard refused. {@code keptLive} are the unseen rows the check did not confirm gone (the
     * platform still has them, or did not answer), left live.
     */
    public record Outcome(
            String tenant,
            String passId,
            long candidates,
            List<String> markedIds,
            @Nullable ExceptionEvent refusal,
            List<String> keptLive) {
        public Outcome(
                String tenant,
                String passId,
                long candidates,
                List<String> markedIds,
                @Nullable ExceptionEvent refusal) {
            this(tenant, passId, candidates, markedIds, refusal, List.of());
        }

        public boolean refused() {
            return refusal != null;
        }
    }

    private final SqlDialect dialect;
    private final String table;
    private final DeleteRatioGuard guard;
    @Nullable private final CandidateCheck check;

    /**
     * Marks every unseen row, unchecked: only right if nothing changes on the platform while a pass
     * runs; add {@link #withCheck}.
     *
     * @param maxDeleteRatio the largest share of a tenant's rows one pass may mark deleted, in [0,
     *     1]
     */
    public DeletionMarker(SqlDialect dialect, String table, double maxDeleteRatio) {
        this(
                dialect,
                SqlDialect.checkedIdentifier(table),
                new DeleteRatioGuard(maxDeleteRatio),
                null);
    }

    private DeletionMarker(
            SqlDialect dialect,
            String table,
            DeleteRatioGuard guard,
            @Nullable CandidateCheck check) {
        this.dialect = dialect;
        this.table = table;
        this.guard = guard;
        this.check = check;
    }

    /**
     * This marker, marking only the unseen rows that {@code check} confirms gone from the platform
     * (see above).
     */
    public DeletionMarker withCheck(CandidateCheck check) {
        return new DeletionMarker(dialect, table, guard, Objects.requireNonNull(check, "check"));
    }

    /** The record table this marker completes passes in. */
    public String table() {
        return table;
    }

    /** {@link #markUnseen}. */
    @Override
    public Outcome complete(
            Connection connection,
            String tenant,
            String passId,
            long passStartMillis,
            long passEndMillis)
            throws SQLException {
        return markUnseen(connection, tenant, passId, passStartMillis, passEndMillis);
    }

    /**
     * Marks the rows of {@code tenant} last updated in {@code [passStartMillis, passEndMillis)}
     * that pass {@code passId} did not see and the check (if any) confirms gone; only call once the
     * tenant's pass is complete. The marking is one transaction.
     */
    public Outcome markUnseen(
            Connection connection,
            String tenant,
            String passId,
            long passStartMillis,
            long passEndMillis)
            throws SQLException {
        Outcome outcome = findUnseen(connection, tenant, passId, passStartMillis, passEndMillis);
        if (outcome.refused() || outcome.markedIds().isEmpty()) return outcome;
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            // FOR UPDATE: a row the live sync lands meanwhile waits for this transaction instead of
            // racing it, and the
            // outcome (hence the tombstones) names exactly the rows marked
            List<String> still = new ArrayList<>();
            forBatches(
                    outcome.markedIds(),
                    tenant,
                    passId,
                    passStartMillis,
                    passEndMillis,
                    (in, parameters) ->
                            still.addAll(
                                    SqlQueries.strings(
                                            connection,
                                            "SELECT id FROM "
                                                    + table
                                                    + " WHERE "
                                                    + UNSEEN
                                                    + in
                                                    + " FOR UPDATE",
                                            parameters)));
            markStillUnseen(connection, tenant, passId, passStartMillis, passEndMillis, still);
            connection.commit();
            return new Outcome(
                    tenant, passId, outcome.candidates(), still, null, outcome.keptLive());
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * The first half of {@link #markUnseen}, also for a pass completed inside a running job ({@link
     * RunningFullPass}): the unseen rows the check confirms gone (those that would be marked) and
     * the others, or the guard's refusal; marks nothing. With a check, blocks until the platform
     * has answered for every unseen row.
     */
    public Outcome findUnseen(
            Connection c, String tenant, String passId, long passStartMillis, long passEndMillis)
            throws SQLException {
        long candidates =
                SqlQueries.count(
                        c,
                        "SELECT count(*) FROM " + table + " WHERE " + CANDIDATE,
                        tenant,
                        passStartMillis,
                        passEndMillis);
        List<String> unseen =
                SqlQueries.strings(
                        c,
                        "SELECT id FROM " + table + " WHERE " + UNSEEN,
                        tenant,
                        passStartMillis,
                        passEndMillis,
                        passId);
        ExceptionEvent refusal =
                guard.refusal(
                        table,
                        tenant,
                        passId,
                        passEndMillis,
                        unseen.size(),
                        candidates,
                        "mark",
                        " deleted",
                        "nothing marked");
        if (refusal != null) return new Outcome(tenant, passId, candidates, List.of(), refusal);
        if (check == null || unseen.isEmpty())
            return new Outcome(tenant, passId, candidates, unseen, null);
        Set<String> gone =
                CandidateCheck.ask(
                        check, tenant, unseen, "full pass " + passId + ", table " + table);
        List<String> marked = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (String id : unseen) (gone.contains(id) ? marked : kept).add(id);
        return new Outcome(tenant, passId, candidates, marked, null, kept);
    }

    /**
     * The second half: marks those of {@code ids} that are still unseen by {@code passId} (a record
     * the pass has read meanwhile stays live); returns how many it marked.
     */
    public int markStillUnseen(
            Connection connection,
            String tenant,
            String passId,
            long passStartMillis,
            long passEndMillis,
            List<String> ids)
            throws SQLException {
        int[] marked = {0};
        forBatches(
                ids,
                tenant,
                passId,
                passStartMillis,
                passEndMillis,
                (in, parameters) ->
                        marked[0] +=
                                SqlQueries.update(
                                        connection,
                                        "UPDATE "
                                                + table
                                                + " SET deleted_at = "
                                                + dialect.now()
                                                + " WHERE "
                                                + UNSEEN
                                                + in,
                                        parameters));
        return marked[0];
    }

    /**
     * A statement on {@link #UNSEEN} rows restricted to a batch of ids: the {@code AND id IN (...)}
     * and all parameters.
     */
    @FunctionalInterface
    private interface Batch {
        void run(String idIn, Object[] parameters) throws SQLException;
    }

    private static void forBatches(
            List<String> ids,
            String tenant,
            String passId,
            long passStart,
            long passEnd,
            Batch batch)
            throws SQLException {
        for (int from = 0; from < ids.size(); from += MARK_BATCH) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + MARK_BATCH));
            List<Object> parameters = new ArrayList<>(List.of(tenant, passStart, passEnd, passId));
            parameters.addAll(part);
            batch.run(
                    " AND id IN (" + String.join(", ", Collections.nCopies(part.size(), "?")) + ")",
                    parameters.toArray());
        }
    }

    private static final int MARK_BATCH = 500;
    private static final String CANDIDATE =
            "tenant = ? AND deleted_at IS NULL AND update_time >= ? AND update_time < ?";
    private static final String UNSEEN = CANDIDATE + " AND (pass_id IS NULL OR pass_id <> ?)";
}
