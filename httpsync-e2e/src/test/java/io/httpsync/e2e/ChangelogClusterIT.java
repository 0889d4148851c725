package io.httpsync.e2e;

import io.httpsync.connector.testutil.KafkaExtension;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Flink's JDBC and Kafka connectors and the PostgreSQL driver in the lib/ of {@code
 * deploy/local/flink-local.sh}'s cluster (a JobManager and two TaskManagers, each its own JVM;
 * {@link SharedSqlCluster}), an {@code httpsync} table with {@code 'changelog.mode' = 'delete'} and
 * a PRIMARY KEY inserted into a JDBC table of an embedded PostgreSQL (and an upsert-kafka topic of
 * an in-process Kafka), while the simulated Kuaishou shop hard-deletes, inserts and updates orders.
 * The delete-ratio decision of each pass is taken by the changelog operator's coordinator in the
 * JobManager from the counts of both parallel instances in the TaskManagers, so every deletion that
 * reaches the table has crossed process boundaries twice. Each test runs its own job against a shop
 * of its own.
 */
class ChangelogClusterIT {
    private static final Duration AWAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = SharedSqlCluster.HOME.resolve("changelog");

    @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
    @RegisterExtension static final SharedSqlCluster CLUSTER = new SharedSqlCluster();

    private static EmbeddedPostgres postgres;
    private static String jdbcUrl;
    private static LocalFlinkCluster cluster;

    private KuaishouSimulatorFixture fixture;
    private String job;
    private long start;

    @BeforeAll
    static void startTheDatabase() throws Exception {
        Files.createDirectories(HOME);
        cluster = CLUSTER.cluster();
        postgres = EmbeddedPostgres.builder().start();
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
    }

    @AfterAll
    static void stopTheDatabase() throws IOException {
        if (postgres != null) postgres.close();
    }

    @BeforeEach
    void startTheShop() throws Exception {
        fixture = new KuaishouSimulatorFixture(150);
        start = fixture.sim.clock().now() - 7 * DAY;
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS ks_orders");
            s.execute(
                    "CREATE TABLE ks_orders (oid bigint PRIMARY KEY, status int, update_time bigint,"
                            + " total_fee bigint, buyer text, tenant text)");
        }
    }

    @AfterEach
    void stopTheJobAndTheShop() throws IOException {
        try {
            // the cluster is shared: a job left running would hold its slots
            if (job != null
                    && !List.of("FINISHED", "FAILED", "CANCELED").contains(cluster.state(job)))
                cluster.cancel(job);
        } finally {
            fixture.close();
        }
    }

    @Test
    void
            afterACompletedPassTheJdbcTableAndTheUpsertKafkaTopicEqualGroundTruthAndAPassOverTheRatioDeletesNothing()
                    throws Exception {
        List<String> statements = new ArrayList<>(statements(0.2, "1 d", false));
        String insert = statements.remove(statements.size() - 1);
        statements.add(
                "CREATE TABLE kafka_orders (oid BIGINT, status INT, update_time BIGINT, total_fee"
                        + " BIGINT, buyer STRING, tenant STRING, PRIMARY KEY (oid) NOT ENFORCED) "
                        + ClusterEndToEndIT.with(
                                Map.of(
                                        "connector", "upsert-kafka",
                                        "topic", "changelog_orders",
                                        "properties.bootstrap.servers", KAFKA.bootstrapServers(),
                                        "key.format", "json",
                                        "value.format", "json"))
                        + ";");
        statements.add("BEGIN STATEMENT SET;");
        statements.add(insert);
        statements.add(
                "INSERT INTO kafka_orders SELECT oid, status, updateTime, totalFee, buyerNick,"
                        + " tenant FROM orders;");
        statements.add("END;");
        job = submit("changelog-kafka", 2, statements, Optional.empty());

        Map<Long, String> synced = awaitGroundTruth();

        // hard deletes, inserts and updates while passes run
        fixture.kuaishou.mutateContinuously(SHOP, new MutationRates(3, 2, 2));
        Thread.sleep(4_000);
        fixture.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);
        assertThat(fixture.kuaishou.groundTruth(SHOP).deletedIds())
                .as("the shop deleted orders the table held")
                .map(Long::parseLong)
                .containsAnyElementsOf(synced.keySet());
        Map<Long, String> before = awaitGroundTruth();
        awaitEqualToGroundTruth("the upsert-kafka topic", ChangelogClusterIT::kafkaRows);

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
        awaitLogLines("refused, nothing deleted", 4); // every later pass is refused too
        assertThat(postgresRows()).isEqualTo(before);
        assertThat(cluster.state(job)).isEqualTo("RUNNING");
    }

    @Test
    void aCheckedPassCutByAnOutageDeletesNothingAndARestoreAtParallelismOneEndsEqualToGroundTruth()
            throws Exception {
        // four-hour windows: a pass lists many, so that the outage begins while it lists; every
        // unseen order is asked about at the detail API before it is deleted
        List<String> statements = statements(0.9, "4 h", true);
        job = submit("changelog-outage-restore", 2, statements, Optional.empty());
        Map<Long, String> before = awaitGroundTruth();
        long started = logLines("started: lists").size();
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (logLines("started: lists").size() == started && System.nanoTime() < deadline)
            Thread.sleep(20);
        // deleted while that pass lists, not before: a pass that completed earlier would rightly
        // delete them, and only the pass cut by the outage is the one that must delete nothing
        fixture.change(0, 0, 10);
        fixture.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0);
        try {
            awaitLogLines("was abandoned: it deletes nothing", 1);
            assertThat(postgresRows()).as("the table after the cut pass").isEqualTo(before);
        } finally {
            fixture.kuaishou.faults().clear();
        }
        awaitGroundTruth();

        // passes run while the shop changes, and the job stops in the middle of them
        fixture.kuaishou.mutateContinuously(SHOP, new MutationRates(3, 2, 2));
        Thread.sleep(2_000);
        String savepoint = cluster.stopWithSavepoint(job);
        job = null;
        Thread.sleep(1_000); // the shop changes while no job runs
        fixture.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);
        job = submit("changelog-outage-restore", 1, statements, Optional.of(savepoint));
        Map<Long, String> restored = awaitGroundTruth();
        assertThat(fixture.kuaishou.groundTruth(SHOP).deletedIds())
                .as("the shop's deleted orders")
                .hasSizeGreaterThan(10)
                .map(Long::parseLong)
                .doesNotContainAnyElementsOf(restored.keySet());
        assertThat(cluster.runningSourceSubtasks(job)).as("the restored job's readers").hasSize(1);
        assertThat(logLines("the detail API answered"))
                .as("deletions confirmed by the detail API")
                .anyMatch(l -> !l.contains(": 0 gone (deleted)"));
    }

    private String submit(
            String name, int parallelism, List<String> statements, Optional<String> savepoint)
            throws IOException {
        return cluster.submit(
                savepoint, SqlJobs.runnerArgs(SqlJobs.script(HOME, name, parallelism, statements)));
    }

    /**
     * The orders table (full passes every second, deletions as a changelog, with {@code checked}
     * confirmed by the detail API), the sink, the insert.
     */
    private List<String> statements(double maxDeleteRatio, String step, boolean checked) {
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
        o.put("scan.window.step", step);
        o.put("scan.discovery-interval", "200 ms");
        o.put("scan.failed-window.retry-delay", "200 ms");
        o.put("changelog.mode", "delete");
        o.put("pass.interval", "1 s");
        o.put("pass.max-delete-ratio", Double.toString(maxDeleteRatio));
        o.put("pass.state-ttl", "5 min");
        if (checked) {
            fixture.detailOptions().forEach((k, v) -> o.put("pass.check.endpoint." + k, v));
            o.put("pass.check.not-found-codes", "2001");
            o.put("pass.check.not-found-message", "订单不存在");
        }
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
    private Map<Long, String> awaitGroundTruth() throws Exception {
        awaitEqualToGroundTruth("the JDBC table", ChangelogClusterIT::postgresRows);
        return postgresRows();
    }

    /** What a test reads back from a sink. */
    private interface Rows {
        Map<Long, String> read() throws Exception;
    }

    /** Waits until {@code rows} equals the shop's live orders, the job running all along. */
    private void awaitEqualToGroundTruth(String what, Rows rows) throws Exception {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        Map<Long, String> read = rows.read();
        while (!read.equals(truth()) && System.nanoTime() < deadline) {
            assertThat(cluster.state(job)).as("the job").isEqualTo("RUNNING");
            Thread.sleep(500);
            read = rows.read();
        }
        assertThat(read)
                .as(
                        () ->
                                what
                                        + "; passes in the cluster's logs:\n"
                                        + String.join("\n", logLines("full pass"))
                                        + "\njob exceptions: "
                                        + cluster.exceptions(job))
                .isEqualTo(truth());
    }

    private Map<Long, String> truth() {
        return fixture.truthOrderRows(start, Long.MAX_VALUE);
    }

    private static Map<Long, String> postgresRows() throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
            return KuaishouSimulatorFixture.orderRows(c, "ks_orders");
        }
    }

    /**
     * The upsert-kafka topic read back: every record from the beginning, each key's last value (a
     * tombstone deletes the key), as {@link KuaishouSimulatorFixture#orderRow}.
     */
    private static Map<Long, String> kafkaRows() throws IOException {
        Map<Long, String> rows = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.readAll("changelog_orders")) {
            long oid = JSON.readTree(r.key()).path("oid").asLong();
            if (r.value() == null) {
                rows.remove(oid);
                continue;
            }
            JsonNode v = JSON.readTree(r.value());
            rows.put(
                    oid,
                    KuaishouSimulatorFixture.orderRow(
                            v.path("status").asInt(),
                            v.path("update_time").asLong(),
                            v.path("total_fee").asLong(),
                            v.path("buyer").asText(),
                            v.path("tenant").asText()));
        }
        return rows;
    }

    /** Waits until the cluster's logs hold {@code count} lines more with {@code text}. */
    private void awaitLogLines(String text, int count) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        int target = logLines(text).size() + count;
        while (logLines(text).size() < target && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(logLines(text))
                .as(() -> "passes: " + String.join("\n", logLines("full pass")))
                .hasSizeGreaterThanOrEqualTo(target);
    }

    /**
     * The lines of the cluster's logs that contain {@code text}: the TaskManager's (the changelog
     * operator) and the JobManager's (the enumerator's passes, the ratio coordinator).
     */
    private List<String> logLines(String text) {
        try (Stream<Path> files = Files.list(cluster.logDir())) {
            return files.filter(f -> f.getFileName().toString().matches("(tm-.*|jobmanager)\\.log"))
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
