package io.httpsync.e2e;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.platform.MutationRates;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletions as a changelog on a real cluster, in SQL alone: the {@code -sql} connector jar with
 * Flink's JDBC connector and the PostgreSQL driver in the lib/ of {@code
 * deploy/local/flink-local.sh}'s cluster (a JobManager and a TaskManager, each its own JVM), an
 * {@code httpsync} table with {@code 'changelog.mode' = 'delete'} and a PRIMARY KEY inserted into a
 * JDBC table of an embedded PostgreSQL, while the simulated Kuaishou shop hard-deletes, inserts and
 * updates orders. The delete-ratio decision of each pass is taken by the changelog operator's
 * coordinator in the JobManager from the counts of both parallel instances in the TaskManager, so
 * every deletion that reaches the table has crossed that process boundary twice.
 */
class ChangelogClusterIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final Path HOME =
            Path.of(System.getProperty("httpsync.e2e.home", "target/e2e"))
                    .toAbsolutePath()
                    .resolve("changelog");

    private KuaishouSimulatorFixture fixture;
    private EmbeddedPostgres postgres;
    private LocalFlinkCluster cluster;
    private Thread stopOnExit;
    private String jdbcUrl;
    private long start;

    @AfterEach
    void stopEverything() throws IOException {
        if (cluster != null) {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
        if (postgres != null) postgres.close();
        if (fixture != null) fixture.close();
    }

    @Test
    void afterACompletedPassTheJdbcTableEqualsGroundTruthAndAPassOverTheRatioDeletesNothing()
            throws Exception {
        Files.createDirectories(HOME);
        fixture = new KuaishouSimulatorFixture(150);
        start = fixture.sim.clock().now() - 7 * DAY;
        postgres = EmbeddedPostgres.builder().start();
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TABLE ks_orders (oid bigint PRIMARY KEY, status int, update_time bigint,"
                            + " total_fee bigint, buyer text, tenant text)");
        }
        cluster =
                new LocalFlinkCluster(
                        ClusterEndToEndIT.artifact("httpsync.flink-local.script"),
                        HOME.resolve("cluster"));
        stopOnExit = new Thread(cluster::close); // a build killed meanwhile leaves no Flink JVMs
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        cluster.start(1, 2, SqlJobs.libs());
        String job =
                cluster.submit(
                        Optional.empty(),
                        SqlJobs.runnerArgs(SqlJobs.script(HOME, "changelog", 2, statements(0.2))));

        Map<Long, String> synced = awaitGroundTruth(job);

        // hard deletes, inserts and updates while passes run
        fixture.kuaishou.mutateContinuously(SHOP, new MutationRates(3, 2, 2));
        Thread.sleep(4_000);
        fixture.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);
        assertThat(fixture.kuaishou.groundTruth(SHOP).deletedIds())
                .as("the shop deleted orders the table held")
                .map(Long::parseLong)
                .containsAnyElementsOf(synced.keySet());
        Map<Long, String> before = awaitGroundTruth(job);

        // 30% of the shop's orders deleted right after a pass completed, so that the next pass
        // sees all of it missing: over the ratio of 20%, it deletes nothing
        long completed = logLines(" completed: ").size();
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (logLines(" completed: ").size() == completed && System.nanoTime() < deadline)
            Thread.sleep(20);
        List<String> live = fixture.truthIds(start, Long.MAX_VALUE);
        var shop = fixture.kuaishou.tenant(SHOP);
        for (String id : live.subList(0, live.size() * 30 / 100))
            assertThat(shop.delete(Long.parseLong(id))).isTrue();
        awaitLogLines("refused, nothing deleted", 2); // every later pass is refused too
        assertThat(postgresRows()).isEqualTo(before);
        assertThat(cluster.state(job)).isEqualTo("RUNNING");
    }

    /**
     * The orders table (full passes every second, deletions as a changelog), the sink, the insert.
     */
    private List<String> statements(double maxDeleteRatio) {
        Map<String, String> o = new HashMap<>(fixture.options());
        o.put("connector", "httpsync");
        o.put("tenants", SHOP);
        o.put("tenant." + SHOP + ".app-key", KuaishouSimulatorFixture.APP_KEY);
        o.put("tenant." + SHOP + ".app-secret", KuaishouSimulatorFixture.APP_SECRET);
        o.put("tenant." + SHOP + ".sign-secret", KuaishouSimulatorFixture.SIGN_SECRET);
        o.put("format", "json");
        o.put("record.pointer", "/orderBaseInfo");
        o.put("scan.mode", "continuous");
        o.put("scan.start", Instant.ofEpochMilli(start).toString());
        o.put("scan.lag", "500 ms");
        o.put("scan.window.step", "1 d");
        o.put("scan.discovery-interval", "200 ms");
        o.put("scan.failed-window.retry-delay", "200 ms");
        o.put("changelog.mode", "delete");
        o.put("pass.interval", "1 s");
        o.put("pass.max-delete-ratio", Double.toString(maxDeleteRatio));
        o.put("pass.state-ttl", "5 min");
        return List.of(
                // a pass completes with the sync position, which moves with checkpoints
                "SET 'execution.checkpointing.interval' = '1 s';",
                "CREATE TABLE orders (oid BIGINT, status INT, updateTime BIGINT, totalFee BIGINT,"
                        + " buyerNick STRING, tenant STRING METADATA VIRTUAL,"
                        + " PRIMARY KEY (oid) NOT ENFORCED) "
                        + ClusterEndToEndIT.with(o)
                        + ";",
                "CREATE TABLE pg_orders (oid BIGINT, status INT, update_time BIGINT, total_fee"
                        + " BIGINT, buyer STRING, tenant STRING, PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlJobs.jdbcSink(jdbcUrl, "ks_orders")
                        + ";",
                "INSERT INTO pg_orders SELECT oid, status, updateTime, totalFee, buyerNick, tenant"
                        + " FROM orders;");
    }

    /** Waits until the sink table equals the shop's live orders; returns them. */
    private Map<Long, String> awaitGroundTruth(String job) throws Exception {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        Map<Long, String> rows = postgresRows();
        while (!rows.equals(truth()) && System.nanoTime() < deadline) {
            assertThat(cluster.state(job)).as("the job").isEqualTo("RUNNING");
            Thread.sleep(500);
            rows = postgresRows();
        }
        assertThat(rows)
                .as(
                        () ->
                                "passes in the TaskManager's log:\n"
                                        + String.join("\n", logLines("full pass"))
                                        + "\njob exceptions: "
                                        + cluster.exceptions(job))
                .isEqualTo(truth());
        return rows;
    }

    private Map<Long, String> truth() {
        return fixture.truthOrderRows(start, Long.MAX_VALUE);
    }

    private Map<Long, String> postgresRows() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            return KuaishouSimulatorFixture.orderRows(c, "ks_orders");
        }
    }

    /** Waits until the TaskManagers' logs hold {@code count} lines more with {@code text}. */
    private void awaitLogLines(String text, int count) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        int target = logLines(text).size() + count;
        while (logLines(text).size() < target && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(logLines(text))
                .as(() -> "passes: " + String.join("\n", logLines("full pass")))
                .hasSizeGreaterThanOrEqualTo(target);
    }

    /** The lines of the TaskManagers' logs that contain {@code text}. */
    private List<String> logLines(String text) {
        try (Stream<Path> files = Files.list(cluster.logDir())) {
            return files.filter(f -> f.getFileName().toString().matches("tm-.*\\.log"))
                    .flatMap(ChangelogClusterIT::lines)
                    .filter(l -> l.contains(text))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
