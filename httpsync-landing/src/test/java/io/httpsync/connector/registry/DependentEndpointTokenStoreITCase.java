package io.httpsync.connector.registry;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.source.DependentEndpoint;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Order list → order detail per order against the simulator's Kuaishou, whose refresh tokens work
 * exactly once, with the shops' tokens in the tenant registry's token store in PostgreSQL: the
 * detail requests (two parallel instances) use the source's tokens through that store. When the
 * access tokens die while both the list and the details need them, each shop's token is refreshed
 * once for all of them, and no refresh token is presented twice (the simulator would refuse it).
 */
class DependentEndpointTokenStoreITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "ks-app-dependent";
    private static final String APP_SECRET = "AppSecret-dependent-0123";
    private static final String SIGN_SECRET = "SignSecret-dependent-3210";
    private static final List<String> SHOPS = List.of("shop-a", "shop-b");

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private final Simulator sim = new Simulator(73);
    private KuaishouSim kuaishou;
    private long start;

    @BeforeEach
    void startSimulator() throws Exception {
        kuaishou = sim.add(KuaishouSim::new);
        for (int i = 0; i < SHOPS.size(); i++)
            kuaishou.addTenant(
                    SHOPS.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(40, DAY).seed(i));
        kuaishou.refreshGraceMillis(0).latency(5, 0);
        sim.start(0);
        start = System.currentTimeMillis() - DAY - 60_000;
        for (String table : List.of("dep_shops", "dep_shop_tokens", "dep_orders", "dep_details"))
            POSTGRES.execute("DROP TABLE IF EXISTS " + table);
        POSTGRES.execute(JdbcTenantRegistry.tenantTableDdl("dep_shops", false));
        POSTGRES.execute(PostgresRecordSink.createTable("dep_orders"));
        POSTGRES.execute(PostgresRecordSink.createTable("dep_details"));
        for (String shop : SHOPS)
            KuaishouRegistrySource.register(
                    POSTGRES,
                    "dep_shops",
                    shop,
                    KuaishouRegistrySource.tenantProperties(
                            APP_KEY, APP_SECRET, SIGN_SECRET, kuaishou.issueRefreshToken(shop)));
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** The list source: tenants from the registry, tokens in its store, as a config would say. */
    private HttpSyncSource<RawRecord> source(String base) {
        Map<String, String> o =
                KuaishouRegistrySource.options(
                        base, POSTGRES, start, "dep_shops", "dep_shop_tokens");
        return HttpSyncSource.<RawRecord>builder()
                .setConfiguration(Configuration.fromMap(o))
                .setDeserializer(RecordDeserializer.raw())
                .build();
    }

    /** The detail per order, with the same token request as the list's. */
    private static DependentEndpoint details(String base) {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrderDetail(base));
        o.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        o.put("retry.initial-backoff", "20 ms");
        o.put("retry.max-backoff", "200 ms");
        o.put("response.record.id-path", "/orderBaseInfo/oid");
        o.put("response.record.time-path", "/orderBaseInfo/updateTime");
        return DependentEndpoint.detailPerId(EndpointSpec.fromOptions(o), "/orderBaseInfo/oid")
                .build();
    }

    @Test
    void detailRequestsUseTheSourcesStoredTokensAndNoRefreshTokenIsPresentedTwice()
            throws Exception {
        String base = sim.baseUrl(KuaishouSim.NAME);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(300);
        HttpSyncSource<RawRecord> source = source(base);
        DataStream<SyncElement<RawRecord>> elements =
                env.fromSource(source, source.watermarkStrategy(), "orders").uid("orders");
        SingleOutputStreamOperator<RawRecord> orders =
                HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
        SingleOutputStreamOperator<RawRecord> details =
                HttpSyncStreams.dependent(orders, details(base), source, "details");
        orders.sinkTo(PostgresRecordSink.upsertInto("dep_orders", POSTGRES.connectionOptions()))
                .uid("orders-postgres");
        details.sinkTo(PostgresRecordSink.upsertInto("dep_details", POSTGRES.connectionOptions()))
                .uid("details-postgres");
        CollectingSink<ExceptionEvent> events = new CollectingSink<>("dependent-token-events");
        orders.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                .union(details.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS))
                .sinkTo(events)
                .uid("events");

        long started = System.nanoTime();
        JobClient job = env.executeAsync("dependent endpoint with stored tokens");
        try {
            KuaishouRegistrySource.await("orders and details are synced", this::everythingSynced);
            long synced = System.nanoTime();
            for (String shop : SHOPS)
                assertThat(KuaishouRegistrySource.tokenRequests(sim, shop))
                        .as("token requests of %s", shop)
                        .hasSize(1);

            // the access tokens die; orders change, so the list and the details need new ones
            long detailsBefore = detailStats().served();
            for (String shop : SHOPS) {
                kuaishou.tokens().expireAll(shop);
                for (int i = 0; i < 3; i++) kuaishou.tenant(shop).updateRandom();
            }
            KuaishouRegistrySource.await(
                    "the changes and their details are synced", this::everythingSynced);
            System.out.printf(
                    "dependent endpoint with stored tokens: first sync %d ms, after the token death"
                            + " %d ms%n",
                    (synced - started) / 1_000_000, (System.nanoTime() - synced) / 1_000_000);
            assertThat(detailStats().served())
                    .as("detail requests after the change")
                    .isGreaterThan(detailsBefore);
        } finally {
            job.cancel().get();
        }
        assertThat(
                        sim.accounting().tokenRequests().stream()
                                .filter(e -> !e.outcome().equals("ok"))
                                .toList())
                .as("refused token requests (a refresh token presented twice)")
                .isEmpty();
        for (String shop : SHOPS)
            assertThat(KuaishouRegistrySource.tokenRequests(sim, shop))
                    .as("one refresh per token death of %s, shared by list and details", shop)
                    .hasSize(2);
        assertThat(events.collected()).isEmpty();
    }

    private boolean everythingSynced() throws Exception {
        for (String shop : SHOPS)
            for (String table : List.of("dep_orders", "dep_details"))
                try {
                    SinkAssertions.assertEqualsTruth(
                            POSTGRES.updateTimes(table, shop), kuaishou.groundTruth(shop));
                } catch (AssertionError notYet) {
                    return false;
                }
        return true;
    }

    private Accounting.Stats detailStats() {
        return sim.accounting().endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL);
    }
}
