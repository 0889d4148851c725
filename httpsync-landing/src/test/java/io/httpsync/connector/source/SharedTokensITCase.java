package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.testutil.BoundedRange;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.Savepoints;
import io.httpsync.connector.testutil.SinkAssertions;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One token per tenant per job, on a MiniCluster of two TaskManagers with two readers, against the
 * simulator's Kuaishou OAuth with strictly single-use refresh tokens (no grace): two readers
 * refreshing a shop on their own would present the same refresh token twice and get {@code
 * refreshToken.discarded}. The shops' access tokens die early, again and again, while the job runs;
 * each death costs exactly one token request. A job restored from a savepoint taken after the
 * refresh tokens rotated goes on with the rotated ones, not the spent ones of its configuration.
 */
class SharedTokensITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "ks-app-tokens";
    private static final String APP_SECRET = "AppSecret-tokens-0123";
    private static final String SIGN_SECRET = "SignSecret-tokens-3210";
    private static final List<String> SHOPS = List.of("shop-1", "shop-2");
    private static final int RECORDS_PER_SHOP = 2500;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private final Simulator sim = new Simulator(53);
    private KuaishouSim kuaishou;

    /** The refresh token each shop's configuration holds: spent by the first job that uses it. */
    private final Map<String, String> configuredRefreshTokens = new HashMap<>();

    private long start;
    private long end;

    @BeforeEach
    void startSimulator() {
        kuaishou = sim.add(KuaishouSim::new);
        for (int i = 0; i < SHOPS.size(); i++) {
            kuaishou.addTenant(
                    SHOPS.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(RECORDS_PER_SHOP, 2 * DAY).seed(i));
        }
        kuaishou.refreshGraceMillis(0).latency(10, 0);
        sim.start(0);
        for (String shop : SHOPS)
            configuredRefreshTokens.put(shop, kuaishou.issueRefreshToken(shop));
        BoundedRange range = BoundedRange.lastDays(3);
        start = range.start();
        end = range.end();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private HttpSyncSource<RawRecord> source() {
        String base = sim.baseUrl("kuaishou");
        Map<String, String> options = new HashMap<>(EndpointPresets.kuaishouOrders(base));
        options.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        options.put("retry.initial-backoff", "20 ms");
        options.put("retry.max-backoff", "200 ms");
        options.put(
                "rate-limit.permits-per-second",
                "12"); // per shop: the job runs long enough for tokens to die
        options.put("rate-limit.burst", "1");
        // the test kills tokens far more often than a platform does: a page waiting for its permit
        // may meet every death
        options.put("auth.token.max-refreshes", "3");
        return HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(options))
                .setTenants(
                        SHOPS.stream()
                                .map(
                                        shop ->
                                                Tenant.of(
                                                        shop,
                                                        Map.of(
                                                                "app-key",
                                                                APP_KEY,
                                                                "app-secret",
                                                                APP_SECRET,
                                                                "sign-secret",
                                                                SIGN_SECRET,
                                                                "refresh-token",
                                                                configuredRefreshTokens.get(shop))))
                                .toList())
                .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                .setWindowStep(Duration.ofHours(4))
                .setDeserializer(RecordDeserializer.raw())
                .setExceptionPolicy(ExceptionPolicy.FAIL)
                .build();
    }

    /** No restarts: a failover would fetch tokens of its own and blur the count. */
    private static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(200);
        return env;
    }

    private List<Accounting.TokenRequestEntry> tokenRequests(String shop) {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> shop.equals(e.tenant()))
                .toList();
    }

    private long discardedAnswers() {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> !e.outcome().equals("ok"))
                .count();
    }

    private long rows(String table) throws Exception {
        return POSTGRES.single("SELECT count(*) FROM " + table);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline)
                throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    /**
     * Kills every shop's access tokens (the platform's early invalidation) {@code deaths} times
     * while the job runs, each time only after the refresh that the previous death caused: each
     * death is then exactly one refresh need.
     */
    private void killTokensRepeatedly(int deaths) throws InterruptedException {
        for (int death = 1; death <= deaths; death++) {
            int fetched = death;
            await(
                    "token number " + fetched + " of every shop was fetched",
                    () -> SHOPS.stream().allMatch(shop -> tokenRequests(shop).size() >= fetched));
            Thread.sleep(300); // readers use it for a while
            SHOPS.forEach(shop -> kuaishou.tokens().expireAll(shop));
        }
        await(
                "every shop's last dead token was replaced",
                () -> SHOPS.stream().allMatch(shop -> tokenRequests(shop).size() >= deaths + 1));
    }

    private void assertTableEqualsTruth(String table) throws Exception {
        for (String shop : SHOPS) {
            SinkAssertions.assertEqualsTruthWithin(
                    POSTGRES.updateTimes(table, shop), kuaishou.groundTruth(shop), start, end);
        }
    }

    @Test
    void
            everyEarlyTokenDeathCostsOneTokenRequestPerShopForAllReadersAndNoRefreshTokenIsPresentedTwice()
                    throws Exception {
        POSTGRES.execute(PostgresRecordSink.createTable("shared_token_orders"));
        StreamExecutionEnvironment env = env();
        SyncJob job = new SyncJob(env, source(), POSTGRES, "shared_token_orders");
        JobClient running = env.executeAsync("shared tokens");

        int deaths = 3;
        killTokensRepeatedly(deaths);
        assertThat(rows("shared_token_orders"))
                .as("the tokens died while the job was reading")
                .isLessThan(SHOPS.size() * RECORDS_PER_SHOP * 9L / 10);
        running.getJobExecutionResult().get();

        assertTableEqualsTruth("shared_token_orders");
        assertThat(job.events.collected()).isEmpty();
        assertThat(discardedAnswers()).as("refresh tokens presented twice").isZero();
        for (String shop : SHOPS) {
            assertThat(tokenRequests(shop))
                    .as("token requests of %s: the first token, then one per death", shop)
                    .hasSize(1 + deaths)
                    .allSatisfy(e -> assertThat(e.grant()).isEqualTo("refresh_token"));
        }
    }

    @Test
    void aJobRestoredAfterItsRefreshTokensRotatedGoesOnWithTheRotatedOnes(@TempDir Path savepoints)
            throws Exception {
        POSTGRES.execute(PostgresRecordSink.createTable("restored_token_orders"));
        StreamExecutionEnvironment first = env();
        new SyncJob(first, source(), POSTGRES, "restored_token_orders");
        JobClient running = first.executeAsync("before the savepoint");
        killTokensRepeatedly(1);
        await(
                "some rows are in",
                () -> {
                    try {
                        return rows("restored_token_orders") > 200;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        String savepoint = Savepoints.stopWithSavepoint(running, savepoints);
        assertThat(rows("restored_token_orders"))
                .as("stopped mid-sync")
                .isLessThan(SHOPS.size() * RECORDS_PER_SHOP);
        int requestsBefore = sim.accounting().tokenRequests().size();
        assertThat(requestsBefore)
                .as("each shop's configured refresh token was spent, and its successor too")
                .isEqualTo(4);

        StreamExecutionEnvironment second = env();
        SyncJob resumed =
                new SyncJob(
                        second,
                        source(),
                        POSTGRES,
                        "restored_token_orders"); // the spent tokens configured
        Savepoints.runRestored(second, savepoint);

        assertTableEqualsTruth("restored_token_orders");
        assertThat(resumed.events.collected()).isEmpty();
        assertThat(discardedAnswers())
                .as("a spent refresh token presented after the restore")
                .isZero();
        List<Accounting.TokenRequestEntry> afterRestore =
                sim.accounting()
                        .tokenRequests()
                        .subList(requestsBefore, sim.accounting().tokenRequests().size());
        assertThat(afterRestore)
                .as("one token per shop for the restored job, with the rotated refresh tokens")
                .extracting(e -> e.tenant() + " " + e.outcome())
                .containsExactlyInAnyOrder("shop-1 ok", "shop-2 ok");
    }
}
