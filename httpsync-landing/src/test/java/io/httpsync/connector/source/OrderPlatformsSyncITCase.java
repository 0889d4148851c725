package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.testutil.BoundedRange;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SyncJob;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.jushuitan.JushuitanSim;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;
import io.httpsync.simulator.platform.taobao.TaobaoSim;
import io.httpsync.simulator.platform.youzan.YouzanSim;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded syncs of the four order platforms' list APIs (cursor paging for Kuaishou, page numbers
 * with totals for Taobao, Jushuitan and Youzan), each into a real PostgreSQL table: the table must
 * equal the simulator's ground truth.
 */
class OrderPlatformsSyncITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "app-key-1";
    private static final String APP_SECRET = "app-secret-1";
    private static final String SIGN_SECRET = "sign-secret-1";

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private final Simulator sim = new Simulator(11);

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void kuaishouCursorPaging() throws Exception {
        KuaishouSim kuaishou = sim.add(KuaishouSim::new);
        Map<String, Tenant> tenants =
                addShops(
                        kuaishou,
                        2,
                        shop -> KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                        shop ->
                                Map.of(
                                        "app-key",
                                        APP_KEY,
                                        "app-secret",
                                        APP_SECRET,
                                        "sign-secret",
                                        SIGN_SECRET));
        sim.start(0);
        String base = sim.baseUrl("kuaishou");
        Map<String, String> options = KuaishouSimulatorFixture.presetAgainst(base);
        syncAndCompare("kuaishou_orders", kuaishou, options, tenants, Duration.ofHours(12));
    }

    @Test
    void taobaoPageNumbersWithTotals() throws Exception {
        TaobaoSim taobao = sim.add(TaobaoSim::new);
        Map<String, Tenant> tenants =
                addShops(
                        taobao,
                        2,
                        shop -> TaobaoSim.credentials(APP_KEY, APP_SECRET, "session-" + shop),
                        shop ->
                                Map.of(
                                        "app-key",
                                        APP_KEY,
                                        "app-secret",
                                        APP_SECRET,
                                        "session",
                                        "session-" + shop));
        sim.start(0);
        syncAndCompare(
                "taobao_trades",
                taobao,
                new HashMap<>(EndpointPresets.taobaoTradesIncrement(sim.baseUrl("taobao"))),
                tenants,
                Duration.ofHours(12));
    }

    @Test
    void jushuitanPageNumbersWithTotals() throws Exception {
        JushuitanSim jushuitan = sim.add(JushuitanSim::new);
        Map<String, Tenant> tenants =
                addShops(
                        jushuitan,
                        2,
                        shop -> JushuitanSim.credentials(APP_KEY, APP_SECRET, "token-" + shop),
                        shop ->
                                Map.of(
                                        "app-key",
                                        APP_KEY,
                                        "app-secret",
                                        APP_SECRET,
                                        "access-token",
                                        "token-" + shop));
        sim.start(0);
        Map<String, String> options =
                new HashMap<>(EndpointPresets.jushuitanOrders(sim.baseUrl("jushuitan")));
        options.put(
                "rate-limit.permits-per-second",
                "4"); // the simulator enforces 5/s and 100/min per company
        syncAndCompare("jushuitan_orders", jushuitan, options, tenants, Duration.ofDays(1));
    }

    @Test
    void youzanPageNumbersWithTokenEndpoint() throws Exception {
        YouzanSim youzan = sim.add(YouzanSim::new);
        Map<String, Tenant> tenants =
                addShops(
                        youzan,
                        2,
                        shop -> YouzanSim.credentials(APP_KEY, APP_SECRET),
                        shop ->
                                Map.of(
                                        "client-id",
                                        APP_KEY,
                                        "client-secret",
                                        APP_SECRET,
                                        "grant-id",
                                        shop));
        sim.start(0);
        syncAndCompare(
                "youzan_trades",
                youzan,
                new HashMap<>(EndpointPresets.youzanTrades(sim.baseUrl("youzan"))),
                tenants,
                Duration.ofDays(1));
    }

    private static Map<String, Tenant> addShops(
            OrderPlatformSim platform,
            int shops,
            java.util.function.Function<String, OrderPlatformSim.Credentials> credentials,
            java.util.function.Function<String, Map<String, String>> properties) {
        Map<String, Tenant> tenants = new java.util.LinkedHashMap<>();
        for (int i = 1; i <= shops; i++) {
            String shop = "shop-" + i;
            platform.addTenant(
                    shop, credentials.apply(shop), DataSpec.of(400 * i, 2 * DAY).seed(i));
            tenants.put(shop, Tenant.of(shop, properties.apply(shop)));
        }
        return tenants;
    }

    private void syncAndCompare(
            String table,
            OrderPlatformSim platform,
            Map<String, String> options,
            Map<String, Tenant> tenants,
            Duration step)
            throws Exception {
        options.put("retry.initial-backoff", "20 ms");
        POSTGRES.execute(PostgresRecordSink.createTable(table));
        BoundedRange range = BoundedRange.lastDays(3);
        long start = range.start();
        long end = range.end();
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(List.copyOf(tenants.values()))
                        .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                        .setWindowStep(step)
                        .setDeserializer(RecordDeserializer.raw())
                        .setExceptionPolicy(ExceptionPolicy.FAIL)
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(300);
        SyncJob job = new SyncJob(env, source, POSTGRES, table);
        env.execute(table);

        assertThat(job.events.collected()).as("exception events").isEmpty();
        for (String tenant : tenants.keySet()) {
            SinkAssertions.assertEqualsTruthWithin(
                    POSTGRES.updateTimes(table, tenant), platform.groundTruth(tenant), start, end);
        }
    }
}
