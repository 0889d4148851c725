package io.httpsync.connector.sink;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.GroundTruth;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Full passes against the Kuaishou simulator into a real PostgreSQL, with records updated, created and deleted on the
 * platform between passes: a completed pass leaves the table equal to the platform with deletions marked; an
 * interrupted pass marks nothing; the delete-ratio guard refuses a pass that would mark too much and records why.
 */
class FullSyncPassITCase {
    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final String TABLE = "orders";
    private static final String EVENTS = "sync_events";

    private KuaishouSimulatorFixture platform;
    private long start;

    @BeforeEach
    void setUp() throws Exception {
        platform = new KuaishouSimulatorFixture(300);
        start = System.currentTimeMillis() - 6 * DAY - 60_000;
        POSTGRES.execute("DROP TABLE IF EXISTS " + TABLE);
        POSTGRES.execute("DROP TABLE IF EXISTS " + EVENTS);
        POSTGRES.execute(SqlDialect.POSTGRES.createRecordTable(TABLE));
        POSTGRES.execute(ExceptionEventJdbcSink.createTable(SqlDialect.POSTGRES, EVENTS));
    }

    @AfterEach
    void tearDown() {
        platform.close();
    }

    /** One full pass: the bounded source over everything updated before now, landed with the pass id. */
    private FullSyncPass.Result pass(double maxDeleteRatio, ExceptionPolicy policy) throws Exception {
        // the pass's end lies strictly after the last change: the simulator makes each new version of a record at
        // least 1 ms newer than the previous one, so a record updated several times in a row can be ahead of the clock
        long latest = platform.kuaishou.groundTruth(SHOP).live().stream().mapToLong(GroundTruth.TruthRecord::updateTime).max().orElse(0);
        while (System.currentTimeMillis() <= latest) Thread.sleep(1);
        FullSyncPass pass = FullSyncPass.create(System.currentTimeMillis());
        HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(platform.options()))
                .setTenants(List.of(platform.tenant()))
                .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(pass.endMillis()))
                .setDeserializer(RecordDeserializer.raw())
                .setExceptionPolicy(policy)
                // a bounded sync must end a lag (1 min) before now, as records may move while it reads; nothing changes
                // on this platform during a pass, so the source's clock runs ahead instead of the test waiting a minute
                .setClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2)))
                .build();
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        DataStream<SyncElement<RawRecord>> elements = env.fromSource(source, source.watermarkStrategy(), "source").uid("source");
        SingleOutputStreamOperator<RawRecord> records = HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
        records.sinkTo(JdbcRecordSink.builder(SqlDialect.POSTGRES, TABLE).setPassId(pass.id()).build(POSTGRES.connectionOptions()))
                .uid("orders-postgres");
        records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                .sinkTo(ExceptionEventJdbcSink.insertInto(EVENTS, POSTGRES.connectionOptions())).uid("events-postgres");
        try (Connection c = POSTGRES.connect()) {
            return pass.runAndComplete(env, "full pass", c, new DeletionMarker(SqlDialect.POSTGRES, TABLE, maxDeleteRatio),
                    EVENTS, List.of(SHOP));
        }
    }

    private Map<String, Long> liveRows() throws Exception {
        Map<String, Long> out = new HashMap<>();
        POSTGRES.column(TABLE, "update_time", SHOP, "deleted_at IS NULL").forEach((id, t) -> out.put(id, Long.parseLong(t)));
        return out;
    }

    private Set<String> markedDeleted() throws Exception {
        return POSTGRES.column(TABLE, "id", SHOP, "deleted_at IS NOT NULL").keySet();
    }

    private void changeThePlatform(int updates, int inserts, int deletes) {
        var data = platform.kuaishou.tenant(SHOP);
        for (int i = 0; i < updates; i++) data.updateRandom();
        for (int i = 0; i < inserts; i++) data.insert();
        for (int i = 0; i < deletes; i++) data.deleteRandom();
    }

    @Test
    void aCompletedPassLeavesTheTableEqualToThePlatformWithDeletionsMarked() throws Exception {
        FullSyncPass.Result first = pass(0.2, ExceptionPolicy.FAIL);
        assertThat(first.completed()).as("first pass: %s", first.interruption()).isTrue();
        assertThat(first.outcomes().get(0).markedIds()).isEmpty();
        SinkAssertions.assertEqualsTruth(liveRows(), platform.kuaishou.groundTruth(SHOP));

        changeThePlatform(20, 5, 12);
        FullSyncPass.Result second = pass(0.2, ExceptionPolicy.FAIL);

        GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
        assertThat(truth.deletedIds()).hasSize(12);
        SinkAssertions.assertEqualsTruth(liveRows(), truth);
        assertThat(markedDeleted()).containsExactlyInAnyOrderElementsOf(truth.deletedIds());
        assertThat(second.outcomes().get(0).markedIds()).containsExactlyInAnyOrderElementsOf(truth.deletedIds());
        assertThat(second.tombstones(1).stream().map(r -> r.id).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(truth.deletedIds());
    }

    @Test
    void anInterruptedPassMarksNothing() throws Exception {
        assertThat(pass(0.2, ExceptionPolicy.FAIL).completed()).isTrue();
        changeThePlatform(0, 0, 10);

        platform.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0);   // the platform is down
        FullSyncPass.Result interrupted = pass(0.2, ExceptionPolicy.FAIL);
        platform.kuaishou.faults().clear();

        assertThat(interrupted.completed()).isFalse();
        assertThat(interrupted.outcomes()).isEmpty();
        assertThat(markedDeleted()).isEmpty();
    }

    @Test
    void theDeleteRatioGuardRefusesAndRecordsAnEvent() throws Exception {
        assertThat(pass(0.2, ExceptionPolicy.FAIL).completed()).isTrue();
        changeThePlatform(0, 0, 100);   // a third of the shop vanished: more likely a platform problem than real deletions

        FullSyncPass.Result refused = pass(0.2, ExceptionPolicy.FAIL);

        assertThat(refused.completed()).isTrue();
        assertThat(refused.refusals()).hasSize(1);
        assertThat(refused.refusals().get(0).message()).contains("100 of 300 rows", "refused");
        assertThat(markedDeleted()).isEmpty();
        assertThat(POSTGRES.single("SELECT count(*) FROM " + EVENTS + " WHERE tenant = '" + SHOP + "' AND message LIKE '%refused%'"))
                .isEqualTo(1);
    }
}
