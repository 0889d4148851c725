package io.httpsync.simulator;

import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A platform whose clock runs behind the client's: its Date headers and the update times it stamps
 * say so.
 */
class SimulatorClockOffsetTest {
    private static final long BEHIND = Duration.ofMinutes(3).toMillis();

    @Test
    void aClockOffsetFromTheCommandLineShowsInEveryDateHeaderAndEveryUpdateTime() throws Exception {
        try (Simulator sim =
                SimulatorMain.fromOptions(
                                SimulatorMain.parse(
                                        new String[] {
                                            "--platforms",
                                            "kuaishou",
                                            "--tenants",
                                            "1",
                                            "--records",
                                            "1000",
                                            "--clock-offset-seconds",
                                            "-180"
                                        }))
                        .start(0)) {
            OrderPlatformSim kuaishou = (OrderPlatformSim) sim.platform(KuaishouSim.NAME);
            kuaishou.mutateContinuously("shop-1", new MutationRates(20, 2, 0));
            Thread.sleep(300);

            long before = System.currentTimeMillis();
            TestHttp.Response answer =
                    TestHttp.get(sim.baseUrl("kuaishou") + "/open/order/cursor/list", Map.of());
            long after = System.currentTimeMillis();
            long date =
                    ZonedDateTime.parse(
                                    answer.headers().get("date").get(0),
                                    DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant()
                            .toEpochMilli();
            // the header has whole seconds
            assertThat(date).isBetween(before - BEHIND - 1000, after - BEHIND);

            GroundTruth truth = kuaishou.groundTruth("shop-1");
            long newest =
                    truth.live().stream()
                            .mapToLong(GroundTruth.TruthRecord::updateTime)
                            .max()
                            .orElseThrow();
            // at whole seconds, and a record updated twice within a second moves a second further
            assertThat(newest)
                    .as("the newest update time")
                    .isBetween(before - BEHIND - 1000, System.currentTimeMillis() - BEHIND + 2000);
            assertThat(sim.clock().offsetMillis()).isEqualTo(-BEHIND);
        }
    }
}
