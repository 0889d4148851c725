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
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.data.HotWindow;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.ekuaibao.EkuaibaoSim;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;
import io.httpsync.simulator.platform.taobao.TaobaoSim;
import io.httpsync.simulator.platform.youzan.YouzanSim;

import org.apache.flink.core.execution.JobClient;
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
 * The platform changes while it is synced: records move to newer update times (out of windows being
 * paged), new ones arrive, others are deleted; busy windows exceed the platform's deep-paging cap.
 */
class SyncUnderChangeITCase {
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

    private final Simulator sim = new Simulator(23);

    @AfterEach
    void stop() {
        sim.close();
    }

    /**
     * Cursor paging (Kuaishou) while the shop changes in the background: once the sync position has
     * passed a time, every record last updated before it is in the table in that version.
     */
    @Test
    void continuousCursorSyncMissesNothingBehindThePosition() throws Exception {
        KuaishouSim kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                "shop-1",
                KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                DataSpec.of(1500, 2 * DAY));
        kuaishou.mutateContinuously("shop-1", new MutationRates(40, 5, 2));
        kuaishou.mutatePerPage("shop-1", new MutationRates(2, 0, 1));
        sim.start(0);
        String base = sim.baseUrl("kuaishou");
        Map<String, String> options = KuaishouSimulatorFixture.presetAgainst(base);
        followAndCompare(
                "kuaishou_live",
                kuaishou,
                options,
                Tenant.of(
                        "shop-1",
                        Map.of(
                                "app-key",
                                APP_KEY,
                                "app-secret",
                                APP_SECRET,
                                "sign-secret",
                                SIGN_SECRET)));
    }

    /**
     * Page-number paging (Taobao) where every served page moves records of the window being paged
     * out of it, which shifts later records into pages already read: backward paging with total
     * checks must still lose nothing.
     */
    @Test
    void continuousPageNumberSyncUnderShiftingPagesMissesNothing() throws Exception {
        TaobaoSim taobao = sim.add(TaobaoSim::new);
        taobao.addTenant(
                "shop-1",
                TaobaoSim.credentials(APP_KEY, APP_SECRET, "session-1"),
                DataSpec.of(1500, 2 * DAY));
        taobao.mutateContinuously("shop-1", new MutationRates(20, 3, 1));
        taobao.mutatePerPage("shop-1", new MutationRates(3, 0, 1));
        sim.start(0);
        Map<String, String> options =
                new HashMap<>(EndpointPresets.taobaoTradesIncrement(sim.baseUrl("taobao")));
        options.put(
                "rate-limit.permits-per-second",
                "40"); // under the simulator's 100/s (a refusal bans for 60 s)
        options.put("pagination.page-size", "40");
        followAndCompare(
                "taobao_live",
                taobao,
                options,
                Tenant.of(
                        "shop-1",
                        Map.of(
                                "app-key",
                                APP_KEY,
                                "app-secret",
                                APP_SECRET,
                                "session",
                                "session-1")));
    }

    /**
     * Offset paging with a total that stays above zero past the end (Ekuaibao's expense flows)
     * while flows change, every served page moves some out of the window being paged, and tokens
     * die: both by expiring (a short lifetime, so the epoch-millis expiry drives refreshes) and
     * early (HTTP 403 before their time). Nothing may be missing or stale.
     */
    @Test
    void ekuaibaoOffsetSyncThroughTokenExpiryAndLiveChangesMissesNothing() throws Exception {
        EkuaibaoSim ekuaibao = sim.add(EkuaibaoSim::new);
        ekuaibao.tokenTtlMillis(3_000);
        ekuaibao.addTenant(
                "corp-1", EkuaibaoSim.credentials(APP_KEY, APP_SECRET), DataSpec.of(1500, 2 * DAY));
        ekuaibao.mutateContinuously("corp-1", new MutationRates(20, 3, 1));
        ekuaibao.mutatePerPage("corp-1", new MutationRates(2, 0, 1));
        ekuaibao.faults().probability(Fault.TOKEN_EXPIRED, 0.03);
        sim.start(0);
        Map<String, String> options =
                new HashMap<>(EndpointPresets.ekuaibaoFlows(sim.baseUrl("ekuaibao")));
        options.put("rate-limit.permits-per-second", "25"); // under the simulator's 30/s
        options.put("auth.token.max-refreshes", "5");
        followAndCompare(
                "ekuaibao_live",
                ekuaibao,
                options,
                Tenant.of("corp-1", Map.of("app-key", APP_KEY, "app-secret", APP_SECRET)));
        assertThat(sim.accounting().requests())
                .extracting(Accounting.RequestLogEntry::outcome)
                .as("early token deaths answered with HTTP 403")
                .contains("error:403");
        assertThat(sim.accounting().tokenRequests())
                .extracting(Accounting.TokenRequestEntry::outcome)
                .as("tokens fetched again and again, never refused")
                .hasSizeGreaterThan(2)
                .containsOnly("ok");
    }

    private void followAndCompare(
            String table, OrderPlatformSim platform, Map<String, String> options, Tenant tenant)
            throws Exception {
        POSTGRES.execute(PostgresRecordSink.createTable(table));
        options.put("retry.initial-backoff", "20 ms");
        long testStart = System.currentTimeMillis();
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(List.of(tenant))
                        .setContinuous(
                                Instant.ofEpochMilli(testStart - 2 * DAY - 60_000),
                                Duration.ofSeconds(2),
                                Duration.ofMillis(500))
                        .setWindowStep(Duration.ofHours(6))
                        .setDeserializer(RecordDeserializer.raw())
                        .setExceptionPolicy(ExceptionPolicy.FAIL)
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(300);
        SyncJob job = new SyncJob(env, source, POSTGRES, table);
        JobClient client = env.executeAsync(table);
        try {
            // the position must pass the moment the test started: then all history and some live
            // changes are in
            long deadline = System.currentTimeMillis() + 90_000;
            while (job.position() < testStart + 2_000 && System.currentTimeMillis() < deadline)
                Thread.sleep(200);
            long position = job.position();
            assertThat(position)
                    .as("sync position after 90 s")
                    .isGreaterThanOrEqualTo(testStart + 2_000);
            int checked =
                    SinkAssertions.assertCompleteUpTo(
                            POSTGRES.updateTimes(table, tenant.id()),
                            platform.groundTruth(tenant.id()),
                            position);
            assertThat(checked).isGreaterThan(1000);
            assertThat(
                            platform.groundTruth(tenant.id()).live().stream()
                                    .filter(
                                            r ->
                                                    r.updateTime() >= testStart
                                                            && r.updateTime() < position))
                    .as("records changed live during the sync and covered by the position")
                    .isNotEmpty();
            assertThat(job.events.collected()).isEmpty();
        } finally {
            client.cancel().get();
        }
    }

    /**
     * A sales event puts far more records into an hour than Youzan lets a client page through
     * (page_no x page_size <= 3200): the enumerator splits the window, recursively, and the result
     * is complete.
     */
    @Test
    void hotWindowsBeyondTheDeepPagingCapAreSplitAndComplete() throws Exception {
        YouzanSim youzan = sim.add(YouzanSim::new);
        youzan.addTenant(
                "shop-1",
                YouzanSim.credentials(APP_KEY, APP_SECRET),
                DataSpec.of(800, 2 * DAY)
                        .hotWindow(new HotWindow(DAY, Duration.ofHours(1).toMillis(), 7000)));
        sim.start(0);
        POSTGRES.execute(PostgresRecordSink.createTable("youzan_hot"));
        Map<String, String> options =
                new HashMap<>(EndpointPresets.youzanTrades(sim.baseUrl("youzan")));
        options.put("rate-limit.permits-per-second", "15"); // under the simulator's 20/s per shop
        BoundedRange range = BoundedRange.lastDays(3);
        long start = range.start();
        long end = range.end();
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(
                                List.of(
                                        Tenant.of(
                                                "shop-1",
                                                Map.of(
                                                        "client-id",
                                                        APP_KEY,
                                                        "client-secret",
                                                        APP_SECRET,
                                                        "grant-id",
                                                        "shop-1"))))
                        .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                        .setWindowStep(Duration.ofDays(1))
                        .setDeserializer(RecordDeserializer.raw())
                        .setExceptionPolicy(ExceptionPolicy.FAIL)
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(300);
        SyncJob job = new SyncJob(env, source, POSTGRES, "youzan_hot");
        env.execute("youzan hot windows");

        SinkAssertions.assertEqualsTruthWithin(
                POSTGRES.updateTimes("youzan_hot", "shop-1"),
                youzan.groundTruth("shop-1"),
                start,
                end);
        assertThat(job.events.collected()).isEmpty();
        List<Accounting.RequestLogEntry> requests = sim.accounting().requests();
        assertThat(requests)
                .as("no request was refused by the paging cap")
                .allMatch(r -> r.outcome().equals("ok"));
        assertThat(
                        requests.stream()
                                .map(r -> r.position().replaceAll("\"page_no\":\\d+,?", ""))
                                .distinct()
                                .count())
                .as("distinct windows requested: the hot day was split into narrower windows")
                .isGreaterThan(4);
    }
}
