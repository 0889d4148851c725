package io.httpsync.jobs.pipeline;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sync job from a properties-style config, against the Kuaishou simulator and a real PostgreSQL.
 */
class SyncPipelineITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static Simulator sim;
    private static KuaishouSim kuaishou;
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        sim = new Simulator(3);
        kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                "shop-1",
                KuaishouSim.credentials("key-1", "secret-1", "sign-1"),
                DataSpec.of(200, 3 * DAY).timeResolutionMillis(1));
        for (int shop = 2; shop <= 3; shop++) {
            kuaishou.addTenant(
                    "shop-" + shop,
                    KuaishouSim.credentials("key-" + shop, "secret-" + shop, "sign-" + shop),
                    DataSpec.of(200, 3 * DAY).timeResolutionMillis(1));
        }
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
        Demo.kuaishouSimulatorOptions(base).forEach((k, v) -> c.put("httpsync." + k, v));
        c.put("source.name", "kuaishou-orders");
        c.put("httpsync.tenants", "shop-1");
        c.put("httpsync.tenant.shop-1.app-key", "key-1");
        c.put("httpsync.tenant.shop-1.app-secret", "secret-1");
        c.put("httpsync.tenant.shop-1.sign-secret", "sign-1");
        c.put("httpsync.scan.mode", "bounded");
        c.put("httpsync.scan.start", Instant.ofEpochMilli(start).toString());
        c.put("httpsync.scan.end", Instant.ofEpochMilli(end).toString());
        c.put("httpsync.scan.window.step", "12 h");
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
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        SyncPipeline.flinkConfiguration());
        pipeline.addTo(env);
        env.execute(pipeline.jobName());
    }

    private static Map<String, String> rows(String column) throws Exception {
        return rows("orders", column);
    }

    private static Map<String, String> rows(String table, String column) throws Exception {
        return rows(table, column, "TRUE");
    }

    private static Map<String, String> rows(String table, String column, String condition)
            throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, "
                                        + column
                                        + " FROM "
                                        + table
                                        + " WHERE "
                                        + condition)) {
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
        Map<String, String> expected =
                truth.live().stream()
                        .filter(r -> r.updateTime() < end)
                        .collect(
                                Collectors.toMap(
                                        GroundTruth.TruthRecord::id,
                                        r -> Long.toString(r.updateTime())));
        assertThat(expected).isNotEmpty();
        assertThat(rows("update_time")).isEqualTo(expected);

        Map<String, String> versions = rows("xmin::text");
        run(config); // a re-sync of unchanged data
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
            ExceptionEventJdbcSink.insert(
                    c,
                    "replay_events",
                    List.of(
                            failed("shop-1", t1, t2),
                            failed("shop-1", t1 + DAY / 8, t3), // overlapping: one window [t1, t3)
                            failed("shop-9", t1, t2))); // a tenant this job does not sync
        }

        int replayed =
                WindowReplay.run(
                        pipeline,
                        StreamExecutionEnvironment.getExecutionEnvironment(
                                SyncPipeline.flinkConfiguration()));

        assertThat(replayed).isEqualTo(1);
        Map<String, String> expected =
                kuaishou.groundTruth("shop-1").live().stream()
                        .filter(r -> r.updateTime() >= t1 && r.updateTime() < t3)
                        .collect(
                                Collectors.toMap(
                                        GroundTruth.TruthRecord::id,
                                        r -> Long.toString(r.updateTime())));
        assertThat(expected).isNotEmpty();
        assertThat(rows("replayed", "update_time")).isEqualTo(expected);
        try (Connection c = pipeline.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT tenant FROM replay_events")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("shop-9");
            assertThat(rs.next()).isFalse();
        }
    }

    /**
     * A full-pass config for shop-2 (its own table): no lag, the simulator lists a change at once.
     */
    private static Map<String, String> passConfig(String table, String completion) {
        return passConfig("shop-2", table, completion);
    }

    private static Map<String, String> passConfig(String shop, String table, String completion) {
        Map<String, String> c = new HashMap<>(config(System.currentTimeMillis() - 4 * DAY, 0));
        c.remove("httpsync.scan.end");
        c.remove("httpsync.scan.mode");
        String n = shop.substring("shop-".length());
        c.keySet()
                .removeIf(
                        k -> k.startsWith("httpsync.tenant.")); // properties of a tenant not in the
        // list are refused
        c.put("httpsync.tenants", shop);
        c.put("httpsync.tenant." + shop + ".app-key", "key-" + n);
        c.put("httpsync.tenant." + shop + ".app-secret", "secret-" + n);
        c.put("httpsync.tenant." + shop + ".sign-secret", "sign-" + n);
        c.put("httpsync.scan.lag", "1 ms");
        c.put("jdbc.table", table);
        c.put("jdbc.events-table", table + "_events");
        c.put("pass.completion", completion);
        return c;
    }

    /**
     * Updates, creates and deletes orders of shop-2; returns the ids it deleted (both tests share
     * the shop).
     */
    private static List<String> change(int updates, int inserts, int deletes) {
        return change("shop-2", updates, inserts, deletes);
    }

    private static List<String> change(String shop, int updates, int inserts, int deletes) {
        List<String> before = kuaishou.groundTruth(shop).deletedIds();
        var data = kuaishou.tenant(shop);
        for (int i = 0; i < updates; i++) data.updateRandom();
        for (int i = 0; i < inserts; i++) data.insert();
        for (int i = 0; i < deletes; i++) data.deleteRandom();
        List<String> deleted = new java.util.ArrayList<>(kuaishou.groundTruth(shop).deletedIds());
        deleted.removeAll(before);
        assertThat(deleted).hasSize(deletes);
        return deleted;
    }

    private static Map<String, String> truthOfShop2() {
        return truthOf("shop-2");
    }

    private static Map<String, String> truthOf(String shop) {
        return kuaishou.groundTruth(shop).live().stream()
                .collect(
                        Collectors.toMap(
                                GroundTruth.TruthRecord::id, r -> Long.toString(r.updateTime())));
    }

    private static FullSyncPass.Result fullPass(Map<String, String> config) throws Exception {
        FullSyncPass.Result result =
                new SyncPipeline(config)
                        .runFullPass(
                                () ->
                                        StreamExecutionEnvironment.getExecutionEnvironment(
                                                SyncPipeline.flinkConfiguration()));
        assertThat(result.completed()).as("full pass: %s", result.interruption()).isTrue();
        assertThat(result.rounds()).as("the main round and a catch-up round").hasSize(2);
        return result;
    }

    @Test
    void fullPassesFromTheConfigMarkTheDeletedRecords() throws Exception {
        Map<String, String> config = passConfig("pass_orders", "mark-deletions");
        // every unseen row is asked about in the detail API: a deleted order is business error 2001
        EndpointPresets.kuaishouOrderDetail(sim.baseUrl("kuaishou"))
                .forEach((k, v) -> config.put("pass.check.endpoint." + k, v));
        EndpointPresets.kuaishouCodeGrantTokens(sim.baseUrl("kuaishou"), "${tenant.id}")
                .forEach((k, v) -> config.put("pass.check.endpoint." + k, v));
        config.put("pass.check.not-found-codes", "2001");
        config.put("pass.check.not-found-message", "订单不存在");
        fullPass(config);
        assertThat(rows("pass_orders", "update_time")).isEqualTo(truthOfShop2());

        List<String> deleted = change(15, 5, 10);
        FullSyncPass.Result second = fullPass(config);

        assertThat(rows("pass_orders", "update_time")).containsAllEntriesOf(truthOfShop2());
        assertThat(second.outcomes().get(0).markedIds())
                .containsExactlyInAnyOrderElementsOf(deleted);
        assertThat(second.outcomes().get(0).keptLive())
                .as("unseen rows the detail API still had")
                .isEmpty();
        assertThat(rows("pass_orders", "deleted_at", "deleted_at IS NOT NULL").keySet())
                .containsExactlyInAnyOrderElementsOf(deleted);
        // a pass lands without dedupe: every live row, changed or not, carries the id of the pass
        // that read it
        assertThat(rows("pass_orders", "pass_id", "deleted_at IS NULL").values())
                .containsOnly(second.passId());
    }

    @Test
    void aContinuousJobFromTheConfigStartsWithAPassAndMarksTheDeletedRecordsWhileItRuns(
            @TempDir Path checkpoints) throws Exception {
        Map<String, String> config = passConfig("shop-3", "running_orders", "mark-deletions");
        fullPass(config); // an earlier sync landed the shop
        List<String> deleted = change("shop-3", 15, 5, 10);

        Map<String, String> running = new HashMap<>(config);
        running.put("httpsync.scan.mode", "continuous");
        running.put("httpsync.scan.lag", "500 ms");
        running.put("httpsync.scan.discovery-interval", "300 ms");
        running.put("job.checkpoint-interval", "300 ms");
        running.put("job.checkpoint-dir", checkpoints.toUri().toString());
        running.put("pass.in-running-job", "true");
        running.put("pass.id", "running-1");
        long passEnd = System.currentTimeMillis();
        running.put("pass.end", Instant.ofEpochMilli(passEnd).toString());
        running.put("jdbc.positions-table", "running_positions");
        SyncPipeline pipeline = new SyncPipeline(running);
        pipeline.createTables();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        SyncPipeline.flinkConfiguration());
        pipeline.addTo(env);
        JobClient job = env.executeAsync("running pass");
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while ((!markedIn("running_orders").equals(Set.copyOf(deleted))
                            || positions(pipeline).getOrDefault("shop-3", 0L) < passEnd)
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
        } finally {
            job.cancel().get();
        }

        assertThat(markedIn("running_orders")).containsExactlyInAnyOrderElementsOf(deleted);
        // the tenant caught up past the pass's end, and its position is where anyone can read it
        assertThat(positions(pipeline)).containsOnlyKeys("shop-3");
        assertThat(positions(pipeline).get("shop-3")).isGreaterThanOrEqualTo(passEnd);
        assertThat(rows("running_orders", "update_time", "deleted_at IS NULL"))
                .isEqualTo(truthOf("shop-3"));
        assertThat(rows("running_orders", "pass_id", "deleted_at IS NULL").values())
                .containsOnly("running-1");

        Map<String, String> bounded = new HashMap<>(running);
        bounded.put("httpsync.scan.mode", "bounded");
        assertThatThrownBy(
                        () ->
                                new SyncPipeline(bounded)
                                        .addTo(
                                                StreamExecutionEnvironment
                                                        .getExecutionEnvironment()))
                .hasMessageContaining(
                        "pass.in-running-job needs httpsync.scan.mode=continuous, was 'bounded'");
    }

    private static Map<String, Long> positions(SyncPipeline pipeline) throws Exception {
        try (Connection c = pipeline.connect()) {
            return pipeline.positionTable().read(c, "kuaishou-orders");
        }
    }

    private static Set<String> markedIn(String table) throws Exception {
        return rows(table, "deleted_at", "deleted_at IS NOT NULL").keySet();
    }

    @Test
    void fullPassesFromTheConfigPublishSnapshots() throws Exception {
        Map<String, String> config = passConfig("pass_snap", "snapshot");
        FullSyncPass.Result first = fullPass(config);
        Map<String, String> firstTruth = truthOfShop2();
        assertThat(rows("pass_snap_latest", "update_time")).isEqualTo(firstTruth);

        List<String> deleted = change(15, 5, 10);
        FullSyncPass.Result second = fullPass(config);

        assertThat(rows("pass_snap_latest", "update_time")).isEqualTo(truthOfShop2());
        assertThat(second.outcomes().get(0).markedIds())
                .containsExactlyInAnyOrderElementsOf(deleted);
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT count(*) FROM pass_snap WHERE pass_id = '"
                                        + first.passId()
                                        + "'")) {
            rs.next();
            assertThat(rs.getInt(1))
                    .as("the first pass stays queryable")
                    .isEqualTo(firstTruth.size());
        }
    }

    @Test
    void aContinuousJobAlwaysCheckpointsAndKeepsItsCheckpointsWhereTheConfigSays() {
        Map<String, String> continuous =
                new HashMap<>(config(System.currentTimeMillis() - 2 * DAY, 0));
        continuous.remove("httpsync.scan.end");
        continuous.put("httpsync.scan.mode", "continuous");
        Configuration clusterDir = SyncPipeline.flinkConfiguration();
        clusterDir.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "file:///cluster/checkpoints");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(clusterDir);
        new SyncPipeline(continuous).addTo(env);
        assertThat(env.getCheckpointConfig().getCheckpointInterval())
                .as("the default interval")
                .isEqualTo(SyncPipeline.DEFAULT_CHECKPOINT_INTERVAL.toMillis());
        assertThat(env.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .as("a cluster's directory applies")
                .isEqualTo("file:///cluster/checkpoints");

        // Flink's own configuration (e.g. a cluster's) wins over the default, the file over both
        Configuration flink = clusterDir;
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(7));
        StreamExecutionEnvironment cluster =
                StreamExecutionEnvironment.getExecutionEnvironment(flink);
        new SyncPipeline(continuous).addTo(cluster);
        assertThat(cluster.getCheckpointConfig().getCheckpointInterval()).isEqualTo(7_000);
        continuous.put("job.checkpoint-interval", "3 s");
        continuous.put("job.checkpoint-dir", "s3://bucket/httpsync");
        StreamExecutionEnvironment configured =
                StreamExecutionEnvironment.getExecutionEnvironment(flink);
        new SyncPipeline(continuous).addTo(configured);
        assertThat(configured.getCheckpointConfig().getCheckpointInterval()).isEqualTo(3_000);
        assertThat(configured.getConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo("s3://bucket/httpsync");
        assertThat(
                        configured
                                .getConfiguration()
                                .get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);

        // a local run's directory: under the working directory unless the file names one
        continuous.remove("job.checkpoint-dir");
        assertThat(new SyncPipeline(continuous).checkpointDirectory())
                .isEqualTo(
                        Path.of("httpsync-checkpoints", "kuaishou-orders")
                                .toAbsolutePath()
                                .toUri()
                                .toString());
        continuous.put("job.checkpoint-dir", "/var/lib/httpsync/orders");
        assertThat(new SyncPipeline(continuous).checkpointDirectory())
                .isEqualTo("file:///var/lib/httpsync/orders");
    }

    private static ExceptionEvent failed(String tenant, long start, long end) {
        return new ExceptionEvent(
                "kuaishou/open.order.cursor.list",
                tenant,
                start,
                end,
                "{}",
                503,
                null,
                ResponseKind.RETRYABLE,
                5,
                "server busy",
                System.currentTimeMillis() - 1000);
    }

    @Test
    void unknownSettingsAndMissingSinksAreRefusedByName() {
        Map<String, String> typo = new HashMap<>(config(0, 1));
        typo.put("dedupe.enable", "false");
        assertThatThrownBy(() -> new SyncPipeline(typo))
                .hasMessageContaining("unknown sync job setting 'dedupe.enable'");
        Map<String, String> badRatio = passConfig("bad_ratio", "mark-deletions");
        badRatio.put("pass.max-delete-ratio", "20%");
        assertThatThrownBy(
                        () ->
                                new SyncPipeline(badRatio)
                                        .runFullPass(
                                                StreamExecutionEnvironment
                                                        ::getExecutionEnvironment))
                .hasMessageContaining("option 'pass.max-delete-ratio': '20%' is not a number");
        Map<String, String> snapshotTable = passConfig("snapshot_only", "snapshot");
        assertThatThrownBy(
                        () ->
                                new SyncPipeline(snapshotTable)
                                        .addTo(
                                                StreamExecutionEnvironment
                                                        .getExecutionEnvironment()))
                .hasMessageContaining(
                        "jdbc.table 'snapshot_only' is a snapshot table that only full passes write");
        Map<String, String> badCompletion = passConfig("bad_completion", "snapshots");
        assertThatThrownBy(
                        () ->
                                new SyncPipeline(badCompletion)
                                        .runFullPass(
                                                StreamExecutionEnvironment
                                                        ::getExecutionEnvironment))
                .hasMessageContaining(
                        "pass.completion must be 'mark-deletions' or 'snapshot', was 'snapshots'");

        Map<String, String> noCheckpoints =
                new HashMap<>(config(System.currentTimeMillis() - 2 * DAY, 0));
        noCheckpoints.remove("httpsync.scan.end");
        noCheckpoints.put("httpsync.scan.mode", "continuous");
        noCheckpoints.put("job.checkpoint-interval", "0 s");
        assertThatThrownBy(
                        () ->
                                new SyncPipeline(noCheckpoints)
                                        .addTo(
                                                StreamExecutionEnvironment
                                                        .getExecutionEnvironment()))
                .hasMessageContaining(
                        "sync job 'kuaishou-orders': job.checkpoint-interval is 0 s, but a continuous sync moves its sync position");

        Map<String, String> noSink =
                new HashMap<>(
                        config(
                                System.currentTimeMillis() - 2 * DAY,
                                System.currentTimeMillis() - DAY));
        noSink.remove("jdbc.url");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        SyncPipeline.flinkConfiguration());
        assertThatThrownBy(() -> new SyncPipeline(noSink).addTo(env))
                .hasMessageContaining("has no sink");
    }
}
