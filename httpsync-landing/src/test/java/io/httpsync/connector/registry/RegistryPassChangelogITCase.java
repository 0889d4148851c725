package io.httpsync.connector.registry;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.LogCapture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_KEY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_SECRET;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SIGN_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletions as a changelog of a SQL table whose tenants come only from a tenant registry in
 * PostgreSQL: the registry's shop gets full passes, and after one completed, its hard-deleted
 * orders are deleted from the JDBC sink, which equals the platform's ground truth; a shop disabled
 * in the registry keeps its rows, its deleted orders included, however many passes run.
 */
class RegistryPassChangelogITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    final LogCapture log = new LogCapture("INFO", "io.httpsync.connector.source");

    private final Simulator sim = new Simulator(29);
    private KuaishouSim kuaishou;
    private JobClient job;

    @BeforeEach
    void setUp() throws Exception {
        kuaishou = sim.add(KuaishouSim::new);
        for (String shop : List.of("shop-a", "shop-b"))
            kuaishou.addTenant(
                    shop,
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(30, 2 * DAY).seed(shop.hashCode()).timeResolutionMillis(1));
        kuaishou.refreshGraceMillis(0);
        sim.start(0);
        for (String table : List.of("pass_shops", "pass_shop_tokens", "reg_orders"))
            POSTGRES.execute("DROP TABLE IF EXISTS " + table);
        POSTGRES.execute(JdbcTenantRegistry.tenantTableDdl("pass_shops", false));
        for (String shop : List.of("shop-a", "shop-b"))
            KuaishouRegistrySource.register(
                    POSTGRES,
                    "pass_shops",
                    shop,
                    KuaishouRegistrySource.tenantProperties(
                            APP_KEY, APP_SECRET, SIGN_SECRET, kuaishou.issueRefreshToken(shop)));
        POSTGRES.execute(
                "CREATE TABLE reg_orders (oid BIGINT PRIMARY KEY, status INT, update_time BIGINT,"
                        + " total_fee BIGINT, buyer TEXT, tenant TEXT)");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (job != null) {
                job.cancel().get(30, TimeUnit.SECONDS);
                // cancel() is acknowledged before the job has ended: its enumerator still polls
                // the registry, and the class's PostgreSQL must not stop under it
                try {
                    job.getJobExecutionResult().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException cancelled) {
                    // how a cancelled job ends
                }
            }
        } finally {
            sim.close();
        }
    }

    @Test
    void aRegistryShopsDeletedOrdersAreDeletedAfterAPassAndADisabledShopKeepsItsRows()
            throws Exception {
        job = startSqlJob();
        awaitEqual("both shops are synced", this::sinkRows, this::truth);

        POSTGRES.execute("UPDATE pass_shops SET enabled = FALSE WHERE tenant_id = 'shop-b'");
        awaitLog("Tenant shop-b is disabled in the registry");
        Map<Long, String> shopB = rowsOf("shop-b");
        for (String shop : List.of("shop-a", "shop-b"))
            for (int i = 0; i < 3; i++) kuaishou.tenant(shop).deleteRandom();

        long completed = passesCompleted("shop-a");
        awaitEqual(
                "shop-a's deletions reach the sink", () -> rowsOf("shop-a"), () -> truth("shop-a"));
        assertThat(passesCompleted("shop-a")).isGreaterThan(completed);
        // two more passes of shop-a: shop-b, disabled, has none and keeps its rows
        long later = passesCompleted("shop-a") + 2;
        long deadline = System.currentTimeMillis() + 60_000;
        while (passesCompleted("shop-a") < later && System.currentTimeMillis() < deadline)
            Thread.sleep(100);
        assertThat(passesCompleted("shop-a"))
                .as("two more passes of shop-a completed within 60 s")
                .isGreaterThanOrEqualTo(later);
        assertThat(rowsOf("shop-b")).as("the disabled shop's rows").isEqualTo(shopB);
        assertThat(shopB.keySet())
                .as("its deleted orders are kept")
                .containsAll(deletedIds("shop-b"));
        assertThat(rowsOf("shop-a")).isEqualTo(truth("shop-a"));
        List<String> lines = log.lines();
        int disabled = lines.indexOf(firstLine("Tenant shop-b is disabled in the registry"));
        assertThat(lines.subList(disabled, lines.size()))
                .as("no pass of the disabled shop completed")
                .noneMatch(
                        l -> l.contains("full pass of tenant shop-b") && l.contains(" completed"));
    }

    /** The orders of the registry's shops into PostgreSQL, SQL only. */
    private JobClient startSqlJob() {
        Configuration conf = new Configuration();
        conf.setString("execution.checkpointing.interval", "300 ms");
        conf.setString("parallelism.default", "1");
        TableEnvironment tEnv =
                TableEnvironment.create(
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withConfiguration(conf)
                                .build());
        Map<String, String> o = new HashMap<>();
        o.put("connector", "httpsync");
        o.putAll(
                KuaishouRegistrySource.options(
                        sim.baseUrl("kuaishou"),
                        POSTGRES,
                        System.currentTimeMillis() - 3 * DAY,
                        "pass_shops",
                        "pass_shop_tokens"));
        o.put("scan.mode", "continuous");
        o.put("scan.lag", "500 ms");
        o.put("scan.discovery-interval", "200 ms");
        o.put("scan.window.step", "1 d");
        o.put("format", "json");
        o.put("record.pointer", "/orderBaseInfo");
        o.put("changelog.mode", "delete");
        o.put("pass.interval", "1 s");
        o.put("pass.state-ttl", "5 min");
        tEnv.executeSql(
                "CREATE TABLE orders (oid BIGINT, status INT, updateTime BIGINT, totalFee BIGINT,"
                        + " buyerNick STRING, tenant STRING METADATA VIRTUAL,"
                        + " PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlTables.with(o));
        tEnv.executeSql(
                "CREATE TABLE pg_orders (oid BIGINT, status INT, update_time BIGINT, total_fee BIGINT,"
                        + " buyer STRING, tenant STRING, PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlTables.with(
                                Map.of(
                                        "connector", "jdbc",
                                        "url", POSTGRES.jdbcUrl(),
                                        "table-name", "reg_orders",
                                        "username", "postgres",
                                        "password", "",
                                        "sink.buffer-flush.interval", "200 ms")));
        return tEnv.executeSql(
                        "INSERT INTO pg_orders SELECT oid, status, updateTime, totalFee, buyerNick,"
                                + " tenant FROM orders")
                .getJobClient()
                .orElseThrow();
    }

    private long passesCompleted(String shop) {
        return log.lines().stream()
                .filter(l -> l.contains("full pass of tenant " + shop) && l.contains(" completed"))
                .count();
    }

    private List<Long> deletedIds(String shop) {
        return kuaishou.groundTruth(shop).deletedIds().stream().map(Long::parseLong).toList();
    }

    private Map<Long, String> truth() {
        Map<Long, String> rows = new HashMap<>(truth("shop-a"));
        rows.putAll(truth("shop-b"));
        return rows;
    }

    /** The shop's live orders, as the sink's rows. */
    private Map<Long, String> truth(String shop) {
        Map<Long, String> rows = new HashMap<>();
        for (GroundTruth.TruthRecord r : kuaishou.groundTruth(shop).live()) {
            JsonNode base = r.content().path("orderBaseInfo");
            rows.put(
                    Long.parseLong(r.id()),
                    KuaishouSimulatorFixture.orderRow(
                            base.path("status").asInt(),
                            r.updateTime(),
                            base.path("totalFee").asLong(),
                            base.path("buyerNick").asText(),
                            shop));
        }
        return rows;
    }

    private Map<Long, String> sinkRows() {
        try (Connection c = POSTGRES.connect()) {
            return KuaishouSimulatorFixture.orderRows(c, "reg_orders");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<Long, String> rowsOf(String shop) {
        Map<Long, String> rows = new HashMap<>(sinkRows());
        rows.values().removeIf(row -> !row.endsWith("|" + shop));
        return rows;
    }

    private void awaitEqual(
            String what, Supplier<Map<Long, String>> actual, Supplier<Map<Long, String>> expected)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!actual.get().equals(expected.get()) && System.currentTimeMillis() < deadline)
            Thread.sleep(200);
        assertThat(actual.get()).as(what).isEqualTo(expected.get());
    }

    private void awaitLog(String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (log.lines().stream().noneMatch(l -> l.contains(text))
                && System.currentTimeMillis() < deadline) Thread.sleep(50);
        assertThat(log.lines())
                .as("the source logged \"%s\" within 30 s", text)
                .anyMatch(l -> l.contains(text));
    }

    private String firstLine(String text) {
        return log.lines().stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }
}
