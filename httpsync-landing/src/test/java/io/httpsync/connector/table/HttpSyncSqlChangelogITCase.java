package io.httpsync.connector.table;

import io.httpsync.connector.testutil.KafkaExtension;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.LogCapture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.Savepoints;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.MutationRates;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletions as a changelog, in SQL alone: an {@code httpsync} table with periodic full passes and
 * {@code 'changelog.mode' = 'delete'}, inserted into a JDBC table in PostgreSQL and an upsert-kafka
 * topic, while the simulated shop inserts, updates and hard-deletes orders. After a pass completed
 * on a shop that stopped changing, both equal the platform's ground truth exactly, with every
 * unseen order asked about in the detail API ({@code pass.check.*}) or without that check; a pass
 * cut by an outage, or one that would delete more than the ratio allows of the tenant's orders
 * (over both parallel instances), deletes nothing.
 */
class HttpSyncSqlChangelogITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();
    @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    final LogCapture log = new LogCapture("INFO", "io.httpsync.connector.source");

    private KuaishouSimulatorFixture fixture;
    private long start;
    private JobClient job;

    @BeforeEach
    void startSimulator() {
        fixture = new KuaishouSimulatorFixture(150);
        start = fixture.sim.clock().now() - 7 * DAY;
    }

    @AfterEach
    void stop() throws Exception {
        fixture.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);
        if (job != null) job.cancel().get(30, TimeUnit.SECONDS);
        fixture.close();
    }

    @Test
    void
            afterACheckedPassOnAShopThatStoppedChangingTheJdbcTableAndTheUpsertKafkaTopicEqualGroundTruth()
                    throws Exception {
        TableEnvironment tEnv = environment();
        createOrders(tEnv, 0.9, "1 d", true);
        createPostgresSink(tEnv);
        tEnv.executeSql(
                "CREATE TABLE kafka_orders (oid BIGINT, status INT, update_time BIGINT, total_fee"
                        + " BIGINT, buyer STRING, tenant STRING, PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlTables.with(kafka()));
        StatementSet statements = tEnv.createStatementSet();
        statements.addInsertSql(
                "INSERT INTO pg_orders SELECT oid, status, updateTime, totalFee, buyerNick, tenant"
                        + " FROM orders");
        statements.addInsertSql(
                "INSERT INTO kafka_orders SELECT oid, status, updateTime, totalFee, buyerNick,"
                        + " tenant FROM orders");
        job = statements.execute().getJobClient().orElseThrow();

        awaitEqual(POSTGRES_ROWS, 60);
        // hard deletes, inserts and updates while passes run
        fixture.kuaishou.mutateContinuously(SHOP, new MutationRates(3, 2, 2));
        Thread.sleep(6_000);
        fixture.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);
        assertThat(fixture.kuaishou.groundTruth(SHOP).deletedIds())
                .as("the shop deleted orders the table held")
                .isNotEmpty();

        awaitEqual(POSTGRES_ROWS, 60);
        assertThat(log.lines())
                .as("deletions confirmed by the detail API")
                .anyMatch(
                        l ->
                                l.contains("the detail API answered")
                                        && !l.contains(": 0 gone (deleted)"));
        awaitEqual(HttpSyncSqlChangelogITCase::kafkaRows, 30);
    }

    @Test
    void aPassCutByAnOutageDeletesNothing() throws Exception {
        TableEnvironment tEnv = environment();
        startJdbcJob(tEnv, 0.9, "2 h");
        Map<Long, String> before = postgresRows();
        // the next pass lists two-hour windows, many requests: the outage begins while it lists
        awaitTheNextPassStarts();
        // deleted while that pass lists, not before: a pass that completed earlier would rightly
        // delete them, and only the pass cut by the outage is the one that must delete nothing
        fixture.change(0, 0, 10);
        fixture.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0);
        awaitLog("was abandoned", 30);
        assertThat(postgresRows()).isEqualTo(before);
        fixture.kuaishou.faults().clear();
        awaitEqual(POSTGRES_ROWS, 60);
    }

    @Test
    void aPassRunningAtASavepointContinuesAfterTheRestoreAndTheTableEqualsGroundTruth(
            @TempDir Path savepoints) throws Exception {
        startJdbcJob(environment(), 0.9, "2 h");
        awaitTheNextPassStarts();
        // deleted while that pass lists: no earlier pass can delete them
        fixture.change(0, 0, 10);
        Thread.sleep(500); // some of its windows are read and reported
        String savepoint = Savepoints.stopWithSavepoint(job, savepoints);
        job = null;

        Configuration restore = new Configuration();
        restore.setString("execution.checkpointing.interval", "300 ms");
        restore.setString("execution.state-recovery.path", savepoint);
        TableEnvironment tEnv = streaming(2, restore);
        createOrders(tEnv, 0.9, "2 h", false);
        createPostgresSink(tEnv);
        job =
                tEnv.executeSql(
                                "INSERT INTO pg_orders SELECT oid, status, updateTime, totalFee,"
                                        + " buyerNick, tenant FROM orders")
                        .getJobClient()
                        .orElseThrow();

        awaitLog("continues after the restore", 30);
        String passStart = between(lastLine("continues after the restore"), "started at ", " ");
        awaitLog("started at " + passStart + " completed", 60);
        awaitEqual(POSTGRES_ROWS, 60);
    }

    /**
     * The ratio is the tenant's, over both parallel instances of the operator: deletions that are
     * over the ratio on one instance's share but under it for the tenant are deleted; deletions
     * that are under it on one instance's share but over it for the tenant delete nothing anywhere,
     * with one refusal per pass.
     */
    @Test
    void theDeleteRatioIsJudgedPerTenantNotPerParallelInstance() throws Exception {
        TableEnvironment tEnv = environment();
        startJdbcJob(tEnv, 0.2, "1 d");
        Map<Integer, List<Long>> bySubtask = liveOrdersBySubtask();
        int keys = bySubtask.get(0).size() + bySubtask.get(1).size();

        // 15% of the tenant's orders, all on instance 0: about 30% of its share
        int underForTheTenant = keys * 15 / 100;
        deleteAfterTheNextPass(bySubtask.get(0).subList(0, underForTheTenant));
        awaitEqual(POSTGRES_ROWS, 60);

        Map<Long, String> before = postgresRows();
        bySubtask = liveOrdersBySubtask();
        keys = bySubtask.get(0).size() + bySubtask.get(1).size();
        // 5% of instance 1's share; with 30% more of the tenant's orders from instance 0
        List<Long> overForTheTenant = new ArrayList<>(bySubtask.get(1).subList(0, keys / 40));
        overForTheTenant.addAll(bySubtask.get(0).subList(0, keys * 30 / 100));
        deleteAfterTheNextPass(overForTheTenant);
        awaitLog("refused, nothing deleted", 30);
        long refusals = refusals().size();
        long deadline = System.currentTimeMillis() + 30_000;
        while (refusals().size() < refusals + 2 && System.currentTimeMillis() < deadline)
            Thread.sleep(100); // every later pass is refused too
        assertThat(refusals()).hasSizeGreaterThanOrEqualTo((int) refusals + 2);
        assertThat(postgresRows()).isEqualTo(before);
        Map<String, Long> perPass =
                refusals().stream()
                        .collect(
                                Collectors.groupingBy(
                                        l -> between(l, "started at ", " "),
                                        Collectors.counting()));
        assertThat(perPass.values())
                .as("one refusal per pass, not one per instance")
                .containsOnly(1L);
    }

    /**
     * The shop's live orders by the parallel instance of the changelog operator that holds them
     * (its state key is the tenant and the PRIMARY KEY; parallelism 2, Flink's default max
     * parallelism 128).
     */
    private Map<Integer, List<Long>> liveOrdersBySubtask() {
        Map<Integer, List<Long>> bySubtask =
                new HashMap<>(Map.of(0, new ArrayList<>(), 1, new ArrayList<>()));
        for (String id : fixture.truthIds(start, Long.MAX_VALUE)) {
            int subtask =
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            SHOP + '\u0000' + id, 128, 2);
            bySubtask.get(subtask).add(Long.parseLong(id));
        }
        return bySubtask;
    }

    /** Deletes the orders right after a pass completed, so that one pass sees all of it. */
    private void deleteAfterTheNextPass(List<Long> ids) throws InterruptedException {
        long ended = passesEnded();
        long deadline = System.currentTimeMillis() + 30_000;
        while (passesEnded() == ended && System.currentTimeMillis() < deadline) Thread.sleep(10);
        assertThat(passesEnded())
                .as(() -> "a full pass completed or was refused within 30 s; " + passLog())
                .isGreaterThan(ended);
        var data = fixture.kuaishou.tenant(SHOP);
        for (long id : ids) assertThat(data.delete(id)).isTrue();
    }

    private long passesEnded() {
        return log.lines().stream()
                .filter(l -> l.contains(" completed: ") || l.contains("refused, nothing deleted"))
                .count();
    }

    private List<String> refusals() {
        return log.lines().stream().filter(l -> l.contains("refused, nothing deleted")).toList();
    }

    /** The orders into PostgreSQL alone, until the table equals the ground truth. */
    private void startJdbcJob(TableEnvironment tEnv, double maxDeleteRatio, String step)
            throws Exception {
        createOrders(tEnv, maxDeleteRatio, step, false);
        createPostgresSink(tEnv);
        job =
                tEnv.executeSql(
                                "INSERT INTO pg_orders SELECT oid, status, updateTime, totalFee,"
                                        + " buyerNick, tenant FROM orders")
                        .getJobClient()
                        .orElseThrow();
        awaitEqual(POSTGRES_ROWS, 60);
    }

    private String lastLine(String text) {
        return log.lines().stream().filter(l -> l.contains(text)).reduce((a, b) -> b).orElse(null);
    }

    private static String between(String line, String from, String to) {
        int start = line.indexOf(from) + from.length();
        return line.substring(start, line.indexOf(to, start));
    }

    private long passesStarted() {
        return log.lines().stream().filter(l -> l.contains("started: lists")).count();
    }

    /**
     * Waits for a full pass to start after this call (one a second, once the running one ended);
     * fails after 60 s with what the job's passes logged.
     */
    private void awaitTheNextPassStarts() throws Exception {
        long started = passesStarted();
        long deadline = System.currentTimeMillis() + 60_000;
        while (passesStarted() == started && System.currentTimeMillis() < deadline)
            Thread.sleep(20);
        assertThat(passesStarted())
                .as(
                        () ->
                                "a full pass started within 60 s after the "
                                        + started
                                        + " before; "
                                        + passLog())
                .isGreaterThan(started);
    }

    /**
     * The job's status and what the source logged (its passes, and its last lines whatever they
     * say), for a failure's message: a wait that ends without what it waited for must say why.
     */
    private String passLog() {
        String status;
        try {
            status = job == null ? "none" : job.getJobStatus().get(10, TimeUnit.SECONDS).name();
        } catch (Exception e) {
            status = "unknown (" + e + ")";
        }
        List<String> lines = log.lines();
        return "job "
                + status
                + "; the source logged "
                + lines.size()
                + " lines, of passes:\n"
                + String.join("\n", lines.stream().filter(l -> l.contains("pass")).toList())
                + "\nthe last ones:\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    private static final Supplier<Map<Long, String>> POSTGRES_ROWS =
            HttpSyncSqlChangelogITCase::postgresRowsUnchecked;

    private TableEnvironment environment() throws Exception {
        POSTGRES.execute("DROP TABLE IF EXISTS ks_orders");
        POSTGRES.execute(
                "CREATE TABLE ks_orders (oid BIGINT PRIMARY KEY, status INT, update_time BIGINT,"
                        + " total_fee BIGINT, buyer TEXT, tenant TEXT)");
        Configuration conf = new Configuration();
        conf.setString("execution.checkpointing.interval", "300 ms");
        return streaming(2, conf);
    }

    private static TableEnvironment streaming(int parallelism, Configuration conf) {
        conf.setString("parallelism.default", Integer.toString(parallelism));
        TableEnvironment tEnv =
                TableEnvironment.create(
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withConfiguration(conf)
                                .build());
        tEnv.getConfig().setLocalTimeZone(ZoneOffset.UTC);
        return tEnv;
    }

    private void createOrders(
            TableEnvironment tEnv, double maxDeleteRatio, String step, boolean checked) {
        Map<String, String> o = SqlTables.kuaishouOrders(fixture, start, start + 1);
        o.remove("scan.end");
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
        tEnv.executeSql(
                "CREATE TABLE orders (\n"
                        + "  oid BIGINT, status INT, updateTime BIGINT, totalFee BIGINT, buyerNick STRING,\n"
                        + "  tenant STRING METADATA VIRTUAL,\n"
                        + "  PRIMARY KEY (oid) NOT ENFORCED\n"
                        + ") "
                        + SqlTables.with(o));
    }

    private static void createPostgresSink(TableEnvironment tEnv) {
        tEnv.executeSql(
                "CREATE TABLE pg_orders (oid BIGINT, status INT, update_time BIGINT, total_fee BIGINT,"
                        + " buyer STRING, tenant STRING, PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlTables.with(
                                Map.of(
                                        "connector",
                                        "jdbc",
                                        "url",
                                        POSTGRES.jdbcUrl(),
                                        "table-name",
                                        "ks_orders",
                                        "username",
                                        "postgres",
                                        "password",
                                        "",
                                        "sink.buffer-flush.interval",
                                        "200 ms")));
    }

    private static Map<String, String> kafka() {
        Map<String, String> o = new HashMap<>();
        o.put("connector", "upsert-kafka");
        o.put("topic", "orders");
        o.put("properties.bootstrap.servers", KAFKA.bootstrapServers());
        o.put("key.format", "json");
        o.put("value.format", "json");
        return o;
    }

    private Map<Long, String> truth() {
        return fixture.truthOrderRows(start, Long.MAX_VALUE);
    }

    private void awaitEqual(Supplier<Map<Long, String>> rows, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        Map<Long, String> actual = rows.get();
        while (!actual.equals(truth()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            actual = rows.get();
        }
        assertThat(actual).as(this::passLog).isEqualTo(truth());
    }

    private void awaitLog(String text, int seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (log.lines().stream().noneMatch(l -> l.contains(text))
                && System.currentTimeMillis() < deadline) Thread.sleep(200);
        assertThat(log.lines())
                .as(
                        () ->
                                "the source logged \""
                                        + text
                                        + "\" within "
                                        + seconds
                                        + " s; "
                                        + passLog())
                .anyMatch(l -> l.contains(text));
    }

    private static Map<Long, String> postgresRowsUnchecked() {
        try {
            return postgresRows();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<Long, String> postgresRows() throws Exception {
        return HttpSyncSqlITCase.postgresRows(POSTGRES);
    }

    /** The topic read back as a table: a bounded upsert-kafka scan, its changelog applied. */
    private static Map<Long, String> kafkaRows() {
        TableEnvironment tEnv = streaming(1, new Configuration());
        Map<String, String> o = kafka();
        o.put("scan.bounded.mode", "latest-offset");
        tEnv.executeSql(
                "CREATE TABLE kafka_orders (oid BIGINT, status INT, update_time BIGINT, total_fee"
                        + " BIGINT, buyer STRING, tenant STRING, PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlTables.with(o));
        Map<Long, String> rows = new HashMap<>();
        try (CloseableIterator<Row> it = tEnv.executeSql("SELECT * FROM kafka_orders").collect()) {
            while (it.hasNext()) {
                Row r = it.next();
                long oid = (Long) r.getField(0);
                if (r.getKind() == RowKind.DELETE || r.getKind() == RowKind.UPDATE_BEFORE)
                    rows.remove(oid);
                else
                    rows.put(
                            oid,
                            KuaishouSimulatorFixture.orderRow(
                                    r.getField(1),
                                    r.getField(2),
                                    r.getField(3),
                                    r.getField(4),
                                    r.getField(5)));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }
}
