package io.httpsync.jobs.bench;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.dedupe.Dedupe;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FileUtils;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench landing}: how fast records land in PostgreSQL through a Flink job (source → dedupe →
 * {@link JdbcRecordSink}), against flink-connector-jdbc's own {@code JdbcSink} fed the same records
 * from memory and against raw JDBC batch upserts on as many connections as the job has sink
 * subtasks, all in one run: the simulator (no limit, no latency) and an embedded PostgreSQL. Every
 * path upserts the same rows with the same guarded statement into an empty table of its own.
 *
 * <p>Rows per second are counted over each path's landing span, from the first to the last row it
 * wrote, as PostgreSQL's {@code now()} stamped them ({@code synced_at}): the same clock and the
 * same definition for every path, without Flink's start-up. The job's rate over its whole run is
 * printed too. Prints one {@code BENCH} line per path group, e.g. {@code BENCH name=landing-pg
 * rows_per_s=... over_jdbcsink=... over_raw=...}. Not a test: it measures, it asserts nothing.
 */
public final class LandingBench {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final int BATCH = 500;

    private LandingBench() {}

    /** Runs the benchmark; returns the BENCH lines it printed. */
    public static List<String> run(Map<String, String> options, PrintStream out) throws Exception {
        int shops = Integer.parseInt(options.getOrDefault("shops", "3"));
        int orders = Integer.parseInt(options.getOrDefault("orders", "30000"));
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        List<String> lines = new ArrayList<>();
        Path checkpoints = Files.createTempDirectory("httpsync-bench-checkpoints");
        try (Simulator sim = new Simulator(7);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.limits().clear(); // landing, not the platform's limits, is what is measured
            int[] sizes = new int[shops];
            java.util.Arrays.fill(sizes, orders);
            List<Tenant> tenants = BenchShops.add(kuaishou, 3 * DAY, sizes);
            sim.start(0);
            String url = postgres.getJdbcUrl("postgres", "postgres");
            JdbcConnectionOptions connection =
                    new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                            .withUrl(url)
                            .withDriverName("org.postgresql.Driver")
                            .withUsername("postgres")
                            .build();
            for (String table :
                    List.of("job_rows", "landing_rows", "jdbcsink_rows", "raw_rows", "raw_rewrite"))
                execute(url, SqlDialect.POSTGRES.createRecordTable(table));

            long now = System.currentTimeMillis();

            // 0. the reading ceiling: source -> discard, the same source as the job's
            StreamExecutionEnvironment reading = environment(parallelism, checkpoints);
            HttpSyncSource<RawRecord> readingSource = source(sim, tenants, now);
            HttpSyncStreams.records(
                            reading.fromSource(
                                            readingSource,
                                            readingSource.watermarkStrategy(),
                                            "bench source")
                                    .uid("bench-source"),
                            Types.POJO(RawRecord.class),
                            "bench")
                    .sinkTo(new DiscardingSink<>());
            long readingMillis =
                    reading.execute("bench landing: source -> discard").getNetRuntime();

            // 1. the job: source -> dedupe -> JdbcRecordSink
            StreamExecutionEnvironment env = environment(parallelism, checkpoints);
            HttpSyncSource<RawRecord> source = source(sim, tenants, now);
            Dedupe.records(
                            HttpSyncStreams.records(
                                    env.fromSource(
                                                    source,
                                                    source.watermarkStrategy(),
                                                    "bench source")
                                            .uid("bench-source"),
                                    Types.POJO(RawRecord.class),
                                    "bench"),
                            null,
                            "bench")
                    .sinkTo(
                            JdbcRecordSink.builder(SqlDialect.POSTGRES, "job_rows")
                                    .setBatching(BATCH, Duration.ofMillis(200))
                                    .build(connection))
                    .uid("bench-postgres");
            long jobMillis =
                    env.execute("bench landing: source -> dedupe -> postgres").getNetRuntime();
            long rows = single(url, "SELECT count(*) FROM job_rows");
            double jobRate = perSecond(url, "job_rows");

            // 2. the same rows from memory: through our landing (dedupe -> JdbcRecordSink), and
            // through flink-connector-jdbc's JdbcSink
            List<RawRecord> records = readBack(url, "job_rows");
            StreamExecutionEnvironment landing = environment(parallelism, checkpoints);
            Dedupe.records(landing.fromData(records, Types.POJO(RawRecord.class)), null, "bench")
                    .sinkTo(
                            JdbcRecordSink.builder(SqlDialect.POSTGRES, "landing_rows")
                                    .setBatching(BATCH, Duration.ofMillis(200))
                                    .build(connection));
            landing.execute("bench landing: memory -> dedupe -> postgres");
            double landingRate = perSecond(url, "landing_rows");
            StreamExecutionEnvironment memory = environment(parallelism, checkpoints);
            memory.fromData(records, Types.POJO(RawRecord.class))
                    .sinkTo(
                            JdbcSink.<RawRecord>builder()
                                    .withQueryStatement(
                                            SqlDialect.POSTGRES.upsertRecord("jdbcsink_rows"),
                                            JdbcRecordSink.binder(null))
                                    .withExecutionOptions(
                                            JdbcExecutionOptions.builder()
                                                    .withBatchSize(BATCH)
                                                    .withBatchIntervalMs(200)
                                                    .withMaxRetries(3)
                                                    .build())
                                    .buildAtLeastOnce(connection));
            memory.execute("bench landing: memory -> JdbcSink");
            double jdbcSinkRate = perSecond(url, "jdbcsink_rows");

            // 3. raw JDBC batch upserts, as many connections as sink subtasks
            rawUpserts(url, "raw_rows", records, parallelism);
            double rawRate = perSecond(url, "raw_rows");
            rawUpserts(url + "&reWriteBatchedInserts=true", "raw_rewrite", records, parallelism);
            double rawRewriteRate = perSecond(url, "raw_rewrite");

            String line =
                    String.format(
                            "BENCH name=landing-pg rows=%d rows_per_s=%.0f over_jdbcsink=%.2f over_raw=%.2f over_raw_rewrite=%.2f"
                                    + " landing_from_memory_rows_per_s=%.0f landing_over_jdbcsink=%.2f landing_over_raw=%.2f"
                                    + " jdbcsink_rows_per_s=%.0f raw_rows_per_s=%.0f raw_rewrite_rows_per_s=%.0f"
                                    + " job_whole_run_rows_per_s=%.0f source_discard_whole_run_rows_per_s=%.0f",
                            rows,
                            jobRate,
                            jobRate / jdbcSinkRate,
                            jobRate / rawRate,
                            jobRate / rawRewriteRate,
                            landingRate,
                            landingRate / jdbcSinkRate,
                            landingRate / rawRate,
                            jdbcSinkRate,
                            rawRate,
                            rawRewriteRate,
                            rows * 1000.0 / jobMillis,
                            rows * 1000.0 / readingMillis);
            out.println(line);
            lines.add(line);
        } finally {
            FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
        }
        return lines;
    }

    /**
     * The bench's source: many narrow windows, many in flight, no limit that matters, so that
     * paging limits the landing measured here as little as possible.
     */
    private static HttpSyncSource<RawRecord> source(Simulator sim, List<Tenant> tenants, long now) {
        return HttpSyncSource.<RawRecord>builder()
                .setEndpoint(
                        EndpointSpec.fromOptions(
                                Demo.kuaishouSimulatorOptions(sim.baseUrl("kuaishou"))))
                .setTenants(tenants)
                .setBounded(
                        Instant.ofEpochMilli(now - 3 * DAY - 60_000),
                        Instant.ofEpochMilli(now),
                        Duration.ZERO) // the simulator lists a change at once
                .setRateLimit(100_000, 1_000)
                // many narrow windows, many in flight: paging must not be what limits
                // the landing measured here
                .setWindowStep(Duration.ofHours(1))
                .setSplitsInFlightPerReader(16)
                .setDeserializer(RecordDeserializer.raw())
                .build();
    }

    /**
     * A local Flink as a sync job gets it: checkpoints (every 30 s, SyncPipeline's default) in
     * files.
     */
    static StreamExecutionEnvironment environment(int parallelism, Path checkpoints) {
        return environment(parallelism, checkpoints, 30_000);
    }

    /** The same with checkpoints every {@code intervalMillis}. */
    static StreamExecutionEnvironment environment(
            int parallelism, Path checkpoints, long intervalMillis) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        env.enableCheckpointing(intervalMillis);
        return env;
    }

    private static void rawUpserts(
            String url, String table, List<RawRecord> records, int connections) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < connections; t++) {
                int part = t;
                done.add(
                        threads.submit(
                                () -> {
                                    try (Connection c = DriverManager.getConnection(url);
                                            PreparedStatement ps =
                                                    c.prepareStatement(
                                                            SqlDialect.POSTGRES.upsertRecord(
                                                                    table))) {
                                        int inBatch = 0;
                                        for (int i = part; i < records.size(); i += connections) {
                                            JdbcRecordSink.binder(null).accept(ps, records.get(i));
                                            ps.addBatch();
                                            if (++inBatch == BATCH) {
                                                ps.executeBatch();
                                                inBatch = 0;
                                            }
                                        }
                                        if (inBatch > 0) ps.executeBatch();
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            threads.shutdownNow();
        }
    }

    /** The rows of {@code table} as records, with the content hash the table holds. */
    private static List<RawRecord> readBack(String url, String table) throws SQLException {
        List<RawRecord> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT tenant, id, update_time, window_start, payload::text, content_hash FROM "
                                        + table)) {
            while (rs.next()) {
                RawRecord r = new RawRecord();
                r.tenant = rs.getString(1);
                r.id = rs.getString(2);
                r.updateTime = rs.getLong(3);
                r.windowStart = rs.getLong(4);
                r.json = rs.getString(5);
                r.contentHash = rs.getLong(6);
                out.add(r);
            }
        }
        return out;
    }

    /** Rows of {@code table} per second of its landing span (first to last {@code synced_at}). */
    private static double perSecond(String url, String table) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT count(*), EXTRACT(EPOCH FROM max(synced_at) - min(synced_at)) FROM "
                                        + table)) {
            rs.next();
            return rs.getLong(1) / Math.max(rs.getDouble(2), 0.001);
        }
    }

    private static long single(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
