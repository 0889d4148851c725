package io.httpsync.e2e;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.Writer;
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
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenants from a registry table and their tokens in its token store, on a real cluster ({@code
 * deploy/local/flink-local.sh}: a JobManager and two TaskManagers of one slot each, every one its
 * own JVM; {@link SharedSqlCluster}), against the simulator's Kuaishou whose refresh tokens work
 * exactly once (a refresh token presented twice is refused), with the registry in an embedded
 * PostgreSQL:
 *
 * <ul>
 *   <li>a SQL job from the {@code -sql} jar, with httpsync-landing's jar (the JDBC registry) and
 *       the PostgreSQL driver beside it in lib/: the registry is read by the enumerator in the
 *       JobManager while the test adds a shop, disables one and re-authorizes one;
 *   <li>the config-file job ({@code run --config} of the job jar) with a dependent endpoint ({@code
 *       child.details.*}): the detail requests run in both TaskManagers, which open the registry
 *       and its token store themselves and share the list's tokens through it.
 * </ul>
 *
 * Each job runs on the same cluster, one after the other, and is cancelled at its test's end.
 */
class TenantRegistryClusterIT {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP_KEY = "ks-app-cluster-registry";
    private static final String APP_SECRET = "AppSecret-cluster-registry";
    private static final String SIGN_SECRET = "SignSecret-cluster-registry";
    private static final List<String> SQL_SHOPS = List.of("sql-a", "sql-b", "sql-c");
    private static final List<String> DEP_SHOPS = List.of("dep-a", "dep-b");

    private static final Path HOME = SharedSqlCluster.HOME.resolve("tenant-registry");

    @RegisterExtension static final SharedSqlCluster CLUSTER = new SharedSqlCluster();

    private static Simulator sim;
    private static KuaishouSim kuaishou;
    private static EmbeddedPostgres postgres;
    private static String jdbcUrl;
    private static LocalFlinkCluster cluster;
    private static long start;

    @BeforeAll
    static void startThePlatformAndTheDatabase() throws Exception {
        Files.createDirectories(HOME);
        sim = new Simulator(79);
        kuaishou = sim.add(KuaishouSim::new);
        List<String> shops = new ArrayList<>(SQL_SHOPS);
        shops.addAll(DEP_SHOPS);
        for (int i = 0; i < shops.size(); i++)
            kuaishou.addTenant(
                    shops.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(40, DAY).seed(i).timeResolutionMillis(1));
        kuaishou.refreshGraceMillis(0).latency(5, 0); // a refresh token works exactly once
        sim.start(0);
        start = System.currentTimeMillis() - DAY - 60_000;
        postgres = EmbeddedPostgres.builder().start();
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");

        cluster = CLUSTER.cluster();
    }

    @AfterAll
    static void stopEverything() throws IOException {
        if (postgres != null) postgres.close();
        if (sim != null) sim.close();
    }

    @Test
    void aSqlJobFromTheSqlJarFollowsTheRegistryAsShopsAreAddedDisabledAndReauthorized()
            throws Exception {
        execute(registryTableDdl("sql_shops"));
        execute(
                "CREATE TABLE sql_orders (tenant text NOT NULL, id text NOT NULL, update_time"
                        + " bigint NOT NULL, PRIMARY KEY (tenant, id))");
        register("sql_shops", "sql-a", true);
        register("sql_shops", "sql-c", false); // never enabled: never asked for anything
        Map<String, String> o = new HashMap<>(endpoint());
        o.put("connector", "httpsync");
        o.put("format", "json");
        o.put("record.pointer", "/orderBaseInfo");
        registry("sql_shops", "sql_tokens").forEach((k, v) -> o.put("tenants.registry." + k, v));
        List<String> statements =
                List.of(
                        "SET 'execution.checkpointing.interval' = '1 s';",
                        "CREATE TABLE orders (oid BIGINT, updateTime BIGINT,"
                                + " tenant STRING METADATA VIRTUAL) "
                                + ClusterEndToEndIT.with(o)
                                + ";",
                        "CREATE TABLE pg_orders (tenant STRING, id STRING, update_time BIGINT,"
                                + " PRIMARY KEY (tenant, id) NOT ENFORCED) "
                                + SqlJobs.jdbcSink(jdbcUrl, "sql_orders")
                                + ";",
                        "INSERT INTO pg_orders SELECT tenant, CAST(oid AS STRING), updateTime"
                                + " FROM orders;");
        String job =
                cluster.submit(
                        Optional.empty(),
                        SqlJobs.runnerArgs(SqlJobs.script(HOME, "registry-sql", 2, statements)));
        try {
            await(job, "sql-a is synced", () -> equalsTruth("sql_orders", "sql-a"));

            register("sql_shops", "sql-b", true); // authorized while the job runs
            await(job, "the new sql-b is synced", () -> equalsTruth("sql_orders", "sql-b"));

            execute("UPDATE sql_shops SET enabled = FALSE WHERE tenant_id = 'sql-a'");
            Thread.sleep(2_000); // the poll, and the windows in flight finishing
            long requestsWhenDisabled = listRequests("sql-a");
            kuaishou.tenant("sql-a").insert(); // not synced while disabled
            kuaishou.tenant("sql-b").insert(); // the others go on
            await(job, "sql-b's new order is synced", () -> equalsTruth("sql_orders", "sql-b"));
            Thread.sleep(1_000);
            assertThat(listRequests("sql-a"))
                    .as("requests for the disabled sql-a")
                    .isEqualTo(requestsWhenDisabled);
            assertThat(equalsTruth("sql_orders", "sql-a")).isFalse();

            // sql-b is re-authorized: a new refresh token in the registry, its access token dies
            String reauthorized = kuaishou.issueRefreshToken("sql-b");
            execute(
                    "UPDATE sql_shops SET properties = '"
                            + properties(reauthorized)
                            + "' WHERE tenant_id = 'sql-b'");
            Thread.sleep(1_000); // the poll
            int tokensBefore = tokenRequests("sql-b").size();
            kuaishou.tokens().expireAll("sql-b");
            kuaishou.tenant("sql-b").insert();
            await(
                    job,
                    "sql-b is synced with a token of its new authorization",
                    () -> equalsTruth("sql_orders", "sql-b"));
            assertThat(tokenRequests("sql-b")).hasSizeGreaterThan(tokensBefore);
        } finally {
            cluster.cancel(job);
        }
        assertThat(listRequests("sql-c")).as("requests for sql-c, never enabled").isZero();
        assertThat(refusedTokenRequests()).as("refused token requests").isEmpty();
    }

    @Test
    void dependentDetailRequestsInTheTaskManagersShareTheListsTokensThroughTheRegistrysStore()
            throws Exception {
        execute(registryTableDdl("dep_shops"));
        for (String shop : DEP_SHOPS) register("dep_shops", shop, true);
        Properties p = new Properties();
        p.setProperty("job.name", "httpsync e2e dependent with registry");
        p.setProperty("job.parallelism", "2");
        p.setProperty("job.checkpoint-interval", "1 s");
        p.setProperty("source.name", "orders");
        endpoint().forEach((k, v) -> p.setProperty("httpsync." + k, v));
        registry("dep_shops", "dep_tokens")
                .forEach((k, v) -> p.setProperty("httpsync.tenants.registry." + k, v));
        p.setProperty("jdbc.url", jdbcUrl);
        p.setProperty("jdbc.username", "postgres");
        p.setProperty("jdbc.password", "");
        p.setProperty("jdbc.table", "dep_orders");
        p.setProperty("jdbc.events-table", "dep_events");
        p.setProperty("jdbc.create-tables", "true");
        Map<String, String> detail =
                new HashMap<>(EndpointPresets.kuaishouOrderDetail(sim.baseUrl(KuaishouSim.NAME)));
        detail.putAll(EndpointPresets.kuaishouRefreshTokens(sim.baseUrl(KuaishouSim.NAME)));
        detail.putAll(fast());
        detail.put("response.record.id-path", "/orderBaseInfo/oid");
        detail.put("response.record.time-path", "/orderBaseInfo/updateTime");
        detail.put("dependent.kind", "detail");
        detail.put("dependent.ids-path", "/orderBaseInfo/oid");
        detail.forEach((k, v) -> p.setProperty("child.details." + k, v));
        p.setProperty("child.details.table", "dep_details");
        Path config = HOME.resolve("dependent-registry.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "the e2e config-file job with a dependent endpoint and a tenant registry");
        }
        String job =
                cluster.submit(
                        Optional.empty(), SqlJobs.jobJarArgs("run", "--config", config.toString()));
        long detailsBefore;
        try {
            await(job, "orders and details are synced", this::dependentTablesEqualTruth);
            for (String shop : DEP_SHOPS)
                assertThat(tokenRequests(shop)).as("token requests of %s", shop).hasSize(1);
            assertThat(detailSubtaskTaskManagers(job))
                    .as("the detail requests run in both TaskManagers")
                    .hasSize(2);

            // the access tokens die while orders change: the list and the details, in two
            // processes, need new ones, and each shop's single-use refresh token is spent once
            detailsBefore = detailRequests();
            for (String shop : DEP_SHOPS) {
                kuaishou.tokens().expireAll(shop);
                for (int i = 0; i < 3; i++) kuaishou.tenant(shop).updateRandom();
            }
            await(job, "the changes and their details are synced", this::dependentTablesEqualTruth);
        } finally {
            cluster.cancel(job);
        }
        assertThat(detailRequests())
                .as("detail requests after the change")
                .isGreaterThan(detailsBefore);
        assertThat(refusedTokenRequests())
                .as("refused token requests (a refresh token presented twice)")
                .isEmpty();
        for (String shop : DEP_SHOPS)
            assertThat(tokenRequests(shop))
                    .as("one refresh per token death of %s, shared by list and details", shop)
                    .hasSize(2);
        assertThat(rows("SELECT tenant, message FROM dep_events")).as("events").isEmpty();
    }

    // ------------------------------------------------------------------ the source and registry

    /**
     * The Kuaishou order list with tokens from single-use refresh tokens, continuous from {@code
     * start}, with short delays so that the tests stay short.
     */
    private static Map<String, String> endpoint() {
        String base = sim.baseUrl(KuaishouSim.NAME);
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrders(base));
        o.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        o.putAll(fast());
        o.put("scan.mode", "continuous");
        o.put("scan.start", Instant.ofEpochMilli(start).toString());
        o.put("scan.lag", "1 s");
        o.put("scan.discovery-interval", "300 ms");
        o.put("scan.window.step", "12 h");
        o.put("metrics.per-tenant", "false");
        return o;
    }

    /** Short backoffs and a generous budget (the simulated platform sets no limit here). */
    private static Map<String, String> fast() {
        return Map.of(
                "retry.initial-backoff", "20 ms",
                "retry.max-backoff", "200 ms",
                "rate-limit.permits-per-second", "200",
                "rate-limit.burst", "20");
    }

    /** The options {@code tenants.registry.*} (prefix removed) of a registry in the database. */
    private static Map<String, String> registry(String table, String tokenTable) {
        return Map.of(
                "url", jdbcUrl,
                "username", "postgres",
                "table", table,
                "token-table", tokenTable,
                "poll-interval", "200 ms");
    }

    /**
     * The registry's tenant table as docs/datastream.md describes it (the token table is created by
     * the registry itself).
     */
    private static String registryTableDdl(String table) {
        return "CREATE TABLE "
                + table
                + " (tenant_id varchar(255) PRIMARY KEY, properties text NOT NULL, enabled boolean"
                + " NOT NULL DEFAULT TRUE, start_time timestamptz NULL, disabled_reason text NULL)";
    }

    /** Registers a shop, as the app's authorization flow would, with a fresh refresh token. */
    private static void register(String table, String shop, boolean enabled) throws SQLException {
        execute(
                "INSERT INTO "
                        + table
                        + " (tenant_id, properties, enabled) VALUES ('"
                        + shop
                        + "', '"
                        + properties(kuaishou.issueRefreshToken(shop))
                        + "', "
                        + enabled
                        + ")");
    }

    /** A shop's properties in the registry table (JSON), as the app's authorization flow writes. */
    private static String properties(String refreshToken) {
        try {
            return JSON.writeValueAsString(
                    Map.of(
                            "app-key", APP_KEY,
                            "app-secret", APP_SECRET,
                            "sign-secret", SIGN_SECRET,
                            "refresh-token", refreshToken));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ what happened

    private boolean dependentTablesEqualTruth() throws SQLException {
        for (String shop : DEP_SHOPS)
            for (String table : List.of("dep_orders", "dep_details"))
                if (!equalsTruth(table, shop)) return false;
        return true;
    }

    /** Whether the table holds exactly the shop's live orders, each in its newest version. */
    private static boolean equalsTruth(String table, String shop) throws SQLException {
        Map<String, String> truth =
                kuaishou.groundTruth(shop).live().stream()
                        .collect(
                                Collectors.toMap(
                                        GroundTruth.TruthRecord::id,
                                        r -> Long.toString(r.updateTime()),
                                        (a, b) -> b,
                                        TreeMap::new));
        return rows("SELECT id, update_time FROM " + table + " WHERE tenant = '" + shop + "'")
                .equals(truth);
    }

    private static long listRequests(String shop) {
        return sim.accounting().requests().stream()
                .filter(r -> shop.equals(r.tenant()))
                .filter(r -> r.endpoint().endsWith(KuaishouSim.ORDER_LIST))
                .count();
    }

    private static long detailRequests() {
        return sim.accounting()
                .endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL)
                .served();
    }

    private static List<Accounting.TokenRequestEntry> tokenRequests(String shop) {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> shop.equals(e.tenant()))
                .toList();
    }

    private static List<Accounting.TokenRequestEntry> refusedTokenRequests() {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> !e.outcome().equals("ok"))
                .toList();
    }

    /** The TaskManagers running the job's detail operator (the vertex named after details). */
    private static List<String> detailSubtaskTaskManagers(String job) {
        for (var v : cluster.get("/jobs/" + job).path("vertices")) {
            if (!v.path("name").asText().contains("details")) continue;
            List<String> out = new ArrayList<>();
            for (var s :
                    cluster.get("/jobs/" + job + "/vertices/" + v.path("id").asText())
                            .path("subtasks"))
                if (!out.contains(s.path("taskmanager-id").asText()))
                    out.add(s.path("taskmanager-id").asText());
            return out;
        }
        throw new IllegalStateException("job " + job + " has no vertex of the details");
    }

    /** Waits until {@code condition}, failing early if the job stops running. */
    private static void await(String job, String what, Callable<Boolean> condition)
            throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.call()) {
            String state = cluster.state(job);
            // a job that restarted has failed once: nothing in these tests should make it fail
            List<String> exceptions = cluster.exceptions(job);
            if (System.nanoTime() > deadline
                    || !exceptions.isEmpty()
                    || state.equals("FAILED")
                    || state.equals("CANCELED")
                    || state.equals("FINISHED"))
                throw new AssertionError(
                        "timed out waiting until "
                                + what
                                + " (job "
                                + state
                                + ", cluster logs: "
                                + cluster.logDir()
                                + "); recent exceptions: "
                                + exceptions);
            Thread.sleep(200);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Map<String, String> rows(String query) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }
}
