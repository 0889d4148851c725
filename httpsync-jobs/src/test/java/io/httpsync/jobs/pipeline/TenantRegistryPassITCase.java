package io.httpsync.jobs.pipeline;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.registry.JdbcTenantRegistry;
import io.httpsync.connector.sink.DeletionMarker;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded commands of a config file whose tenants come from a tenant registry (PostgreSQL),
 * against the simulator's Kuaishou with strictly single-use refresh tokens: a full pass and a
 * replay sync the registry's enabled tenants (read once, before the job) and none of its disabled
 * ones, and take their tokens from the registry's token store, so a refresh token the store rotated
 * is never presented again (as a pass holding the registry's refresh tokens as a fixed list would).
 */
class TenantRegistryPassITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "ks-app-pass";
    private static final String APP_SECRET = "AppSecret-pass-0123";
    private static final String SIGN_SECRET = "SignSecret-pass-3210";

    private static Simulator sim;
    private static KuaishouSim kuaishou;
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws Exception {
        sim = new Simulator(17);
        kuaishou = sim.add(KuaishouSim::new);
        List<String> shops = List.of("shop-a", "shop-b", "shop-c");
        for (int i = 0; i < shops.size(); i++)
            kuaishou.addTenant(
                    shops.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(150, 2 * DAY).seed(i));
        kuaishou.refreshGraceMillis(0);
        sim.start(0);
        postgres = EmbeddedPostgres.builder().start();
        execute(JdbcTenantRegistry.tenantTableDdl("shops", false));
        register("shop-a", true);
        register("shop-b", false); // revoked by the shop, say
        register("shop-c", true);
    }

    @AfterAll
    static void stop() throws Exception {
        sim.close();
        postgres.close();
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Registers a shop as the app's authorization flow would, with a fresh refresh token. */
    private static void register(String shop, boolean enabled) throws Exception {
        String properties =
                "{\"app-key\":\""
                        + APP_KEY
                        + "\",\"app-secret\":\""
                        + APP_SECRET
                        + "\",\"sign-secret\":\""
                        + SIGN_SECRET
                        + "\",\"refresh-token\":\""
                        + kuaishou.issueRefreshToken(shop)
                        + "\"}";
        execute(
                "INSERT INTO shops (tenant_id, properties, enabled) VALUES ('"
                        + shop
                        + "', '"
                        + properties
                        + "', "
                        + enabled
                        + ")");
    }

    private static Map<String, String> config(String table) {
        String base = sim.baseUrl("kuaishou");
        Map<String, String> c = new HashMap<>();
        EndpointPresets.kuaishouOrders(base).forEach((k, v) -> c.put("httpsync." + k, v));
        EndpointPresets.kuaishouRefreshTokens(base).forEach((k, v) -> c.put("httpsync." + k, v));
        c.put("source.name", "registry-orders");
        c.put("httpsync.scan.start", String.valueOf(System.currentTimeMillis() - 2 * DAY - 60_000));
        c.put("httpsync.scan.lag", "1 ms");
        c.put("httpsync.scan.window.step", "12 h");
        c.put("httpsync.tenants.registry.url", postgres.getJdbcUrl("postgres", "postgres"));
        c.put("httpsync.tenants.registry.username", "postgres");
        c.put("httpsync.tenants.registry.table", "shops");
        c.put("httpsync.tenants.registry.token-table", "shop_tokens");
        c.put("job.parallelism", "2");
        c.put("jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        c.put("jdbc.username", "postgres");
        c.put("jdbc.table", table);
        c.put("jdbc.events-table", table + "_events");
        c.put("jdbc.create-tables", "true");
        return c;
    }

    private static Map<String, String> rows(String table, String tenant, String condition)
            throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, update_time FROM "
                                        + table
                                        + " WHERE tenant = '"
                                        + tenant
                                        + "' AND "
                                        + condition)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }

    private static Map<String, String> truth(String shop, long from, long to) {
        return kuaishou.groundTruth(shop).live().stream()
                .filter(r -> r.updateTime() >= from && r.updateTime() < to)
                .collect(
                        Collectors.toMap(
                                GroundTruth.TruthRecord::id, r -> Long.toString(r.updateTime())));
    }

    private static long listRequests(String shop) {
        return sim.accounting().requests().stream().filter(r -> shop.equals(r.tenant())).count();
    }

    private static long tokenRequests(String shop, boolean ok) {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> shop.equals(e.tenant()) && e.outcome().equals("ok") == ok)
                .count();
    }

    private static FullSyncPass.Result fullPass(Map<String, String> config) throws Exception {
        FullSyncPass.Result result =
                new SyncPipeline(config)
                        .runFullPass(
                                () ->
                                        StreamExecutionEnvironment.getExecutionEnvironment(
                                                SyncPipeline.flinkConfiguration()));
        assertThat(result.completed()).as("full pass: %s", result.interruption()).isTrue();
        return result;
    }

    @Test
    void aFullPassSyncsTheRegistrysEnabledTenantsWithTokensFromItsStoreAndMarksTheirDeletions()
            throws Exception {
        Map<String, String> config = config("pass_orders");
        fullPass(config);
        for (String shop : List.of("shop-a", "shop-c"))
            assertThat(rows("pass_orders", shop, "deleted_at IS NULL"))
                    .as("%s after the first pass", shop)
                    .isEqualTo(truth(shop, 0, Long.MAX_VALUE));
        assertThat(listRequests("shop-b")).as("requests for the disabled shop-b").isZero();

        // the access tokens die, and shop-a loses orders: the second pass, a new job, must refresh
        // with the refresh tokens the first one rotated into the store, not the registry's spent
        // ones
        kuaishou.tokens().expireAll("shop-a");
        kuaishou.tokens().expireAll("shop-c");
        List<String> deletedBefore = kuaishou.groundTruth("shop-a").deletedIds();
        for (int i = 0; i < 4; i++) kuaishou.tenant("shop-a").deleteRandom();
        List<String> deleted =
                new java.util.ArrayList<>(kuaishou.groundTruth("shop-a").deletedIds());
        deleted.removeAll(deletedBefore);

        FullSyncPass.Result second = fullPass(config);

        assertThat(second.outcomes())
                .extracting(DeletionMarker.Outcome::tenant)
                .containsExactlyInAnyOrder("shop-a", "shop-c");
        assertThat(
                        second.outcomes().stream()
                                .filter(o -> o.tenant().equals("shop-a"))
                                .findFirst()
                                .orElseThrow()
                                .markedIds())
                .containsExactlyInAnyOrderElementsOf(deleted);
        assertThat(rows("pass_orders", "shop-a", "deleted_at IS NULL"))
                .isEqualTo(truth("shop-a", 0, Long.MAX_VALUE));
        for (String shop : List.of("shop-a", "shop-c")) {
            assertThat(tokenRequests(shop, false))
                    .as("refused token requests of %s", shop)
                    .isZero();
            assertThat(tokenRequests(shop, true))
                    .as("one refresh per token death of %s", shop)
                    .isEqualTo(2);
        }
        assertThat(listRequests("shop-b")).isZero();
    }

    @Test
    void aReplayResyncsTheFailedWindowsOfTheRegistrysEnabledTenantsOnly() throws Exception {
        Map<String, String> config = config("replayed");
        SyncPipeline pipeline = new SyncPipeline(config);
        pipeline.createTables();
        long now = System.currentTimeMillis();
        long t1 = now - DAY - DAY / 2;
        long t2 = t1 + DAY / 2;
        try (Connection c = pipeline.connect()) {
            ExceptionEventJdbcSink.insert(
                    c,
                    "replayed_events",
                    List.of(failed("shop-c", t1, t2), failed("shop-b", t1, t2)));
        }

        int replayed =
                WindowReplay.run(
                        pipeline,
                        StreamExecutionEnvironment.getExecutionEnvironment(
                                SyncPipeline.flinkConfiguration()));

        assertThat(replayed).as("the window of the enabled shop-c").isEqualTo(1);
        assertThat(truth("shop-c", t1, t2)).isNotEmpty();
        assertThat(rows("replayed", "shop-c", "TRUE")).isEqualTo(truth("shop-c", t1, t2));
        try (Connection c = pipeline.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT tenant FROM replayed_events")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("the disabled shop's event waits").isEqualTo("shop-b");
            assertThat(rs.next()).isFalse();
        }
        assertThat(listRequests("shop-b")).isZero();
        assertThat(tokenRequests("shop-c", false)).isZero();
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
}
