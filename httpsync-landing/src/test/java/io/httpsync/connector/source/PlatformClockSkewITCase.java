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
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.testutils.logging.LoggerAuditingExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A platform whose clock runs 3 minutes behind ours, followed continuously with a lag of 10 s: the
 * sync position never passes the platform's own "now", so nothing the platform stamps later is
 * missed behind it.
 */
class PlatformClockSkewITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final long BEHIND = Duration.ofMinutes(3).toMillis();
    private static final Duration LAG = Duration.ofSeconds(10);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    final LoggerAuditingExtension skewWarnings =
            new LoggerAuditingExtension(
                    "io.httpsync.connector.source.enumerator.PlatformClockTracker", Level.WARN);

    private final Simulator sim = new Simulator(29);

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void aContinuousSyncOfAPlatformWhoseClockRunsBehindMissesNothingBehindThePosition()
            throws Exception {
        sim.clock().advance(-BEHIND); // before the data: the shop's records are stamped by its own
        // clock
        KuaishouSim kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                "shop-1",
                KuaishouSim.credentials("app-key-1", "app-secret-1", "sign-secret-1"),
                DataSpec.of(1500, 2 * DAY));
        kuaishou.mutateContinuously("shop-1", new MutationRates(30, 4, 1));
        sim.start(0);
        Map<String, String> options =
                KuaishouSimulatorFixture.presetAgainst(sim.baseUrl("kuaishou"));
        options.put("retry.initial-backoff", "20 ms");
        Tenant tenant =
                Tenant.of(
                        "shop-1",
                        Map.of(
                                "app-key",
                                "app-key-1",
                                "app-secret",
                                "app-secret-1",
                                "sign-secret",
                                "sign-secret-1"));
        POSTGRES.execute(PostgresRecordSink.createTable("skewed"));

        long platformStart = sim.clock().now();
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(List.of(tenant))
                        .setContinuous(
                                Instant.ofEpochMilli(
                                        System.currentTimeMillis() - 2 * DAY - 2 * BEHIND),
                                LAG,
                                Duration.ofMillis(500))
                        .setWindowStep(Duration.ofHours(6))
                        .setDeserializer(RecordDeserializer.raw())
                        .setExceptionPolicy(ExceptionPolicy.FAIL)
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(300);
        SyncJob job = new SyncJob(env, source, POSTGRES, "skewed");
        JobClient client = env.executeAsync("platform clock behind");
        try {
            // live changes stamped by the platform after the sync started must be behind the
            // position too
            long target = platformStart + 5_000;
            long deadline = System.currentTimeMillis() + 120_000;
            while (job.position() < target && System.currentTimeMillis() < deadline)
                Thread.sleep(200);
            long position = job.position();
            long platformNow = sim.clock().now();
            assertThat(position).as("sync position after 120 s").isGreaterThanOrEqualTo(target);
            GroundTruth truth = kuaishou.groundTruth("shop-1");
            int checked =
                    SinkAssertions.assertCompleteUpTo(
                            POSTGRES.updateTimes("skewed", "shop-1"), truth, position);
            assertThat(job.positions.collected())
                    .as("no position passed the platform's now minus the lag")
                    .allSatisfy(
                            p -> assertThat(p).isLessThanOrEqualTo(platformNow - LAG.toMillis()));
            assertThat(checked).isGreaterThan(1000);
            assertThat(
                            truth.live().stream()
                                    .filter(
                                            r ->
                                                    r.updateTime() >= platformStart
                                                            && r.updateTime() < position))
                    .as("records changed live during the sync and covered by the position")
                    .hasSizeGreaterThan(50);
            assertThat(job.events.collected()).isEmpty();
            assertThat(skewWarnings.getMessages())
                    .anySatisfy(m -> assertThat(m).contains("runs PT3M").contains("behind ours"));
        } finally {
            client.cancel().get();
        }
    }
}
