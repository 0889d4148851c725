package io.httpsync.connector.sink;

import io.httpsync.connector.http.ExceptionEvent;
import io.httpsync.connector.source.RawRecord;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import javax.annotation.Nullable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A full sync, completed one of the seed's two ways ({@link PassCompletion}): by marking deletions ({@link
 * DeletionMarker}, the "sync time" method, described here) or by publishing the pass as a snapshot
 * ({@link SnapshotTable}). For deletion marking, a bounded job reads every record of its tenants
 * updated before {@link #endMillis()} and lands them with {@link JdbcRecordSink#setPassId this pass's id}; when, and
 * only when, that job has <em>finished</em>, every window of every tenant has been read and its rows written (the
 * sinks flush at end of input before the job counts as finished), so the pass is complete and the rows it did not
 * stamp are marked deleted by a {@link DeletionMarker}, tenant by tenant, each under the delete-ratio guard.
 *
 * <p>A pass that does not finish (the job fails, is cancelled, a platform outage outlasts the retries) marks nothing:
 * the next complete pass does. A guard refusal is stored in the exception-event table like any other failure.
 * <pre>{@code
 * FullSyncPass pass = FullSyncPass.create(Instant.now().toEpochMilli());
 * HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder()...setBounded(start, Instant.ofEpochMilli(pass.endMillis()))...;
 * records.sinkTo(JdbcRecordSink.builder(SqlDialect.POSTGRES, "orders").setPassId(pass.id()).build(connection));
 * FullSyncPass.Result result = pass.runAndComplete(env, "orders full sync", connection, marker, "sync_events", tenants);
 * }</pre>
 * Not thread-safe; one driver thread runs a pass.
 */
@PublicEvolving
public final class FullSyncPass {
    /** How a pass ended: interrupted (with its cause, nothing marked) or completed (one outcome per tenant). */
    public record Result(String passId, @Nullable Throwable interruption, List<DeletionMarker.Outcome> outcomes) {
        public boolean completed() {
            return interruption == null;
        }

        /** The refusals of the delete-ratio guard, as stored in the exception-event table. */
        public List<ExceptionEvent> refusals() {
            return outcomes.stream().map(DeletionMarker.Outcome::refusal).filter(Objects::nonNull).toList();
        }

        /** A tombstone for every record this pass marked deleted (or dropped from the latest snapshot), for a compacted Kafka topic ({@link KafkaRecordSink}). */
        public List<RawRecord> tombstones(long deletedAtMillis) {
            List<RawRecord> out = new ArrayList<>();
            for (DeletionMarker.Outcome o : outcomes) {
                for (String id : o.markedIds()) out.add(KafkaRecordSink.tombstone(o.tenant(), id, deletedAtMillis));
            }
            return out;
        }
    }

    private final String id;
    private final long endMillis;

    private FullSyncPass(String id, long endMillis) {
        this.id = id;
        this.endMillis = endMillis;
    }

    /** A new pass over the records updated before {@code endMillis} (the bounded source's end), with a fresh id. */
    public static FullSyncPass create(long endMillis) {
        return new FullSyncPass("pass-" + endMillis + "-" + UUID.randomUUID().toString().substring(0, 8), endMillis);
    }

    public String id() {
        return id;
    }

    /** The end of the pass's time range: rows last updated at or after it are never marked by this pass. */
    public long endMillis() {
        return endMillis;
    }

    /**
     * Begins the pass for each tenant, runs its job (built on {@code env} by the caller, bounded, its sinks stamping
     * {@link #id()}) to its end and, if it finished, completes each tenant (marks its unseen rows, or publishes its
     * snapshot) and stores the guard's refusals in {@code eventsTable}.
     */
    public Result runAndComplete(StreamExecutionEnvironment env, String jobName, Connection connection, PassCompletion completion,
                                 String eventsTable, List<String> tenants) throws SQLException {
        for (String tenant : tenants) completion.begin(connection, tenant, id, endMillis);
        try {
            JobClient job = env.executeAsync(jobName);
            job.getJobExecutionResult().get();
        } catch (Exception e) {
            return new Result(id, e, List.of());
        }
        return complete(connection, completion, eventsTable, tenants);
    }

    /** Completes a pass whose job is known to have finished (e.g. when the job was run elsewhere). */
    public Result complete(Connection connection, PassCompletion completion, String eventsTable, List<String> tenants) throws SQLException {
        List<DeletionMarker.Outcome> outcomes = new ArrayList<>();
        for (String tenant : tenants) outcomes.add(completion.complete(connection, tenant, id, endMillis));
        Result result = new Result(id, null, outcomes);
        if (!result.refusals().isEmpty()) ExceptionEventJdbcSink.insert(connection, eventsTable, result.refusals());
        return result;
    }
}
