package io.httpsync.connector.registry;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A SQL lookup join of Kuaishou order details per (shop, order), at parallelism 2, whose tenants
 * and tokens come from the tenant registry and its token store in PostgreSQL (as the scan of the
 * orders does), against the simulator's Kuaishou, whose refresh tokens work exactly once. When the
 * access tokens die while the scan and both lookup instances need them, each shop's token is
 * refreshed once for all of them; no refresh token is presented twice (the simulator would refuse
 * it), and every joined detail is the platform's.
 */
class LookupTokenStoreITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "ks-app-lookup";
    private static final String APP_SECRET = "AppSecret-lookup-0123";
    private static final String SIGN_SECRET = "SignSecret-lookup-3210";
    private static final List<String> SHOPS = List.of("shop-a", "shop-b");

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private final Simulator sim = new Simulator(79);
    private KuaishouSim kuaishou;
    private long start;

    @BeforeEach
    void startSimulator() throws Exception {
        kuaishou = sim.add(KuaishouSim::new);
        for (int i = 0; i < SHOPS.size(); i++)
            kuaishou.addTenant(
                    SHOPS.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(30, DAY).seed(i));
        kuaishou.refreshGraceMillis(0).latency(5, 0);
        sim.start(0);
        start = System.currentTimeMillis() - DAY - 60_000;
        for (String table : List.of("lk_shops", "lk_lookup_shops", "lk_shop_tokens"))
            POSTGRES.execute("DROP TABLE IF EXISTS " + table);
        POSTGRES.execute(JdbcTenantRegistry.tenantTableDdl("lk_shops", false));
        POSTGRES.execute(JdbcTenantRegistry.tenantTableDdl("lk_lookup_shops", false));
        for (String shop : SHOPS) {
            String properties =
                    KuaishouRegistrySource.tenantProperties(
                            APP_KEY, APP_SECRET, SIGN_SECRET, kuaishou.issueRefreshToken(shop));
            for (String table : List.of("lk_shops", "lk_lookup_shops"))
                KuaishouRegistrySource.register(POSTGRES, table, shop, properties);
        }
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** The orders, scanned continuously, their tenants from the registry. */
    private Map<String, String> orders(String base) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("connector", "httpsync");
        o.putAll(
                KuaishouRegistrySource.options(
                        base, POSTGRES, start, "lk_shops", "lk_shop_tokens"));
        o.put("format", "json");
        o.put("record.pointer", "/orderBaseInfo");
        return o;
    }

    /**
     * The detail per order, looked up for the shop of the key's {@code shop} column: the registry's
     * tenants, the same token request as the scan's, no cache (every order version asks).
     */
    private Map<String, String> details(String base, String tenantTable) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("connector", "httpsync");
        o.putAll(EndpointPresets.kuaishouOrderDetail(base));
        o.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        o.put("retry.initial-backoff", "20 ms");
        o.put("retry.max-backoff", "200 ms");
        o.put("request.biz-param.template", "{\"oid\":\"${tenant.lookup.oid}\"}");
        KuaishouRegistrySource.registryOptions(POSTGRES, tenantTable, "lk_shop_tokens")
                .forEach((k, v) -> o.put("tenants.registry." + k, v));
        o.put("tenants.registry.poll-interval", "200 ms");
        o.put("lookup.tenant-column", "shop");
        o.put("format", "json");
        o.put("record.pointer", "/orderBaseInfo");
        return o;
    }

    @Test
    void lookupsAtParallelismTwoShareTheStoredTokensAndNoRefreshTokenIsPresentedTwice()
            throws Exception {
        TableResult result = join("lk_shops", "JOIN");
        List<Row> joined = new CopyOnWriteArrayList<>();
        CloseableIterator<Row> rows = collect(result, joined);
        try {
            KuaishouRegistrySource.await(
                    "every order is joined with its detail", () -> everythingJoined(joined));
            for (String shop : SHOPS)
                assertThat(KuaishouRegistrySource.tokenRequests(sim, shop))
                        .as("token requests of %s", shop)
                        .hasSize(1);

            // the access tokens die; orders change, so the scan and the lookups need new ones
            long detailsBefore = detailStats().served();
            for (String shop : SHOPS) {
                kuaishou.tokens().expireAll(shop);
                for (int i = 0; i < 3; i++) kuaishou.tenant(shop).updateRandom();
            }
            KuaishouRegistrySource.await(
                    "the changed orders are joined with their details",
                    () -> everythingJoined(joined));
            assertThat(detailStats().served())
                    .as("detail requests after the change")
                    .isGreaterThan(detailsBefore);
        } finally {
            result.getJobClient().orElseThrow().cancel().get();
            rows.close();
        }
        for (Row row : joined) {
            assertThat(row.getField(3)).as("the joined detail's shop").isEqualTo(row.getField(0));
            assertThat(row.getField(4)).as("the joined detail's order").isEqualTo(row.getField(1));
            assertThat((Long) row.getField(5))
                    .as("the detail of %s is at least the listed version", row)
                    .isGreaterThanOrEqualTo((Long) row.getField(2));
        }
        assertThat(
                        sim.accounting().tokenRequests().stream()
                                .filter(e -> !e.outcome().equals("ok"))
                                .toList())
                .as("refused token requests (a refresh token presented twice)")
                .isEmpty();
        for (String shop : SHOPS)
            assertThat(KuaishouRegistrySource.tokenRequests(sim, shop))
                    .as(
                            "one refresh per token death of %s, shared by the scan and the lookups",
                            shop)
                    .hasSize(2);
    }

    /**
     * The lookup's registry has shop-b disabled (the scan's has not, so its orders reach the
     * lookup): its keys join no row, in a LEFT JOIN their detail columns are null, and shop-a's
     * keys still join the platform's details.
     */
    @Test
    void keysOfATenantDisabledInTheRegistryJoinNoRowAndTheOthersJoinTheirDetails()
            throws Exception {
        POSTGRES.execute(
                "UPDATE lk_lookup_shops SET enabled = FALSE, disabled_reason = 'uninstalled'"
                        + " WHERE tenant_id = 'shop-b'");
        TableResult result = join("lk_lookup_shops", "LEFT JOIN");
        List<Row> joined = new CopyOnWriteArrayList<>();
        CloseableIterator<Row> rows = collect(result, joined);
        int shopBOrders = kuaishou.groundTruth("shop-b").live().size();
        try {
            KuaishouRegistrySource.await(
                    "shop-a's orders are joined and shop-b's have arrived",
                    () ->
                            joinedEqualsTruth(joined, "shop-a")
                                    && joined.stream()
                                                    .filter(r -> "shop-b".equals(r.getField(0)))
                                                    .count()
                                            >= shopBOrders);
        } finally {
            result.getJobClient().orElseThrow().cancel().get();
            rows.close();
        }
        for (Row row : joined)
            if ("shop-b".equals(row.getField(0)))
                assertThat(row.getField(4))
                        .as("a detail joined to %s of the disabled shop", row)
                        .isNull();
        assertThat(
                        sim.accounting().tokenRequests().stream()
                                .filter(e -> !e.outcome().equals("ok"))
                                .toList())
                .as("refused token requests")
                .isEmpty();
    }

    /**
     * Runs the orders joined with their details (at parallelism 2), the lookup's tenants from
     * {@code lookupRegistry}: columns o.shop, o.oid, o.updateTime, d.shop, d.oid, d.updateTime,
     * d.buyerNick.
     */
    private TableResult join(String lookupRegistry, String join) {
        String base = sim.baseUrl(KuaishouSim.NAME);
        TableEnvironment tEnv = SqlTables.streamingEnvironment(); // parallelism 2
        tEnv.executeSql(
                "CREATE TABLE orders (oid BIGINT, updateTime BIGINT,"
                        + " shop STRING METADATA FROM 'tenant' VIRTUAL, proc AS PROCTIME()) "
                        + SqlTables.with(orders(base)));
        tEnv.executeSql(
                "CREATE TABLE order_details (oid BIGINT, updateTime BIGINT, buyerNick STRING,"
                        + " shop STRING) "
                        + SqlTables.with(details(base, lookupRegistry)));
        return tEnv.executeSql(
                "SELECT o.shop, o.oid, o.updateTime, d.shop, d.oid, d.updateTime, d.buyerNick"
                        + " FROM orders AS o "
                        + join
                        + " order_details FOR SYSTEM_TIME AS OF o.proc AS d"
                        + " ON d.oid = o.oid AND d.shop = o.shop");
    }

    /** Adds the job's rows to {@code into} as they come, on a thread of its own. */
    private static CloseableIterator<Row> collect(TableResult result, List<Row> into) {
        CloseableIterator<Row> rows = result.collect();
        Thread reader =
                new Thread(
                        () -> {
                            try {
                                rows.forEachRemaining(into::add);
                            } catch (RuntimeException ended) {
                                // the job was cancelled
                            }
                        },
                        "lookup-rows");
        reader.setDaemon(true);
        reader.start();
        return rows;
    }

    /**
     * Whether, per shop, the newest joined detail of every order is the platform's version, with
     * the platform's buyer.
     */
    private boolean everythingJoined(List<Row> joined) {
        for (String shop : SHOPS) if (!joinedEqualsTruth(joined, shop)) return false;
        return true;
    }

    /** Whether the shop's newest joined detail of every order is the platform's. */
    private boolean joinedEqualsTruth(List<Row> joined, String shop) {
        Map<String, Long> newest = new HashMap<>();
        Map<String, String> buyer = new HashMap<>();
        for (Row row : new ArrayList<>(joined)) {
            if (!shop.equals(row.getField(0)) || row.getField(4) == null) continue;
            String oid = String.valueOf(row.getField(4));
            long time = (Long) row.getField(5);
            if (newest.getOrDefault(oid, Long.MIN_VALUE) < time) {
                newest.put(oid, time);
                buyer.put(oid, (String) row.getField(6));
            }
        }
        GroundTruth truth = kuaishou.groundTruth(shop);
        try {
            SinkAssertions.assertEqualsTruth(newest, truth);
        } catch (AssertionError notYet) {
            return false;
        }
        for (GroundTruth.TruthRecord r : truth.live())
            assertThat(buyer.get(r.id()))
                    .as("buyer of order %s of %s", r.id(), shop)
                    .isEqualTo(r.content().path("orderBaseInfo").path("buyerNick").asText());
        return true;
    }

    private Accounting.Stats detailStats() {
        return sim.accounting().endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL);
    }
}
