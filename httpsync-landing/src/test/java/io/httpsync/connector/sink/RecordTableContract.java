package io.httpsync.connector.sink;

import io.httpsync.connector.dedupe.Dedupe;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordMeta;
import io.httpsync.connector.source.TenantPosition;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.connector.testutil.KuaishouFullPass;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.GroundTruth;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every database's record table must do, run against a real server per dialect: the guarded
 * upsert through Flink's JdbcSink, full-pass stamps and deletion marking with its ratio guard,
 * stored exception events, and the snapshot alternative (each pass its own snapshot, the latest
 * completed one visible), also end to end against the Kuaishou simulator; and the table of sync
 * positions.
 */
abstract class RecordTableContract {
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final AtomicInteger TABLES = new AtomicInteger();

    protected String table;

    abstract SqlDatabase db();

    @BeforeEach
    void createTable() throws Exception {
        table = "records_" + TABLES.incrementAndGet();
        db().execute(db().dialect().createRecordTable(table));
    }

    static RawRecord record(String tenant, String id, long updateTime, String value) {
        return new RawRecord(
                new RecordMeta(tenant, id, updateTime, 0, 1_000_000, 1),
                "{\"id\":\""
                        + id
                        + "\",\"updateTime\":"
                        + updateTime
                        + ",\"value\":\""
                        + value
                        + "\"}");
    }

    /** Runs one bounded job that lands {@code records} in the table. */
    void land(List<RawRecord> records, String passId) throws Exception {
        JdbcRecordSink sink = JdbcRecordSink.builder(db().dialect(), table);
        if (passId != null) sink.setPassId(passId);
        landWith(records, sink);
    }

    void landWith(List<RawRecord> records, JdbcRecordSink sink) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        sink.setBatching(3, java.time.Duration.ofMillis(50));
        env.fromData(records, Types.POJO(RawRecord.class))
                .sinkTo(sink.build(db().connectionOptions()));
        env.execute("land");
    }

    Map<String, String> column(String column) throws Exception {
        return db().column(table, column, "s1", "1 = 1");
    }

    @Test
    void aBatchHoldingSeveralVersionsOfARecordLandsOnlyTheNewest() throws Exception {
        SqlDialect dialect = db().dialect();
        JdbcConnectionOptions rewriting =
                BatchedUpsertSink.rewritingBatches(db().connectionOptions(), dialect);
        if (dialect == SqlDialect.POSTGRES)
            assertThat(rewriting.getProperties()).containsEntry("reWriteBatchedInserts", "true");
        else // the MariaDB driver's rewrite breaks the guarded upsert; its bulk protocol does not
        assertThat(rewriting.getProperties()).doesNotContainKey("rewriteBatchedStatements");
        List<RawRecord> versions =
                List.of(
                        record("s1", "a", 10, "a1"),
                        record("s1", "b", 10, "b1"),
                        record("s1", "a", 30, "a3"),
                        record("s1", "a", 20, "a2"),
                        record("s1", "b", 10, "b1-changed-in-place"));
        SimpleJdbcConnectionProvider provider = new SimpleJdbcConnectionProvider(rewriting);
        try {
            Connection c = provider.getOrEstablishConnection();
            if (dialect == SqlDialect.POSTGRES) {
                // why the batch keeps one version per key: a rewritten batch is one statement
                try (PreparedStatement ps = c.prepareStatement(dialect.upsertRecord(table))) {
                    for (RawRecord r : versions) {
                        JdbcRecordSink.binder(null).accept(ps, r);
                        ps.addBatch();
                    }
                    assertThatThrownBy(ps::executeBatch)
                            .hasMessageContaining("cannot affect row a second time");
                }
            }
            NewestPerKeyBatch batch =
                    new NewestPerKeyBatch(dialect.upsertRecord(table), JdbcRecordSink.binder(null));
            batch.prepareStatements(c);
            for (RawRecord r : versions) batch.addToBatch(r);
            assertThat(batch.pending()).hasSize(2);
            batch.executeBatch();
            assertThat(batch.pending()).isEmpty();
            batch.closeStatements();
        } finally {
            provider.closeConnection();
        }
        assertThat(column("update_time"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "30", "b", "10"));
        assertThat(column("payload").get("b")).contains("b1-changed-in-place");
        assertThat(column("content_hash").get("a"))
                .isEqualTo(Long.toString(versions.get(2).contentHash()));
    }

    @Test
    void aBatchLandsWholeOrNotAtAllAndTheConnectionServesTheRetry() throws Exception {
        SqlDialect dialect = db().dialect();
        // refused by both servers: PostgreSQL's text takes no NUL, MySQL's key column is
        // varchar(191) in strict mode
        RawRecord refused = record("s1" + "x".repeat(300) + "\u0000", "c", 10, "c1");
        SimpleJdbcConnectionProvider provider =
                new SimpleJdbcConnectionProvider(
                        BatchedUpsertSink.rewritingBatches(db().connectionOptions(), dialect));
        try {
            Connection c = provider.getOrEstablishConnection();
            NewestPerKeyBatch batch =
                    new NewestPerKeyBatch(dialect.upsertRecord(table), JdbcRecordSink.binder(null));
            batch.prepareStatements(c);
            batch.addToBatch(record("s1", "a", 10, "a1"));
            batch.addToBatch(record("s1", "b", 10, "b1"));
            batch.addToBatch(refused);
            assertThatThrownBy(batch::executeBatch).isInstanceOf(SQLException.class);
            assertThat(column("id")).as("no row of the failed batch is left").isEmpty();

            // the output format's retry binds the kept records again on the same connection
            assertThat(batch.pending()).hasSize(3);
            batch.closeStatements();
            NewestPerKeyBatch retry =
                    new NewestPerKeyBatch(dialect.upsertRecord(table), JdbcRecordSink.binder(null));
            retry.prepareStatements(c);
            retry.addToBatch(record("s1", "a", 10, "a1"));
            retry.addToBatch(record("s1", "b", 10, "b1"));
            retry.executeBatch();
            retry.closeStatements();
        } finally {
            provider.closeConnection();
        }
        assertThat(column("id")).containsOnlyKeys("a", "b");
    }

    @Test
    void anOlderVersionNeverOverwritesANewerOne() throws Exception {
        land(List.of(record("s1", "a", 30, "a3"), record("s1", "b", 10, "b1")), null);
        land(
                List.of(
                        record("s1", "a", 20, "a2"),
                        record("s1", "b", 5, "b0"),
                        record("s1", "b", 12, "b2")),
                null);
        // out of order inside one job too: the statement, not the arrival order, decides
        land(
                List.of(
                        record("s1", "c", 10, "c1"),
                        record("s1", "c", 30, "c3"),
                        record("s1", "c", 20, "c2")),
                null);

        assertThat(column("update_time"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "30", "b", "12", "c", "30"));
        assertThat(column("payload").get("a")).contains("a3");
        assertThat(column("payload").get("c")).contains("c3");
    }

    @Test
    void sameUpdateTimeWithOtherContentIsWritten() throws Exception {
        land(List.of(record("s1", "a", 30, "first")), null);
        land(
                List.of(record("s1", "a", 30, "第二版")),
                null); // platforms' payloads are Chinese: MySQL stores utf8mb4
        assertThat(column("payload").get("a")).contains("第二版");
    }

    @Test
    void aResyncOfUnchangedDataChangesNoRow() throws Exception {
        List<RawRecord> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) records.add(record("s1", "r" + i, 100 + i, "v" + i));
        land(records, null);
        Map<String, String> before = rowVersions();
        Thread.sleep(20); // a rewrite would now leave a different synced_at
        land(records, null);
        assertThat(rowVersions()).isEqualTo(before);
    }

    /** Per row: everything stored, and (PostgreSQL) the transaction that wrote the row version. */
    private Map<String, String> rowVersions() throws Exception {
        return rowVersions(table, "deleted_at", "1 = 1");
    }

    private Map<String, String> rowVersions(String table, String lastColumn, String condition)
            throws Exception {
        String all =
                "concat_ws('|', update_time, content_hash, synced_at, pass_id, "
                        + lastColumn
                        + (db().dialect() == SqlDialect.POSTGRES ? ", xmin::text)" : ")");
        return db().column(table, all, "s1", condition);
    }

    @Test
    void withDedupeAReplayOfUnchangedDataSendsNoStatement() throws Exception {
        List<RawRecord> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) records.add(record("s1", "r" + i, 100 + i, "v" + i));
        List<RawRecord> twice = new ArrayList<>(records);
        twice.addAll(records); // the same data synced again (a look-back, a replay)
        CollectingSink<RawRecord> written = new CollectingSink<>("written-" + UUID.randomUUID());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<RawRecord> changed =
                Dedupe.records(env.fromData(twice, Types.POJO(RawRecord.class)), null, "test");
        changed.sinkTo(
                JdbcRecordSink.builder(db().dialect(), table).build(db().connectionOptions()));
        changed.sinkTo(written);
        env.execute("dedupe and land");

        assertThat(written.collected())
                .hasSize(records.size()); // one statement per record, none for the replay
        assertThat(column("update_time")).hasSize(records.size());
    }

    @Test
    void aCompletedPassMarksTheUnseenRowsDeleted() throws Exception {
        land(
                List.of(
                        record("s1", "a", 10, "a"),
                        record("s1", "b", 11, "b"),
                        record("s1", "c", 12, "c"),
                        record("s1", "d", 13, "d"),
                        record("s1", "late", 500, "created after the pass"),
                        record("s1", "old", 5, "last updated before the pass's start")),
                "pass-1");
        // pass 2 reads [8, 100): it sees a, b (unchanged) and c in a newer version; d is gone from
        // the platform
        land(
                List.of(
                        record("s1", "a", 10, "a"),
                        record("s1", "b", 11, "b"),
                        record("s1", "c", 14, "c2")),
                "pass-2");

        DeletionMarker.Outcome outcome;
        try (Connection c = db().connect()) {
            outcome =
                    new DeletionMarker(db().dialect(), table, 0.5)
                            .markUnseen(c, "s1", "pass-2", 8, 100);
        }
        assertThat(outcome.refused()).isFalse();
        assertThat(outcome.markedIds()).containsExactly("d");
        assertThat(outcome.candidates()).isEqualTo(4);
        assertThat(db().column(table, "id", "s1", "deleted_at IS NOT NULL").keySet())
                .containsExactly("d");
        assertThat(column("pass_id"))
                .containsEntry("a", "pass-2")
                .containsEntry("c", "pass-2")
                .containsEntry("d", "pass-1");

        // d comes back on the platform: seen again, no longer deleted
        land(List.of(record("s1", "d", 13, "d")), null);
        assertThat(db().column(table, "id", "s1", "deleted_at IS NOT NULL")).isEmpty();
    }

    @Test
    void markingInTwoHalvesLeavesARowThePassReadInBetween() throws Exception {
        land(
                List.of(
                        record("s1", "a", 10, "a"),
                        record("s1", "b", 11, "b"),
                        record("s1", "c", 12, "c"),
                        record("s1", "d", 13, "d"),
                        record("s1", "e", 14, "e")),
                "pass-1");
        land(
                List.of(
                        record("s1", "a", 10, "a"),
                        record("s1", "b", 11, "b"),
                        record("s1", "c", 12, "c")),
                "pass-2");
        DeletionMarker marker = new DeletionMarker(db().dialect(), table, 0.5);
        try (Connection c = db().connect()) {
            DeletionMarker.Outcome found = marker.findUnseen(c, "s1", "pass-2", 0, 100);
            assertThat(found.markedIds()).containsExactlyInAnyOrder("d", "e");
            assertThat(db().column(table, "id", "s1", "deleted_at IS NOT NULL"))
                    .as("finding marks nothing")
                    .isEmpty();

            land(
                    List.of(record("s1", "e", 15, "e2")),
                    "pass-2"); // the running pass reads e after all

            assertThat(marker.markStillUnseen(c, "s1", "pass-2", 0, 100, found.markedIds()))
                    .isEqualTo(1);
            assertThat(marker.markStillUnseen(c, "s1", "pass-2", 0, 100, found.markedIds()))
                    .as("again: nothing")
                    .isZero();
        }
        assertThat(db().column(table, "id", "s1", "deleted_at IS NOT NULL").keySet())
                .containsExactly("d");
    }

    @Test
    void theRatioGuardRefusesAndMarksNothing() throws Exception {
        land(
                List.of(
                        record("s1", "a", 10, "a"),
                        record("s1", "b", 11, "b"),
                        record("s1", "c", 12, "c")),
                "pass-1");
        land(
                List.of(record("s1", "a", 10, "a")),
                "pass-2"); // an outage answered with almost nothing

        DeletionMarker.Outcome outcome;
        try (Connection c = db().connect()) {
            outcome =
                    new DeletionMarker(db().dialect(), table, 0.5)
                            .markUnseen(c, "s1", "pass-2", 0, 100);
            ExceptionEventJdbcSink.insert(c, events(), List.of(outcome.refusal()));
        }
        assertThat(outcome.refused()).isTrue();
        assertThat(outcome.markedIds()).isEmpty();
        assertThat(outcome.refusal().message()).contains("2 of 3 rows", "tenant s1", "refused");
        assertThat(db().column(table, "id", "s1", "deleted_at IS NOT NULL")).isEmpty();
        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + events()
                                                + " WHERE tenant = 's1' AND message LIKE '%pass-2%'"))
                .isEqualTo(1);
    }

    private String events() throws Exception {
        String events = table + "_events";
        db().execute(ExceptionEventJdbcSink.createTable(db().dialect(), events));
        return events;
    }

    @Test
    void exceptionEventsAreStoredWithTheirContext() throws Exception {
        String events = events();
        ExceptionEvent failed =
                new ExceptionEvent(
                        "kuaishou-orders",
                        "s1",
                        1000,
                        2000,
                        "{\"cursor\":\"abc\"}",
                        503,
                        "E503",
                        ResponseKind.RETRYABLE,
                        5,
                        "server busy",
                        1234);
        ExceptionEvent undecodable =
                ExceptionEvent.ofWindow(
                        "kuaishou-orders", "s2", 2000, 3000, "{}", "bad record", 1235);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromData(
                        List.of(failed, undecodable),
                        org.apache.flink.api.common.typeinfo.TypeInformation.of(
                                ExceptionEvent.class))
                .sinkTo(ExceptionEventJdbcSink.insertInto(events, db().connectionOptions()));
        env.execute("events");

        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + events
                                                + " WHERE tenant = 's1' AND endpoint = 'kuaishou-orders'"
                                                + " AND window_start = 1000 AND window_end = 2000 AND position = '{\"cursor\":\"abc\"}' AND http_status = 503"
                                                + " AND platform_code = 'E503' AND kind = 'RETRYABLE' AND attempts = 5 AND message = 'server busy' AND event_time = 1234"))
                .isEqualTo(1);
        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + events
                                                + " WHERE tenant = 's2' AND platform_code IS NULL AND http_status = -1"))
                .isEqualTo(1);
    }

    @Test
    void syncPositionsOnlyMoveForwardPerStreamAndTenant() throws Exception {
        SyncPositionTable positions = new SyncPositionTable(db().dialect(), table + "_positions");
        try (Connection c = db().connect()) {
            positions.create(c);
            positions.write(c, "other", "s1", 50);
        }
        // as a job delivers them: every reader repeats a tenant's position, and a replay repeats an
        // older one
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        positions.write(
                env.fromData(
                        List.of(
                                new TenantPosition("s1", 100),
                                new TenantPosition("s2", 70),
                                new TenantPosition("s1", 300),
                                new TenantPosition("s1", 300),
                                new TenantPosition("s1", 200),
                                new TenantPosition("s2", 60)),
                        TypeInformation.of(TenantPosition.class)),
                "orders",
                db().connectionOptions());
        env.execute("positions");

        try (Connection c = db().connect()) {
            assertThat(positions.read(c, "orders")).isEqualTo(Map.of("s1", 300L, "s2", 70L));
            positions.write(c, "orders", "s2", 40); // a job restored from an older savepoint
            positions.write(c, "orders", "s2", 90);
            assertThat(positions.read(c, "orders")).isEqualTo(Map.of("s1", 300L, "s2", 90L));
            assertThat(positions.read(c, "other")).isEqualTo(Map.of("s1", 50L));
        }
        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + positions.table()
                                                + " WHERE updated_at IS NOT NULL"))
                .isEqualTo(3);
    }

    // --- snapshots
    // -------------------------------------------------------------------------------------------------

    private SnapshotTable snapshots(double maxDeleteRatio) throws Exception {
        SnapshotTable snapshots =
                new SnapshotTable(db().dialect(), table + "_snap", maxDeleteRatio);
        try (Connection c = db().connect()) {
            snapshots.create(c);
        }
        return snapshots;
    }

    /**
     * Lands a pass of {@code tenant} into its snapshot and completes it as {@link FullSyncPass}
     * would once its job finished.
     */
    private DeletionMarker.Outcome snapshotPass(
            SnapshotTable snapshots,
            String tenant,
            String passId,
            long end,
            boolean finished,
            RawRecord... records)
            throws Exception {
        try (Connection c = db().connect()) {
            snapshots.begin(c, tenant, passId, end);
            landWith(List.of(records), snapshots.sink(passId));
            return finished ? snapshots.complete(c, tenant, passId, 0, end) : null;
        }
    }

    private Map<String, String> latest(SnapshotTable snapshots, String tenant) throws Exception {
        return db().column(snapshots.latestView(), "update_time", tenant, "1 = 1");
    }

    private Map<String, String> ofPass(SnapshotTable snapshots, String tenant, String passId)
            throws Exception {
        return db().column(snapshots.table(), "update_time", tenant, "pass_id = '" + passId + "'");
    }

    @Test
    void eachPassIsItsOwnSnapshotAndTheLatestCompletedOneIsVisible() throws Exception {
        SnapshotTable snapshots = snapshots(0.5);
        snapshotPass(
                snapshots,
                "s1",
                "pass-1",
                100,
                true,
                record("s1", "a", 10, "a"),
                record("s1", "b", 11, "b"),
                record("s1", "c", 12, "c"),
                record("s1", "d", 13, "d"));
        snapshotPass(snapshots, "s2", "pass-1", 100, true, record("s2", "x", 10, "x"));
        // between the passes: c updated, d deleted, e created; pass 2 covers s1 only; c also read
        // twice, once stale
        RawRecord[] second = {
            record("s1", "a", 10, "a"),
            record("s1", "b", 11, "b"),
            record("s1", "c", 14, "c2"),
            record("s1", "c", 12, "c"),
            record("s1", "e", 15, "e")
        };
        DeletionMarker.Outcome outcome = snapshotPass(snapshots, "s1", "pass-2", 200, true, second);

        assertThat(outcome.refused()).isFalse();
        assertThat(outcome.candidates()).isEqualTo(4);
        assertThat(outcome.markedIds()).containsExactly("d");
        assertThat(latest(snapshots, "s1"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("a", "10", "b", "11", "c", "14", "e", "15"));
        assertThat(latest(snapshots, "s2")).containsExactlyInAnyOrderEntriesOf(Map.of("x", "10"));
        assertThat(ofPass(snapshots, "s1", "pass-1"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("a", "10", "b", "11", "c", "12", "d", "13"));
        try (Connection c = db().connect()) {
            assertThat(snapshots.latestCompletedPass(c, "s1")).contains("pass-2");
            assertThat(snapshots.latestCompletedPass(c, "s2")).contains("pass-1");
        }

        // a replay of pass 2, and publishing it again, write nothing and change nothing visible
        Map<String, String> before = rowVersions(snapshots.table(), "payload", "1 = 1");
        Thread.sleep(20); // a rewrite would now leave a different synced_at
        DeletionMarker.Outcome again = snapshotPass(snapshots, "s1", "pass-2", 200, true, second);
        assertThat(rowVersions(snapshots.table(), "payload", "1 = 1")).isEqualTo(before);
        assertThat(again.refused()).isFalse();
        assertThat(latest(snapshots, "s1")).containsOnlyKeys("a", "b", "c", "e");
    }

    @Test
    void aPassThatDidNotFinishIsNeverVisible() throws Exception {
        SnapshotTable snapshots = snapshots(0.5);
        snapshotPass(
                snapshots,
                "s1",
                "pass-1",
                100,
                true,
                record("s1", "a", 10, "a"),
                record("s1", "b", 11, "b"));
        // pass 2 wrote part of its records, then its job failed: never completed
        snapshotPass(snapshots, "s1", "pass-2", 200, false, record("s1", "a", 20, "a2"));

        assertThat(latest(snapshots, "s1"))
                .containsExactlyInAnyOrderEntriesOf(Map.of("a", "10", "b", "11"));
        assertThat(ofPass(snapshots, "s1", "pass-2")).containsOnlyKeys("a");
    }

    @Test
    void theRatioGuardRefusesToPublishAPassThatLostTooMuch() throws Exception {
        SnapshotTable snapshots = snapshots(0.5);
        snapshotPass(
                snapshots,
                "s1",
                "pass-1",
                100,
                true,
                record("s1", "a", 10, "a"),
                record("s1", "b", 11, "b"),
                record("s1", "c", 12, "c"));

        DeletionMarker.Outcome outcome =
                snapshotPass(snapshots, "s1", "pass-2", 200, true, record("s1", "a", 10, "a"));

        assertThat(outcome.refused()).isTrue();
        assertThat(outcome.refusal().message())
                .contains("drop 2 of 3 rows", "tenant s1", "latest snapshot", "not published");
        assertThat(latest(snapshots, "s1")).containsOnlyKeys("a", "b", "c");
        try (Connection c = db().connect()) {
            assertThat(snapshots.latestCompletedPass(c, "s1")).contains("pass-1");
        }
    }

    @Test
    void retentionKeepsTheLastCompletedPassesAndDropsOlderOnes() throws Exception {
        SnapshotTable snapshots = snapshots(1.0).retainingLast(2);
        snapshotPass(snapshots, "s1", "pass-1", 100, true, record("s1", "a", 10, "a"));
        snapshotPass(
                snapshots, "s1", "pass-2", 200, false, record("s1", "a", 10, "a")); // interrupted
        snapshotPass(
                snapshots,
                "s1",
                "pass-3",
                300,
                true,
                record("s1", "a", 10, "a"),
                record("s1", "b", 250, "b"));
        snapshotPass(snapshots, "s2", "pass-3", 300, true, record("s2", "x", 10, "x"));
        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + snapshots.table()
                                                + " WHERE tenant = 's1' AND id = 'a'"))
                .isEqualTo(3);
        assertThat(passesOf(snapshots, "s1"))
                .containsExactlyInAnyOrder("pass-1", "pass-2", "pass-3");

        snapshotPass(snapshots, "s1", "pass-4", 400, true, record("s1", "b", 250, "b"));

        assertThat(passesOf(snapshots, "s1")).containsExactlyInAnyOrder("pass-3", "pass-4");
        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + snapshots.table()
                                                + " WHERE tenant = 's1' AND pass_id IN ('pass-1', 'pass-2')"))
                .isZero();
        assertThat(ofPass(snapshots, "s1", "pass-3")).containsOnlyKeys("a", "b");
        assertThat(latest(snapshots, "s1")).containsOnlyKeys("b");
        assertThat(latest(snapshots, "s2"))
                .containsOnlyKeys("x"); // another tenant's retention is its own
    }

    @Test
    void fullPassesAgainstTheSimulatorEachLeaveASnapshotAndOnlyCompletedOnesBecomeLatest()
            throws Exception {
        SnapshotTable snapshots = snapshots(0.2);
        String events = events();
        try (KuaishouSimulatorFixture platform = new KuaishouSimulatorFixture(200)) {
            long start = System.currentTimeMillis() - 6 * KuaishouSimulatorFixture.DAY - 60_000;
            KuaishouFullPass passes =
                    KuaishouFullPass.of(platform, start, db())
                            .landing(pass -> snapshots.sink(pass.id()), snapshots, events);
            FullSyncPass.Result first = passes.run();
            assertThat(first.completed()).as("first pass: %s", first.interruption()).isTrue();
            GroundTruth truthOfFirst = platform.kuaishou.groundTruth(SHOP);

            platform.change(20, 5, 12);
            FullSyncPass.Result second = passes.run();
            assertThat(second.completed()).as("second pass: %s", second.interruption()).isTrue();
            GroundTruth truthOfSecond = platform.kuaishou.groundTruth(SHOP);

            SinkAssertions.assertEqualsTruth(asLongs(latest(snapshots, SHOP)), truthOfSecond);
            SinkAssertions.assertEqualsTruth(
                    asLongs(ofPass(snapshots, SHOP, first.passId())), truthOfFirst);
            assertThat(second.outcomes().get(0).markedIds())
                    .containsExactlyInAnyOrderElementsOf(truthOfSecond.deletedIds());

            platform.change(10, 0, 5);
            platform.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0); // the platform is down
            FullSyncPass.Result interrupted = passes.run();
            platform.kuaishou.faults().clear();

            assertThat(interrupted.completed()).isFalse();
            SinkAssertions.assertEqualsTruth(asLongs(latest(snapshots, SHOP)), truthOfSecond);
            try (Connection c = db().connect()) {
                assertThat(snapshots.latestCompletedPass(c, SHOP)).contains(second.passId());
            }
        }
    }

    private static Map<String, Long> asLongs(Map<String, String> updateTimes) {
        Map<String, Long> out = new java.util.HashMap<>();
        updateTimes.forEach((id, t) -> out.put(id, Long.parseLong(t)));
        return out;
    }

    private List<String> passesOf(SnapshotTable snapshots, String tenant) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = db().connect();
                var ps =
                        c.prepareStatement(
                                "SELECT pass_id FROM "
                                        + snapshots.passTable()
                                        + " WHERE tenant = ?")) {
            ps.setString(1, tenant);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }
}
