package io.httpsync.connector.sink;

import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.TenantPosition;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A full pass with deletion marking completed <em>inside a running job</em>, tenant by tenant, as
 * each tenant's sync position says its pass is complete: deletion marking ({@link FullSyncPass})
 * for a continuous job that starts with a full pass (its source starts at the pass's start, its
 * record sink stamps the pass's id), and for a pass whose tenants must not wait for each other (one
 * tenant whose windows keep failing does not hold back the others).
 *
 * <pre>{@code
 * FullSyncPass pass = FullSyncPass.create(start, System.currentTimeMillis());   // its id, start and end
 * HttpSyncSource<RawRecord> source = ...setContinuous(Instant.ofEpochMilli(start), lag, interval).setEmitTenantPositions(true)...;
 * SingleOutputStreamOperator<RawRecord> records = HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
 * records.sinkTo(JdbcRecordSink.builder(SqlDialect.POSTGRES, "orders").setPassId(pass.id()).build(jdbc));
 * SingleOutputStreamOperator<RawRecord> tombstones = RunningFullPass.markDeletions(
 *         records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS), pass, new DeletionMarker(...), jdbc, "orders");
 * tombstones.sinkTo(KafkaRecordSink.records(...));                                     // deletions as tombstones
 * tombstones.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS).sinkTo(ExceptionEventJdbcSink.insertInto(...));  // refusals
 * }</pre>
 *
 * <p>Per tenant, in order:
 *
 * <ol>
 *   <li><b>Main part read.</b> The tenant's position reaches the pass's end {@code E}: every record
 *       updated in {@code [start, E)} has been read. Records that were updated while it was read
 *       moved past {@code E}, so the wall-clock time of this moment, {@code T}, is noted.
 *   <li><b>Caught up.</b> The position reaches {@code T}: every record updated before {@code T},
 *       the moved ones included, has been read in its latest version and, since a position only
 *       advances with a completed checkpoint, landed by sinks that flush on checkpoints. (This is
 *       {@link FullSyncPass}'s catch-up round, for a source that keeps going.) The rows of {@code
 *       [start, T)} the pass did not stamp are found under the delete-ratio guard ({@link
 *       DeletionMarker#findUnseen}). A refusal goes to the side output {@link
 *       HttpSyncStreams#EXCEPTION_EVENTS} and ends the tenant's pass. Otherwise a tombstone is
 *       emitted for each of them.
 *   <li><b>Marked.</b> When the next checkpoint that includes those tombstones has completed (so
 *       Kafka has them), the rows are marked deleted, those still unseen ({@link
 *       DeletionMarker#markStillUnseen}): a record the running sync read meanwhile stays live. A
 *       failover before that checkpoint finds and emits them again, and a failover after it marks
 *       them on restore. So a deletion is never marked without its tombstone.
 * </ol>
 *
 * It needs checkpointing, as positions do. A record deleted after the pass read it stays until the
 * next pass. A live record that moved during the main part and again before its new time was read
 * is unseen: with a check ({@link DeletionMarker#withCheck}) the platform says it exists and it is
 * neither marked nor tombstoned; without one, it is marked, and the running sync clears the mark
 * when it lands its new version (its tombstone has gone out).
 *
 * <p>The operator runs with parallelism 1 (positions are few) and uid {@code
 * <name>-pass-completion}. Its JDBC work (finding, marking) and the check's requests (one per
 * unseen row, once per tenant) run on the task thread, like a JDBC sink's flush.
 */
@PublicEvolving
public final class RunningFullPass {
    private RunningFullPass() {}

    /**
     * Completes {@code pass} per tenant as {@code positions} advance; returns the tombstones of the
     * marked records.
     */
    public static SingleOutputStreamOperator<RawRecord> markDeletions(
            DataStream<TenantPosition> positions,
            FullSyncPass pass,
            DeletionMarker marker,
            JdbcConnectionOptions jdbc,
            String name) {
        return positions
                .process(
                        new Completion(
                                pass.id(), pass.startMillis(), pass.endMillis(), marker, jdbc),
                        Types.POJO(RawRecord.class))
                .uid(name + "-pass-completion")
                .name(name + " pass completion")
                .setParallelism(1)
                .setMaxParallelism(1);
    }

    /** The per-tenant state machine described on {@link RunningFullPass}. Task thread only. */
    @Internal
    @VisibleForTesting
    static final class Completion extends ProcessFunction<TenantPosition, RawRecord>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(RunningFullPass.class);
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final int STATE_VERSION = 1;

        private final String passId;
        private final long passStart;
        private final long passEnd;
        private final DeletionMarker marker;
        private final JdbcConnectionOptions jdbc;

        private transient Map<String, TenantPass> tenants;
        private transient ListState<String> state;
        private transient SimpleJdbcConnectionProvider connections;

        Completion(
                String passId,
                long passStart,
                long passEnd,
                DeletionMarker marker,
                JdbcConnectionOptions jdbc) {
            this.passId = passId;
            this.passStart = passStart;
            this.passEnd = passEnd;
            this.marker = marker;
            this.jdbc = jdbc;
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            state =
                    context.getOperatorStateStore()
                            .getListState(new ListStateDescriptor<>("tenant-passes", Types.STRING));
            tenants = new LinkedHashMap<>();
            for (String json : state.get()) {
                TenantPass p = TenantPass.fromJson(json);
                if (!p.passId.equals(passId)) {
                    // the restored source goes on from its positions and never reads the start
                    // again: the rows it read
                    // before carry the old id, so completing another pass now would mark them all
                    // deleted
                    throw new IllegalStateException(
                            "pass completion restored with full pass "
                                    + passId
                                    + ", but the"
                                    + " restored state belongs to full pass "
                                    + p.passId
                                    + " (tenant "
                                    + p.tenant
                                    + "); restore the"
                                    + " job with the pass it was started with (FullSyncPass.of(\""
                                    + p.passId
                                    + "\", start, end))");
                }
                tenants.put(p.tenant, p);
            }
        }

        @Override
        public void open(OpenContext openContext) throws Exception {
            connections = new SimpleJdbcConnectionProvider(jdbc);
            // tombstones found before the restored checkpoint are in it, hence delivered: their
            // rows can be marked now
            for (TenantPass p : tenants.values()) {
                if (p.pendingIds != null && p.sealedAtCheckpoint >= 0) mark(p);
            }
        }

        @Override
        public void processElement(TenantPosition position, Context ctx, Collector<RawRecord> out)
                throws Exception {
            TenantPass p =
                    tenants.computeIfAbsent(
                            position.tenant(), tenant -> new TenantPass(passId, tenant));
            if (p.done || p.pendingIds != null) return;
            if (p.mainPartReadAt == null) {
                if (position.positionMillis() < passEnd) return;
                p.mainPartReadAt = Math.max(System.currentTimeMillis(), passEnd);
                return;
            }
            if (position.positionMillis() < p.mainPartReadAt) return;
            DeletionMarker.Outcome found =
                    marker.findUnseen(connection(), p.tenant, passId, passStart, p.mainPartReadAt);
            if (found.refused()) {
                LOG.warn("{}", found.refusal().message());
                ctx.output(HttpSyncStreams.EXCEPTION_EVENTS, found.refusal());
                p.done = true;
                return;
            }
            long now = System.currentTimeMillis();
            for (String id : found.markedIds())
                out.collect(KafkaRecordSink.tombstone(p.tenant, id, now));
            p.pendingIds = new ArrayList<>(found.markedIds());
            if (p.pendingIds.isEmpty()) complete(p, 0);
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            List<String> snapshot = new ArrayList<>(tenants.size());
            for (TenantPass p : tenants.values()) {
                if (p.pendingIds != null && p.sealedAtCheckpoint < 0)
                    p.sealedAtCheckpoint = context.getCheckpointId();
                snapshot.add(p.toJson());
            }
            state.update(snapshot);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            for (TenantPass p : tenants.values()) {
                if (p.pendingIds != null
                        && p.sealedAtCheckpoint >= 0
                        && p.sealedAtCheckpoint <= checkpointId) mark(p);
            }
        }

        private void mark(TenantPass p) throws Exception {
            complete(
                    p,
                    marker.markStillUnseen(
                            connection(),
                            p.tenant,
                            passId,
                            passStart,
                            p.mainPartReadAt,
                            p.pendingIds));
        }

        private void complete(TenantPass p, int marked) {
            LOG.info(
                    "full pass {} complete for tenant {}: {} records marked deleted",
                    passId,
                    p.tenant,
                    marked);
            p.pendingIds = null;
            p.done = true;
        }

        /**
         * The connection, re-established if it was lost: a continuous job may go hours between two
         * uses.
         */
        private Connection connection() throws SQLException, ClassNotFoundException {
            return connections.isConnectionValid()
                    ? connections.getOrEstablishConnection()
                    : connections.reestablishConnection();
        }

        @Override
        public void close() throws Exception {
            if (connections != null) connections.closeConnection();
        }
    }

    /** One tenant's progress through the pass; kept in operator state as versioned JSON. */
    @VisibleForTesting
    static final class TenantPass {
        final String passId;
        final String tenant;
        @Nullable Long mainPartReadAt;
        @Nullable List<String> pendingIds;
        long sealedAtCheckpoint = -1;
        boolean done;

        TenantPass(String passId, String tenant) {
            this.passId = passId;
            this.tenant = tenant;
        }

        String toJson() {
            ObjectNode node = Completion.JSON.createObjectNode();
            node.put("version", Completion.STATE_VERSION)
                    .put("passId", passId)
                    .put("tenant", tenant)
                    .put("done", done)
                    .put("sealedAtCheckpoint", sealedAtCheckpoint);
            if (mainPartReadAt != null) node.put("mainPartReadAt", mainPartReadAt);
            if (pendingIds != null) pendingIds.forEach(node.putArray("pendingIds")::add);
            return node.toString();
        }

        static TenantPass fromJson(String json) throws IOException {
            JsonNode node = Completion.JSON.readTree(json);
            int version = node.path("version").asInt(-1);
            if (version != Completion.STATE_VERSION) {
                throw new IOException(
                        "pass completion state of version "
                                + version
                                + " is not readable by this version ("
                                + Completion.STATE_VERSION
                                + "): "
                                + json);
            }
            TenantPass p = new TenantPass(node.get("passId").asText(), node.get("tenant").asText());
            p.done = node.get("done").asBoolean();
            p.sealedAtCheckpoint = node.get("sealedAtCheckpoint").asLong();
            if (node.has("mainPartReadAt")) p.mainPartReadAt = node.get("mainPartReadAt").asLong();
            if (node.has("pendingIds")) {
                p.pendingIds = new ArrayList<>();
                node.get("pendingIds").forEach(id -> p.pendingIds.add(id.asText()));
            }
            return p;
        }
    }
}
