package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.testutil.BoundedRange;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.Savepoints;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SyncJob;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.connector.base.source.reader.SourceReaderOptions;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failures of every kind: a stop with a savepoint and a restore, platform faults, a request that
 * keeps failing.
 */
class RecoveryITCase {
    /** Fixed, so that the pages a restart may read again are bounded. */
    private static final int SPLITS_IN_FLIGHT = 4;

    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String APP_KEY = "app-key-1";
    private static final String APP_SECRET = "app-secret-1";
    private static final String SIGN_SECRET = "sign-secret-1";
    private static final List<String> SHOPS = List.of("shop-1", "shop-2");

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private final Simulator sim = new Simulator(31);
    private KuaishouSim kuaishou;
    private long start;
    private long end;

    @BeforeEach
    void startSimulator() {
        kuaishou = sim.add(KuaishouSim::new);
        for (int i = 0; i < SHOPS.size(); i++) {
            kuaishou.addTenant(
                    SHOPS.get(i),
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(1200, 2 * DAY).seed(i));
        }
        sim.start(0);
        BoundedRange range = BoundedRange.lastDays(3);
        start = range.start();
        end = range.end();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private HttpSyncSource<RawRecord> source(
            Map<String, String> overrides, ExceptionPolicy policy) {
        return source(overrides, policy, SPLITS_IN_FLIGHT);
    }

    private HttpSyncSource<RawRecord> source(
            Map<String, String> overrides, ExceptionPolicy policy, int splitsInFlight) {
        String base = sim.baseUrl("kuaishou");
        Map<String, String> options = KuaishouSimulatorFixture.presetAgainst(base);
        options.put("retry.initial-backoff", "20 ms");
        options.put("retry.max-backoff", "200 ms");
        options.putAll(overrides);
        return HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(options))
                .setTenants(
                        SHOPS.stream()
                                .map(
                                        s ->
                                                Tenant.of(
                                                        s,
                                                        Map.of(
                                                                "app-key",
                                                                APP_KEY,
                                                                "app-secret",
                                                                APP_SECRET,
                                                                "sign-secret",
                                                                SIGN_SECRET)))
                                .toList())
                .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                .setWindowStep(Duration.ofHours(4))
                .setFailedWindowRetryDelay(Duration.ofMillis(300))
                .setDeserializer(RecordDeserializer.raw())
                .setExceptionPolicy(policy)
                .setSplitsInFlightPerReader(splitsInFlight)
                .build();
    }

    private static StreamExecutionEnvironment env() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(200);
        return env;
    }

    private void assertTableEqualsTruth(String table) throws Exception {
        for (String shop : SHOPS) {
            SinkAssertions.assertEqualsTruthWithin(
                    POSTGRES.updateTimes(table, shop), kuaishou.groundTruth(shop), start, end);
        }
    }

    /** The pages the platform answered with data: tenant and paging position. */
    private static Set<String> servedPages(List<Accounting.RequestLogEntry> log) {
        return log.stream()
                .filter(r -> r.outcome().equals("ok"))
                .map(r -> r.tenant() + " " + r.position())
                .collect(Collectors.toSet());
    }

    @Test
    void stopWithSavepointAndRestoreCompletesWithoutRequestingFinishedPagesAgain(
            @TempDir Path savepoints) throws Exception {
        POSTGRES.execute(PostgresRecordSink.createTable("savepoint_orders"));
        kuaishou.latency(30, 0);
        Map<String, String> slow =
                Map.of("rate-limit.permits-per-second", "16", "rate-limit.burst", "1");

        StreamExecutionEnvironment first = env();
        new SyncJob(first, source(slow, ExceptionPolicy.FAIL), POSTGRES, "savepoint_orders");
        JobClient running = first.executeAsync("before the savepoint");
        int total = 2400;
        long deadline = System.currentTimeMillis() + 60_000;
        while (countRows("savepoint_orders") < total * 2 / 5
                && System.currentTimeMillis() < deadline) Thread.sleep(50);
        // pages answered before the savepoint is even triggered: their records were emitted before
        // its barrier,
        // unless the page was still in flight inside the reader (at most one per split, plus
        // Flink's element queue)
        List<Accounting.RequestLogEntry> before = sim.accounting().requests();
        String savepoint = Savepoints.stopWithSavepoint(running, savepoints);
        long rowsAtSavepoint = countRows("savepoint_orders");
        assertThat(rowsAtSavepoint)
                .as("stopped mid-sync")
                .isBetween((long) total * 2 / 5, (long) total - 100);

        StreamExecutionEnvironment second = env();
        SyncJob resumed =
                new SyncJob(
                        second,
                        source(Map.of(), ExceptionPolicy.FAIL),
                        POSTGRES,
                        "savepoint_orders");
        Savepoints.runRestored(second, savepoint);

        assertTableEqualsTruth("savepoint_orders");
        assertThat(resumed.events.collected()).isEmpty();
        List<Accounting.RequestLogEntry> all = sim.accounting().requests();
        Set<String> servedBefore = servedPages(before);
        Set<String> again = new HashSet<>(servedPages(all.subList(before.size(), all.size())));
        again.retainAll(servedBefore);
        int fetchedNotEmittedPerReader =
                SPLITS_IN_FLIGHT + SourceReaderOptions.ELEMENT_QUEUE_CAPACITY.defaultValue();
        int bound = 2 * fetchedNotEmittedPerReader;
        assertThat(servedBefore).as("pages read before the savepoint").hasSizeGreaterThan(bound);
        assertThat(again)
                .as("pages read before the savepoint and requested again after the restore")
                .hasSizeLessThanOrEqualTo(bound);
    }

    @Test
    void faultsAtAFewPercentLoseNothing() throws Exception {
        POSTGRES.execute(PostgresRecordSink.createTable("faulty_orders"));
        kuaishou.faults()
                .probability(Fault.SERVER_ERROR, 0.03)
                .probability(Fault.HTML_PAGE, 0.02)
                .probability(Fault.MALFORMED_JSON, 0.02)
                .probability(Fault.TIMEOUT, 0.02)
                .probability(Fault.TOKEN_EXPIRED, 0.02)
                .timeoutDelayMillis(1500);
        StreamExecutionEnvironment env = env();
        SyncJob job =
                new SyncJob(
                        env,
                        source(
                                Map.of(
                                        "request.timeout",
                                        "500 ms",
                                        "rate-limit.permits-per-second",
                                        "200",
                                        "rate-limit.burst",
                                        "10"),
                                ExceptionPolicy.FAIL),
                        POSTGRES,
                        "faulty_orders");
        env.execute("faults");

        assertTableEqualsTruth("faulty_orders");
        assertThat(job.events.collected()).isEmpty();
        long served = sim.accounting().endpoint("kuaishou/" + KuaishouSim.ORDER_LIST).served();
        long pagesOk =
                sim.accounting().requests().stream().filter(r -> r.outcome().equals("ok")).count();
        assertThat(served - pagesOk)
                .as(
                        "requests that met a fault (%s served, %s pages answered) and were retried",
                        served, pagesOk)
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aRequestThatKeepsFailingBecomesAnExceptionEventAndItsWindowIsRetried() throws Exception {
        POSTGRES.execute(PostgresRecordSink.createTable("failing_orders"));
        kuaishou.faults().script(Fault.SERVER_ERROR, Fault.SERVER_ERROR, Fault.SERVER_ERROR);
        StreamExecutionEnvironment env = env();
        // one request at a time, so the three scripted faults meet the same request and its two
        // retries
        env.setParallelism(1);
        SyncJob job =
                new SyncJob(
                        env,
                        source(
                                Map.of("retry.max-attempts", "3"),
                                ExceptionPolicy.RECORD_AND_RETRY,
                                1),
                        POSTGRES,
                        "failing_orders");
        env.execute("failing");

        List<ExceptionEvent> events = job.events.collected();
        assertThat(events).hasSize(1);
        ExceptionEvent e = events.get(0);
        assertThat(e.endpoint()).isEqualTo("kuaishou/open.order.cursor.list");
        assertThat(e.tenantId()).isIn(SHOPS);
        assertThat(e.windowStart()).isGreaterThanOrEqualTo(start);
        assertThat(e.windowEnd()).isGreaterThan(e.windowStart()).isLessThanOrEqualTo(end);
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.httpStatus()).isIn(502, 503);
        assertThat(e.message()).doesNotContain(SIGN_SECRET).doesNotContain(APP_SECRET);
        // the failed window was retried later, so nothing is missing
        assertTableEqualsTruth("failing_orders");
    }

    private static long countRows(String table) throws Exception {
        try (var c = POSTGRES.connect();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
