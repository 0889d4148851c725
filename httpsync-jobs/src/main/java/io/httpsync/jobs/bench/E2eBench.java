package io.httpsync.jobs.bench;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.dedupe.Dedupe;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench e2e}: a sync at the rate limit end to end, the demo's pipeline shape: the Kuaishou
 * simulator with an app limit of {@code q} requests per second (set in the simulator and as the
 * connector's {@code app} bucket) and {@code latency-ms} on every answer, {@code shops} shops of
 * {@code orders} orders over {@code days} days, a local Flink at parallelism 2, source → dedupe →
 * PostgreSQL (embedded), with the connector's defaults otherwise. In the same run, the same sync
 * with one request at a time (one window in flight, parallelism 1: the seed's first version) gives
 * the speed-up.
 *
 * <p>Measured from the simulator's own log of the list requests it accepted:
 *
 * <ul>
 *   <li>{@code wall_over_floor}: the job's time from its first list request to its end (the last
 *       row landed, the job finished) over the floor, records ÷ page size ÷ q: the least time the
 *       limit allows;
 *   <li>{@code active_rate_over_q}: accepted list requests per second over q in the active phase,
 *       the middle 90 % of the requests (from the 5th to the 95th percentile of their times), which
 *       leaves out the ramp-up and the last windows' tail;
 *   <li>{@code refused}: requests any limit of the simulator refused;
 *   <li>{@code startup_s}: from submitting the job (the local Flink's start included) to the first
 *       list request, not part of the wall time.
 * </ul>
 *
 * Each run's table is compared with the simulator's ground truth ({@code sink_equals_truth}).
 * Prints {@code BENCH name=e2e-q<q>-l<latency> ...} and {@code BENCH
 * name=e2e-serial-q<q>-l<latency> ... speedup=...}. Not a test: it measures, it asserts nothing.
 */
public final class E2eBench {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "bench-key";
    private static final String LIST = "kuaishou/" + KuaishouSim.ORDER_LIST;

    private E2eBench() {}

    /** What one run measured. */
    private record Result(
            long records,
            long pages,
            double wallSeconds,
            double floorSeconds,
            double activeRatePerSecond,
            long refused,
            double startupSeconds,
            boolean equalsTruth) {}

    /** Runs the benchmark; returns the BENCH lines it printed. */
    public static List<String> run(Map<String, String> options, PrintStream out) throws Exception {
        int q = Integer.parseInt(options.getOrDefault("q", "100"));
        long latency = Long.parseLong(options.getOrDefault("latency-ms", "50"));
        int shops = Integer.parseInt(options.getOrDefault("shops", "3"));
        int orders = Integer.parseInt(options.getOrDefault("orders", "20000"));
        int days = Integer.parseInt(options.getOrDefault("days", "3"));
        boolean serial = !"false".equals(options.getOrDefault("serial", "true"));
        String name = "e2e-q" + q + "-l" + latency;
        List<String> lines = new ArrayList<>();
        Path checkpoints = Files.createTempDirectory("httpsync-bench-checkpoints");
        try (Simulator sim = new Simulator(7);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.limits().clear();
            kuaishou.limits().set(LimitRule.perSecond("app-api-qps", LimitScope.APP_API, q));
            kuaishou.latency(latency, 0);
            List<Tenant> tenants = new ArrayList<>();
            for (int i = 1; i <= shops; i++) {
                String shop = "shop-" + i;
                kuaishou.addTenant(
                        shop,
                        KuaishouSim.credentials(APP_KEY, "bench-secret", "bench-sign"),
                        DataSpec.of(orders, days * DAY).seed(i).timeResolutionMillis(1));
                tenants.add(
                        Tenant.of(
                                shop,
                                Map.of(
                                        "app-key", APP_KEY,
                                        "app-secret", "bench-secret",
                                        "sign-secret", "bench-sign")));
            }
            sim.start(0);
            String url = postgres.getJdbcUrl("postgres", "postgres");
            long end = System.currentTimeMillis();
            long start = end - days * DAY - 60_000;

            Result e2e =
                    runJob(sim, kuaishou, url, checkpoints, tenants, q, start, end, "e2e", 2, null);
            String line =
                    String.format(
                            "BENCH name=%s wall_over_floor=%.2f active_rate_over_q=%.2f refused=%d startup_s=%.1f records=%d pages=%d wall_s=%.1f floor_s=%.1f sink_equals_truth=%s",
                            name,
                            e2e.wallSeconds / e2e.floorSeconds,
                            e2e.activeRatePerSecond / q,
                            e2e.refused,
                            e2e.startupSeconds,
                            e2e.records,
                            e2e.pages,
                            e2e.wallSeconds,
                            e2e.floorSeconds,
                            e2e.equalsTruth);
            out.println(line);
            lines.add(line);
            if (serial) {
                Result one =
                        runJob(
                                sim,
                                kuaishou,
                                url,
                                checkpoints,
                                tenants,
                                q,
                                start,
                                end,
                                "serial",
                                1,
                                1);
                String serialLine =
                        String.format(
                                "BENCH name=e2e-serial-q%d-l%d wall_over_floor=%.2f active_rate_over_q=%.2f refused=%d speedup=%.2f wall_s=%.1f sink_equals_truth=%s",
                                q,
                                latency,
                                one.wallSeconds / one.floorSeconds,
                                one.activeRatePerSecond / q,
                                one.refused,
                                one.wallSeconds / e2e.wallSeconds,
                                one.wallSeconds,
                                one.equalsTruth);
                out.println(serialLine);
                lines.add(serialLine);
            }
        } finally {
            FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
        }
        return lines;
    }

    /**
     * One bounded sync of {@code [start, end)} into a table of its own.
     *
     * @param splitsInFlight null: the connector's default (sized); else fixed
     */
    private static Result runJob(
            Simulator sim,
            KuaishouSim kuaishou,
            String url,
            Path checkpoints,
            List<Tenant> tenants,
            int q,
            long start,
            long end,
            String table,
            int parallelism,
            Integer splitsInFlight)
            throws Exception {
        LandingBench.execute(url, SqlDialect.POSTGRES.createRecordTable(table));
        sim.accounting().reset();
        Map<String, String> options =
                new HashMap<>(Demo.kuaishouSimulatorOptions(sim.baseUrl("kuaishou")));
        options.remove("rate-limit.permits-per-second");
        options.remove("rate-limit.burst");
        options.put("rate-limit.namespace", "bench-" + table);
        options.put("rate-limit.bucket.app.scope", "app");
        options.put("rate-limit.bucket.app.permits", String.valueOf(q));
        EndpointSpec endpoint = EndpointSpec.fromOptions(options);
        StreamExecutionEnvironment env = LandingBench.environment(parallelism, checkpoints);
        HttpSyncSourceBuilder<RawRecord> builder =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(endpoint)
                        .setTenants(tenants)
                        .setBounded(
                                Instant.ofEpochMilli(start),
                                Instant.ofEpochMilli(end),
                                Duration.ZERO) // the simulator lists a change at once
                        .setDeserializer(RecordDeserializer.raw());
        if (splitsInFlight != null) builder.setSplitsInFlightPerReader(splitsInFlight);
        HttpSyncSource<RawRecord> source = builder.build();
        Dedupe.records(
                        HttpSyncStreams.records(
                                env.fromSource(source, source.watermarkStrategy(), "bench source")
                                        .uid("bench-source"),
                                Types.POJO(RawRecord.class),
                                "bench"),
                        null,
                        "bench")
                .sinkTo(
                        JdbcRecordSink.builder(SqlDialect.POSTGRES, table)
                                .build(
                                        new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                                                .withUrl(url)
                                                .withDriverName("org.postgresql.Driver")
                                                .withUsername("postgres")
                                                .build()))
                .uid("bench-postgres");
        long submitted = System.currentTimeMillis();
        env.execute("bench e2e: " + table);
        long finished = System.currentTimeMillis();

        List<Long> accepted = new ArrayList<>();
        for (Accounting.RequestLogEntry r : sim.accounting().requests()) {
            if (r.endpoint().equals(LIST) && r.outcome().equals("ok")) accepted.add(r.time());
        }
        accepted.sort(Long::compare);
        long refused = sim.accounting().totalRefused();
        long records = 0;
        boolean equals = true;
        Map<String, Map<String, Long>> landed = landed(url, table);
        for (Tenant t : tenants) {
            GroundTruth truth = kuaishou.groundTruth(t.id());
            Map<String, Long> rows = landed.getOrDefault(t.id(), Map.of());
            long expected = 0;
            for (GroundTruth.TruthRecord r : truth.live()) {
                if (r.updateTime() < start || r.updateTime() >= end) continue;
                expected++;
                if (!Long.valueOf(r.updateTime()).equals(rows.get(r.id()))) equals = false;
            }
            if (rows.size() != expected) equals = false;
            records += expected;
        }
        int pageSize = Integer.parseInt(options.get("pagination.page-size"));
        double floor = (double) records / pageSize / q;
        return new Result(
                records,
                accepted.size(),
                accepted.isEmpty() ? Double.NaN : (finished - accepted.get(0)) / 1000.0,
                floor,
                activeRate(accepted),
                refused,
                accepted.isEmpty() ? Double.NaN : (accepted.get(0) - submitted) / 1000.0,
                equals);
    }

    /**
     * Requests per second in the middle 90 % of the requests: from the 5th to the 95th percentile
     * of their times (all of them when there are few).
     */
    static double activeRate(List<Long> times) {
        if (times.size() < 2) return Double.NaN;
        boolean few = times.size() < 20;
        int from = few ? 0 : (int) (times.size() * 0.05);
        int to = few ? times.size() - 1 : (int) (times.size() * 0.95);
        double seconds = (times.get(to) - times.get(from)) / 1000.0;
        return (to - from) / Math.max(seconds, 0.001);
    }

    /** Per tenant: id → update time of the rows of {@code table}. */
    private static Map<String, Map<String, Long>> landed(String url, String table)
            throws SQLException {
        Map<String, Map<String, Long>> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT tenant, id, update_time FROM " + table)) {
            while (rs.next())
                out.computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                        .put(rs.getString(2), rs.getLong(3));
        }
        return out;
    }
}
