package io.httpsync.jobs.pipeline;

import io.httpsync.connector.http.ExceptionEvent;
import io.httpsync.connector.http.ResponseKind;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A sync job from a properties-style config, against the Kuaishou simulator and a real PostgreSQL. */
class SyncPipelineITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static Simulator sim;
    private static KuaishouSim kuaishou;
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        sim = new Simulator(3);
        kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant("shop-1", KuaishouSim.credentials("key-1", "secret-1", "sign-1"),
                DataSpec.of(200, 3 * DAY).timeResolutionMillis(1));
        sim.start(0);
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws Exception {
        sim.close();
        postgres.close();
    }

    private static Map<String, String> config(long start, long end) {
        String base = sim.baseUrl("kuaishou");
        Map<String, String> c = new HashMap<>();
        Demo.kuaishouSimulatorOptions(base).forEach((k, v) -> c.put("source.endpoint." + k, v));
        c.put("source.name", "kuaishou-orders");
        c.put("source.tenants", "shop-1");
        c.put("source.tenant.shop-1.app-key", "key-1");
        c.put("source.tenant.shop-1.app-secret", "secret-1");
        c.put("source.tenant.shop-1.sign-secret", "sign-1");
        c.put("source.mode", "bounded");
        c.put("source.start", Instant.ofEpochMilli(start).toString());
        c.put("source.end", Instant.ofEpochMilli(end).toString());
        c.put("source.window-step", "12 h");
        c.put("job.parallelism", "2");
        c.put("dedupe.ttl", "1 d");
        c.put("jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        c.put("jdbc.username", "postgres");
        c.put("jdbc.table", "orders");
        c.put("jdbc.events-table", "sync_events");
        c.put("jdbc.create-tables", "true");
        return c;
    }

    private static void run(Map<String, String> config) throws Exception {
        SyncPipeline pipeline = new SyncPipeline(config);
        pipeline.createTables();
        // auto-generated uids are off: building the job fails if any operator lacks a stable uid
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(SyncPipeline.flinkConfiguration());
        pipeline.addTo(env);
        env.execute(pipeline.jobName());
    }

    private static Map<String, String> rows(String column) throws Exception {
        return rows("orders", column);
    }

    private static Map<String, String> rows(String table, String column) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, " + column + " FROM " + table)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }

    @Test
    void landsThePlatformAndARerunChangesNoRow() throws Exception {
        long end = System.currentTimeMillis() - Duration.ofMinutes(2).toMillis();
        Map<String, String> config = config(end - 4 * DAY, end);
        run(config);

        GroundTruth truth = kuaishou.groundTruth("shop-1");
        Map<String, String> expected = truth.live().stream().filter(r -> r.updateTime() < end)
                .collect(Collectors.toMap(GroundTruth.TruthRecord::id, r -> Long.toString(r.updateTime())));
        assertThat(expected).isNotEmpty();
        assertThat(rows("update_time")).isEqualTo(expected);

        Map<String, String> versions = rows("xmin::text");
        run(config);   // a re-sync of unchanged data
        assertThat(rows("xmin::text")).as("row versions after a re-sync").isEqualTo(versions);
    }

    @Test
    void replayResyncsExactlyTheFailedWindowsAndForgetsTheirEvents() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, String> config = new HashMap<>(config(now - 3 * DAY, now - DAY));
        config.put("jdbc.table", "replayed");
        config.put("jdbc.events-table", "replay_events");
        SyncPipeline pipeline = new SyncPipeline(config);
        pipeline.createTables();
        long t1 = now - 2 * DAY;
        long t2 = t1 + DAY / 4;
        long t3 = t2 + DAY / 4;
        try (Connection c = pipeline.connect()) {
            ExceptionEventJdbcSink.insert(c, "replay_events", List.of(
                    failed("shop-1", t1, t2), failed("shop-1", t1 + DAY / 8, t3),   // overlapping: one window [t1, t3)
                    failed("shop-9", t1, t2)));                                     // a tenant this job does not sync
        }

        int replayed = WindowReplay.run(pipeline, StreamExecutionEnvironment.getExecutionEnvironment(SyncPipeline.flinkConfiguration()));

        assertThat(replayed).isEqualTo(1);
        Map<String, String> expected = kuaishou.groundTruth("shop-1").live().stream()
                .filter(r -> r.updateTime() >= t1 && r.updateTime() < t3)
                .collect(Collectors.toMap(GroundTruth.TruthRecord::id, r -> Long.toString(r.updateTime())));
        assertThat(expected).isNotEmpty();
        assertThat(rows("replayed", "update_time")).isEqualTo(expected);
        try (Connection c = pipeline.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT tenant FROM replay_events")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("shop-9");
            assertThat(rs.next()).isFalse();
        }
    }

    private static ExceptionEvent failed(String tenant, long start, long end) {
        return new ExceptionEvent("kuaishou/open.order.cursor.list", tenant, start, end, "{}", 503, null, ResponseKind.RETRYABLE,
                5, "server busy", System.currentTimeMillis() - 1000);
    }

    @Test
    void unknownSettingsAndMissingSinksAreRefusedByName() {
        Map<String, String> typo = new HashMap<>(config(0, 1));
        typo.put("dedupe.enable", "false");
        assertThatThrownBy(() -> new SyncPipeline(typo)).hasMessageContaining("unknown sync job setting 'dedupe.enable'");

        Map<String, String> noSink = new HashMap<>(config(System.currentTimeMillis() - 2 * DAY, System.currentTimeMillis() - DAY));
        noSink.remove("jdbc.url");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(SyncPipeline.flinkConfiguration());
        assertThatThrownBy(() -> new SyncPipeline(noSink).addTo(env)).hasMessageContaining("has no sink");
    }
}
