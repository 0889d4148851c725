package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SyncJob;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new shop with a month of history, synced continuously under a tight limit: its last hour is in
 * the sink within seconds, while its history is still loading behind it; in the end the sink equals
 * the platform's records.
 */
class RecentFirstITCase {
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final Duration LAG = Duration.ofSeconds(5);
    private static final String SHOP = "shop-1";

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(1)
                            .build());

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private final Simulator sim = new Simulator(41);

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void aNewShopsLastHourIsInWithinSecondsWhileItsMonthOfHistoryLoadsBehindIt() throws Exception {
        KuaishouSim kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                SHOP,
                KuaishouSim.credentials("app-key-1", "app-secret-1", "sign-secret-1"),
                DataSpec.of(6000, 30 * DAY));
        sim.start(0);
        Map<String, String> options =
                KuaishouSimulatorFixture.presetAgainst(sim.baseUrl("kuaishou"));
        options.put("retry.initial-backoff", "20 ms");
        // about 70 requests of history at 8 per second: many seconds, against one for the hour
        options.put("rate-limit.permits-per-second", "8");
        options.put("rate-limit.burst", "2");
        Tenant tenant =
                Tenant.of(
                        SHOP,
                        Map.of(
                                "app-key",
                                "app-key-1",
                                "app-secret",
                                "app-secret-1",
                                "sign-secret",
                                "sign-secret-1"));
        POSTGRES.execute(PostgresRecordSink.createTable("recent_first"));

        long now = sim.clock().now();
        GroundTruth truth = kuaishou.groundTruth(SHOP);
        Map<String, Long> lastHour = new java.util.HashMap<>();
        for (GroundTruth.TruthRecord r : truth.live())
            if (r.updateTime() >= now - HOUR) lastHour.put(r.id(), r.updateTime());
        assertThat(lastHour).as("the last hour must hold records").hasSizeGreaterThan(3);

        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(List.of(tenant))
                        .setContinuous(
                                Instant.ofEpochMilli(now - 31 * DAY), LAG, Duration.ofMillis(500))
                        .setWindowStep(Duration.ofDays(1))
                        .setRecentSpan(Duration.ofHours(2))
                        .setHistoryShare(0.2)
                        .setDeserializer(RecordDeserializer.raw())
                        .setExceptionPolicy(ExceptionPolicy.FAIL)
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(300);
        SyncJob job = new SyncJob(env, source, POSTGRES, "recent_first");
        long started = System.currentTimeMillis();
        JobClient client = env.executeAsync("recent windows first");
        try {
            long deadline = started + 180_000;
            long firstRecord = -1;
            Map<String, Long> sink = POSTGRES.updateTimes("recent_first", SHOP);
            while (!sink.entrySet().containsAll(lastHour.entrySet())
                    && System.currentTimeMillis() < deadline) {
                if (firstRecord < 0 && !sink.isEmpty()) firstRecord = System.currentTimeMillis();
                Thread.sleep(100);
                sink = POSTGRES.updateTimes("recent_first", SHOP);
            }
            long lastHourInAt = System.currentTimeMillis();
            if (firstRecord < 0) firstRecord = lastHourInAt; // both came with the same poll
            // measured from the first record in the sink: the job's start on a loaded machine
            // says nothing about the order of the windows
            long lastHourIn = lastHourInAt - firstRecord;
            assertThat(sink).as("the last hour").containsAllEntriesOf(lastHour);
            assertThat(lastHourIn)
                    .as("ms from the first record in the sink until the last hour is in")
                    .isLessThan(5_000);
            assertThat(sink.size())
                    .as("the history is still loading when the last hour is in")
                    .isLessThan(truth.live().size() / 2);
            assertThat(job.position())
                    .as("the position waits for the history")
                    .isLessThan(now - DAY);

            while (job.position() < now && System.currentTimeMillis() < deadline) Thread.sleep(200);
            long historyIn = System.currentTimeMillis() - firstRecord;
            assertThat(job.position()).as("sync position after 120 s").isGreaterThan(now);
            assertThat(historyIn)
                    .as("the history took longer than the last hour (%s ms)", lastHourIn)
                    .isGreaterThan(lastHourIn + 2_000);
            SinkAssertions.assertEqualsTruth(POSTGRES.updateTimes("recent_first", SHOP), truth);
            assertThat(job.events.collected()).isEmpty();
        } finally {
            client.cancel().get();
        }
    }
}
