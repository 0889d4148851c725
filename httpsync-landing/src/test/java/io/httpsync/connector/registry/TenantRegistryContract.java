package io.httpsync.connector.registry;

import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.connector.testutil.SyncJob;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenants from a registry table while a continuous job runs, on every database the registry
 * supports (the registry, its token store and the sink in one real server per dialect), against the
 * simulator's Kuaishou with strictly single-use refresh tokens kept in the registry's token store:
 * tenants are added, disabled, re-enabled and re-authorized without a restart; a disabled tenant
 * gets no requests; the sink equals ground truth for every enabled tenant.
 */
abstract class TenantRegistryContract {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "ks-app-registry";
    private static final String APP_SECRET = "AppSecret-registry-0123";
    private static final String SIGN_SECRET = "SignSecret-registry-3210";
    private static final int RECORDS = 300;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    final Simulator sim = new Simulator(71);
    KuaishouSim kuaishou;
    private long start;

    /** The database of the registry, its token store and the sink. */
    abstract SqlDatabase db();

    @BeforeEach
    void startSimulator() throws Exception {
        kuaishou = sim.add(KuaishouSim::new);
        List<String> shops = List.of("shop-a", "shop-b", "shop-c");
        for (int i = 0; i < shops.size(); i++) {
            kuaishou.addTenant(
                    shops.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(RECORDS, 2 * DAY).seed(i));
        }
        kuaishou.refreshGraceMillis(0).latency(5, 0);
        sim.start(0);
        start = System.currentTimeMillis() - 2 * DAY - 60_000;
        db().execute("DROP TABLE IF EXISTS shops");
        db().execute("DROP TABLE IF EXISTS shop_tokens");
        db().execute(
                        JdbcTenantRegistry.tenantTableDdl(
                                "shops", db().dialect() == SqlDialect.MYSQL));
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Registers a shop, as the app's authorization flow would, with a fresh refresh token. */
    String register(String shop, boolean enabled) throws Exception {
        String refresh = kuaishou.issueRefreshToken(shop);
        db().execute(
                        "INSERT INTO shops (tenant_id, properties, enabled) VALUES ('"
                                + shop
                                + "', '"
                                + properties(refresh)
                                + "', "
                                + enabled
                                + ")");
        return refresh;
    }

    static String properties(String refreshToken) {
        return KuaishouRegistrySource.tenantProperties(
                APP_KEY, APP_SECRET, SIGN_SECRET, refreshToken);
    }

    /** The source as a config file or SQL table would describe it: options only. */
    HttpSyncSource<RawRecord> source() {
        Map<String, String> options =
                KuaishouRegistrySource.options(
                        sim.baseUrl("kuaishou"), db(), start, "shops", "shop_tokens");
        return HttpSyncSource.<RawRecord>builder()
                .setConfiguration(Configuration.fromMap(options))
                .setDeserializer(RecordDeserializer.raw())
                .build();
    }

    static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);
        return env;
    }

    private long listRequests(String shop) {
        return sim.accounting().requests().stream().filter(r -> shop.equals(r.tenant())).count();
    }

    List<Accounting.TokenRequestEntry> tokenRequests(String shop) {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> shop.equals(e.tenant()))
                .toList();
    }

    long failedTokenRequests() {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> !e.outcome().equals("ok"))
                .count();
    }

    /** Whether the table holds exactly the shop's live records, each in its newest version. */
    boolean equalsTruth(String table, String shop) {
        try {
            SinkAssertions.assertEqualsTruth(
                    db().updateTimes(table, shop), kuaishou.groundTruth(shop));
            return true;
        } catch (AssertionError e) {
            return false;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.call()) {
            if (System.currentTimeMillis() > deadline)
                throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void tenantsAddedDisabledReenabledAndReauthorizedWhileTheJobRunsAreSyncedWithoutARestart()
            throws Exception {
        register("shop-a", true);
        register("shop-c", false);
        db().execute(db().dialect().createRecordTable("registry_orders"));
        StreamExecutionEnvironment env = env();
        SyncJob job = new SyncJob(env, source(), db(), "registry_orders");
        JobClient running = env.executeAsync("tenant registry");
        try {
            await("shop-a is synced", () -> equalsTruth("registry_orders", "shop-a"));

            register("shop-b", true); // authorized while the job runs
            await("the new shop-b is synced", () -> equalsTruth("registry_orders", "shop-b"));

            db().execute("UPDATE shops SET enabled = FALSE WHERE tenant_id = 'shop-a'");
            Thread.sleep(1_500); // the poll, and the windows in flight finishing
            long requestsWhenDisabled = listRequests("shop-a");
            kuaishou.tenant("shop-a").insert(); // not synced while disabled
            kuaishou.tenant("shop-b").insert(); // the others go on
            await("shop-b's new order is synced", () -> equalsTruth("registry_orders", "shop-b"));
            Thread.sleep(1_000);
            assertThat(listRequests("shop-a"))
                    .as("requests for the disabled shop-a")
                    .isEqualTo(requestsWhenDisabled);
            assertThat(equalsTruth("registry_orders", "shop-a")).isFalse();

            // shop-b is re-authorized: a new refresh token in the registry, its access token dies
            String reauthorized = kuaishou.issueRefreshToken("shop-b");
            db().execute(
                            "UPDATE shops SET properties = '"
                                    + properties(reauthorized)
                                    + "' WHERE tenant_id = 'shop-b'");
            Thread.sleep(600);
            int tokensBefore = tokenRequests("shop-b").size();
            kuaishou.tokens().expireAll("shop-b");
            kuaishou.tenant("shop-b").insert();
            await(
                    "shop-b is synced with a token of its new authorization",
                    () -> equalsTruth("registry_orders", "shop-b"));
            assertThat(tokenRequests("shop-b")).hasSizeGreaterThan(tokensBefore);

            db().execute("UPDATE shops SET enabled = TRUE WHERE tenant_id = 'shop-a'");
            await(
                    "the re-enabled shop-a catches up from its position",
                    () -> equalsTruth("registry_orders", "shop-a"));
        } finally {
            running.cancel().get();
        }
        assertThat(listRequests("shop-c")).as("requests for shop-c, never enabled").isZero();
        assertThat(failedTokenRequests()).as("refresh tokens refused").isZero();
        assertThat(job.events.collected()).isEmpty();
    }
}
