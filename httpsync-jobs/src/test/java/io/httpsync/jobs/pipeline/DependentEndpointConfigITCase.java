package io.httpsync.jobs.pipeline;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Order list → order detail from a config file ({@code child.details.*}): a continuous job lands
 * the Kuaishou orders and, for each, its detail from {@code open.order.detail} in its own table.
 * Both tables equal ground truth; after some orders change, their details are fetched again and the
 * others are not: one detail request per order version, none refused.
 */
class DependentEndpointConfigITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @Test
    void detailsAreFetchedOncePerChangedOrder(@TempDir Path checkpoints) throws Exception {
        try (Simulator sim = new Simulator(11);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.addTenant(
                    "shop-1",
                    KuaishouSim.credentials("key-1", "secret-1", "sign-1"),
                    DataSpec.of(60, DAY).timeResolutionMillis(1));
            sim.start(0);
            String base = sim.baseUrl("kuaishou");
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");

            Map<String, String> c = new HashMap<>();
            Demo.kuaishouSimulatorOptions(base).forEach((k, v) -> c.put("httpsync." + k, v));
            c.put("source.name", "orders");
            c.put("httpsync.tenants", "shop-1");
            c.put("httpsync.tenant.shop-1.app-key", "key-1");
            c.put("httpsync.tenant.shop-1.app-secret", "secret-1");
            c.put("httpsync.tenant.shop-1.sign-secret", "sign-1");
            c.put("httpsync.scan.mode", "continuous");
            c.put(
                    "httpsync.scan.start",
                    Instant.ofEpochMilli(sim.clock().now() - 2 * DAY).toString());
            c.put("httpsync.scan.lag", "1 ms");
            c.put("httpsync.scan.discovery-interval", "300 ms");
            c.put("httpsync.scan.window.step", "12 h");
            c.put("job.parallelism", "2");
            c.put("job.checkpoint-interval", "500 ms");
            c.put("job.checkpoint-dir", checkpoints.toUri().toString());
            c.put("jdbc.url", jdbcUrl);
            c.put("jdbc.username", "postgres");
            c.put("jdbc.table", "orders");
            c.put("jdbc.events-table", "sync_events");
            c.put("jdbc.create-tables", "true");
            Map<String, String> detail = new HashMap<>(EndpointPresets.kuaishouOrderDetail(base));
            detail.putAll(EndpointPresets.kuaishouCodeGrantTokens(base, "${tenant.id}"));
            detail.put("response.record.id-path", "/orderBaseInfo/oid");
            detail.put("response.record.time-path", "/orderBaseInfo/updateTime");
            detail.put("dependent.kind", "detail");
            detail.put("dependent.ids-path", "/orderBaseInfo/oid");
            detail.forEach((k, v) -> c.put("child.details." + k, v));
            c.put("child.details.table", "order_details");

            SyncPipeline pipeline = new SyncPipeline(c);
            pipeline.createTables();
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(
                            SyncPipeline.flinkConfiguration());
            pipeline.addTo(env);
            JobClient job = env.executeAsync(pipeline.jobName());
            try {
                Supplier<Map<String, String>> truth =
                        () ->
                                kuaishou.groundTruth("shop-1").live().stream()
                                        .collect(
                                                Collectors.toMap(
                                                        GroundTruth.TruthRecord::id,
                                                        r -> Long.toString(r.updateTime())));
                Map<String, String> first = truth.get();
                assertThat(first).hasSizeGreaterThan(40);
                awaitRows(jdbcUrl, "order_details", first);
                assertThat(rows(jdbcUrl, "orders")).isEqualTo(first);
                assertThat(detailRequests(sim)).isEqualTo(first.size());

                // a second pass over changed data: 5 orders change, the rest stay as they were
                List<String> changed =
                        java.util.stream.IntStream.range(0, 5)
                                .mapToObj(i -> kuaishou.tenant("shop-1").updateRandom())
                                .map(r -> Long.toString(r.id()))
                                .distinct()
                                .toList();
                Map<String, String> second = truth.get();
                awaitRows(jdbcUrl, "order_details", second);
                assertThat(rows(jdbcUrl, "orders")).isEqualTo(second);
                Map<String, Long> perOrder = detailRequestsPerOrder(sim);
                for (String id : second.keySet())
                    assertThat(perOrder.get(id))
                            .as("detail requests for order %s", id)
                            .isEqualTo(changed.contains(id) ? 2L : 1L);
                Accounting.Stats stats = detailStats(sim);
                assertThat(stats.refused()).isZero();
                assertThat(rows(jdbcUrl, "sync_events")).isEmpty();
            } finally {
                job.cancel().get();
            }
        }
    }

    private static Accounting.Stats detailStats(Simulator sim) {
        return sim.accounting().endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL);
    }

    private static long detailRequests(Simulator sim) {
        return detailStats(sim).served();
    }

    /** The detail requests the simulator served, per order id (from its request log). */
    private static Map<String, Long> detailRequestsPerOrder(Simulator sim) {
        return sim.accounting().requests().stream()
                .filter(e -> e.endpoint().equals(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL))
                .collect(
                        Collectors.groupingBy(
                                e -> e.position().replaceAll("\\D", ""), Collectors.counting()));
    }

    private static void awaitRows(String jdbcUrl, String table, Map<String, String> expected)
            throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Map<String, String> actual = Map.of();
        while (System.nanoTime() < deadline) {
            actual = rows(jdbcUrl, table);
            if (actual.equals(expected)) return;
            Thread.sleep(200);
        }
        assertThat(actual).as(table).isEqualTo(expected);
    }

    private static Map<String, String> rows(String jdbcUrl, String table) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", null);
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                table.equals("sync_events")
                                        ? "SELECT tenant, message FROM sync_events"
                                        : "SELECT id, update_time FROM " + table)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }

    @Test
    void aChildSpendingARotatingRefreshTokenWithoutATokenStoreIsRefusedBeforeTheJobStarts() {
        String base = "http://127.0.0.1:9/kuaishou";
        Map<String, String> c = new HashMap<>();
        Demo.kuaishouSimulatorOptions(base).forEach((k, v) -> c.put("httpsync." + k, v));
        c.put("source.name", "orders");
        c.put("httpsync.tenants", "shop-1");
        c.put("httpsync.tenant.shop-1.refresh-token", "r-1");
        c.put("httpsync.scan.mode", "continuous");
        c.put("httpsync.scan.start", "2024-01-01T00:00:00Z");
        c.put("jdbc.url", "jdbc:postgresql://127.0.0.1:9/app");
        c.put("jdbc.table", "orders");
        Map<String, String> detail = new HashMap<>(EndpointPresets.kuaishouOrderDetail(base));
        detail.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        detail.put("dependent.ids-path", "/orderBaseInfo/oid");
        detail.forEach((k, v) -> c.put("child.details." + k, v));
        c.put("child.details.table", "order_details");

        SyncPipeline pipeline = new SyncPipeline(c);
        assertThatThrownBy(
                        () -> pipeline.addTo(StreamExecutionEnvironment.getExecutionEnvironment()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sync job setting child.details.*: dependent endpoint")
                .hasMessageContaining("'auth.token.refresh-token-path' is set")
                .hasMessageContaining("'tenants.registry.url'");
    }
}
