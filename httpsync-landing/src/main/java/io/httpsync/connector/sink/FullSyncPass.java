package io.httpsync.connector.sink;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A full sync, completed one of two ways ({@link PassCompletion}): by marking deletions ({@link
 * DeletionMarker}: rows the pass did not stamp are gone, described here) or by publishing the pass
 * as a snapshot ({@link SnapshotTable}).
 *
 * <p><b>Rounds.</b> The pass reads in bounded jobs, each over a range of update times, its sinks
 * stamping {@link #id() this pass's id} on every record ({@link JdbcRecordSink#setPassId}):
 *
 * <ol>
 *   <li>the main round reads {@code [start, end)};
 *   <li>each catch-up round reads from where the previous round's range ended up to the moment the
 *       previous round's job finished, once the platform's lag has passed since then.
 * </ol>
 *
 * Why catch-up rounds: a record updated while the main round runs moves to an update time after
 * {@code end}. If it moved before the main round read its old time, the main round never sees it,
 * although it is alive; without a catch-up, its row would be marked deleted (or dropped from the
 * snapshot) until a later sync lands it. The first catch-up round reads every record updated during
 * the main round. A live record escapes the pass only if it was updated during the main round and
 * again during every catch-up round, each time before its window was read. Its mark is then cleared
 * when a later sync lands its new version.
 *
 * <p><b>Completion.</b> Only if every round's job <em>finished</em> has every window of every
 * tenant been read and its rows written (the sinks flush at end of input before a job counts as
 * finished). Then the pass completes each tenant: the rows of the range the rounds covered ({@link
 * Result#coveredUntilMillis()}) that the pass did not stamp are marked deleted, tenant by tenant,
 * each under the delete-ratio guard. A pass that does not finish (a job fails, is cancelled, a
 * platform outage outlasts the retries) marks nothing: the next complete pass does. A guard refusal
 * is stored in the exception-event table like any other failure. Which unseen rows are really gone
 * is asked of the platform ({@link DeletionMarker#withCheck}): no listing can prove it for a record
 * that keeps moving ahead of the rounds, so without that check a record updated during the pass can
 * be marked although it lives.
 *
 * <p><b>One pass per table and tenant ({@link #withLease}).</b> Each pass has its own id, and
 * stamps it in the record table's {@code pass_id} column. Two passes that overlapped on one table
 * and tenant would overwrite each other's stamps and take the rows the other stamped for unseen, so
 * a pass takes a {@link PassLease} per tenant before its first round, renews it while it runs and
 * releases it at its end; a second pass refuses ({@link PassLease.HeldElsewhereException} as the
 * result's interruption) or waits. A pass that lost a lease (it could not renew it, and another
 * pass took it over) completes nothing.
 *
 * <p>Why the stamps stay one column, not a "seen" row per pass: correctness does not rest on them.
 * A row whose stamp another pass overwrote is a candidate like any unseen row, and the check leaves
 * it live because the platform still has it; the stamp only spares that request. With the lease, no
 * other full pass stamps while this one runs (a {@link RunningFullPass} stamps only in the job it
 * runs in; run those without a bounded pass beside them). A separate seen table would cost a second
 * write per record and pass, and a migration, to protect what the check protects anyway.
 *
 * <pre>{@code
 * FullSyncPass pass = FullSyncPass.create(start, Instant.now().minus(lag).toEpochMilli()).withCatchUp(1, lag);
 * FullSyncPass.Result result = pass.runAndComplete((p, from, to) -> {
 *     StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 *     HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder()...setBounded(ofEpochMilli(from), ofEpochMilli(to))...;
 *     records.sinkTo(JdbcRecordSink.builder(SqlDialect.POSTGRES, "orders").setPassId(p.id()).build(connection));
 *     return env;
 * }, "orders full sync", connection, marker, "sync_events", tenants);
 * }</pre>
 *
 * Not thread-safe; one driver thread runs a pass.
 */
@PublicEvolving
public final class FullSyncPass {
    /** The range of update times one round read. */
    public record Round(long fromMillis, long toMillis) {}

    /**
     * How a pass ended: interrupted (with its cause, nothing marked) or completed (one outcome per
     * tenant), and the rounds it ran (an interrupted pass lists the rounds up to the one that
     * failed).
     */
    public record Result(
            String passId,
            @Nullable Throwable interruption,
            List<Round> rounds,
            List<DeletionMarker.Outcome> outcomes) {
        public boolean completed() {
            return interruption == null;
        }

        /**
         * The end of the update times the pass read: rows last updated at or after it were not
         * judged by this pass.
         */
        public long coveredUntilMillis() {
            return rounds.isEmpty() ? Long.MIN_VALUE : rounds.get(rounds.size() - 1).toMillis();
        }

        /** The refusals of the delete-ratio guard, as stored in the exception-event table. */
        public List<ExceptionEvent> refusals() {
            return outcomes.stream()
                    .map(DeletionMarker.Outcome::refusal)
                    .filter(Objects::nonNull)
                    .toList();
        }

        /**
         * A tombstone for every record this pass marked deleted (or dropped from the latest
         * snapshot), for a compacted Kafka topic ({@link KafkaRecordSink}).
         */
        public List<RawRecord> tombstones(long deletedAtMillis) {
            List<RawRecord> out = new ArrayList<>();
            for (DeletionMarker.Outcome o : outcomes) {
                for (String id : o.markedIds())
                    out.add(KafkaRecordSink.tombstone(o.tenant(), id, deletedAtMillis));
            }
            return out;
        }
    }

    /**
     * Builds one round of a pass: a bounded job over the records updated in {@code [fromMillis,
     * toMillis)}.
     */
    @FunctionalInterface
    public interface RoundJob {
        /**
         * Returns a new environment holding the round's job: a bounded httpsync source over {@code
         * [fromMillis, toMillis)} for the pass's tenants, landed by sinks that stamp {@code
         * pass.id()}.
         */
        StreamExecutionEnvironment build(FullSyncPass pass, long fromMillis, long toMillis)
                throws Exception;
    }

    private final String id;
    private final long startMillis;
    private final long endMillis;
    private int catchUpRounds = 1;
    private Duration lag = HttpSyncSourceBuilder.DEFAULT_LAG;
    private Clock clock = Clock.systemUTC();
    @Nullable private PassLease lease;

    private FullSyncPass(String id, long startMillis, long endMillis) {
        this.id = id;
        this.startMillis = startMillis;
        this.endMillis = endMillis;
    }

    /**
     * A new pass, with a fresh id, over the records updated in {@code [startMillis, endMillis)}
     * (the main round's range), then one catch-up round with the source's default lag.
     */
    public static FullSyncPass create(long startMillis, long endMillis) {
        return of(
                "pass-" + endMillis + "-" + UUID.randomUUID().toString().substring(0, 8),
                startMillis,
                endMillis);
    }

    /**
     * The pass {@code id} over {@code [startMillis, endMillis)}: to restore a job that completes a
     * pass while it runs ({@link RunningFullPass}) with the pass it started with.
     */
    public static FullSyncPass of(String id, long startMillis, long endMillis) {
        if (id == null || id.isBlank())
            throw new IllegalArgumentException("full pass: id must not be blank");
        if (endMillis <= startMillis) {
            throw new IllegalArgumentException(
                    "full pass: end " + endMillis + " must lie after start " + startMillis);
        }
        return new FullSyncPass(id, startMillis, endMillis);
    }

    /**
     * How many catch-up rounds follow the main round (0 turns them off), and the lag the source
     * keeps behind the platform (its {@code setContinuous} lag, {@link
     * HttpSyncSourceBuilder#DEFAULT_LAG} for a bounded source): a catch-up round up to time {@code
     * t} starts once {@code t + lag} has passed.
     */
    public FullSyncPass withCatchUp(int rounds, Duration lag) {
        if (rounds < 0)
            throw new IllegalArgumentException(
                    "full pass: catch-up rounds must be >= 0, was " + rounds);
        if (lag == null || lag.isNegative())
            throw new IllegalArgumentException("full pass: lag must be >= 0, was " + lag);
        this.catchUpRounds = rounds;
        this.lag = lag;
        return this;
    }

    /**
     * Takes {@code lease} for every tenant before the first round (or refuses, see {@link
     * PassLease}), renews it while the pass runs, and releases it at the end.
     */
    public FullSyncPass withLease(PassLease lease) {
        this.lease = Objects.requireNonNull(lease, "lease");
        return this;
    }

    /**
     * The clock that says when a round finished and when a catch-up round may start; tests replace
     * it.
     */
    public FullSyncPass withClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    public String id() {
        return id;
    }

    public long startMillis() {
        return startMillis;
    }

    /** The end of the main round's range. */
    public long endMillis() {
        return endMillis;
    }

    /**
     * Begins the pass for each tenant, runs its rounds (each job built by {@code rounds}, run to
     * its end) and, if every round finished, completes each tenant (marks its unseen rows, or
     * publishes its snapshot) and stores the guard's refusals in {@code eventsTable}.
     */
    public Result runAndComplete(
            RoundJob rounds,
            String jobName,
            Connection connection,
            PassCompletion completion,
            String eventsTable,
            List<String> tenants)
            throws SQLException {
        PassLease.Held held = null;
        try {
            if (lease != null) held = lease.acquire(id, tenants);
        } catch (PassLease.HeldElsewhereException e) {
            return new Result(id, e, List.of(), List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(id, e, List.of(), List.of());
        }
        try {
            return runAndComplete(
                    rounds, jobName, connection, completion, eventsTable, tenants, held);
        } finally {
            if (held != null) held.close();
        }
    }

    private Result runAndComplete(
            RoundJob rounds,
            String jobName,
            Connection connection,
            PassCompletion completion,
            String eventsTable,
            List<String> tenants,
            @Nullable PassLease.Held held)
            throws SQLException {
        for (String tenant : tenants) completion.begin(connection, tenant, id, endMillis);
        List<Round> ran = new ArrayList<>();
        Round round = new Round(startMillis, endMillis);
        for (int i = 0; i <= catchUpRounds; i++) {
            try {
                if (i > 0) sleepUntil(round.toMillis() + lag.toMillis());
                rounds.build(this, round.fromMillis(), round.toMillis())
                        .execute(i == 0 ? jobName : jobName + " (catch-up " + i + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(id, e, ran, List.of());
            } catch (Exception e) {
                return new Result(id, e, ran, List.of());
            }
            ran.add(round);
            long finished = clock.millis();
            if (finished <= round.toMillis())
                break; // nothing can have moved past a range that is still in the future
            round = new Round(round.toMillis(), finished);
        }
        if (held != null && !held.renew()) {
            return new Result(
                    id,
                    new IllegalStateException(
                            "full pass "
                                    + id
                                    + " lost its lease of tenant "
                                    + held.lost()
                                    + " of table "
                                    + lease.recordTable()
                                    + " to another pass; nothing marked"),
                    ran,
                    List.of());
        }
        return complete(connection, completion, eventsTable, tenants, ran);
    }

    /**
     * Completes a pass whose rounds are known to have finished (e.g. when their jobs were run
     * elsewhere).
     */
    public Result complete(
            Connection connection,
            PassCompletion completion,
            String eventsTable,
            List<String> tenants,
            List<Round> rounds)
            throws SQLException {
        if (rounds.isEmpty())
            throw new IllegalArgumentException(
                    "full pass " + id + ": no round ran, nothing can be completed");
        long coveredUntil = rounds.get(rounds.size() - 1).toMillis();
        List<DeletionMarker.Outcome> outcomes = new ArrayList<>();
        for (String tenant : tenants)
            outcomes.add(completion.complete(connection, tenant, id, startMillis, coveredUntil));
        Result result = new Result(id, null, List.copyOf(rounds), outcomes);
        if (!result.refusals().isEmpty())
            ExceptionEventJdbcSink.insert(connection, eventsTable, result.refusals());
        return result;
    }

    private void sleepUntil(long millis) throws InterruptedException {
        for (long wait = millis - clock.millis(); wait > 0; wait = millis - clock.millis())
            Thread.sleep(Math.min(wait, 1_000));
    }
}
