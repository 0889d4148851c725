package io.httpsync.connector.ratelimit;

import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configured app limit is three times what the platform allows (30/s configured, 10/s real,
 * refused with a code inside HTTP 200 and no wait), and nothing but the defaults adapt to it: a
 * bounded sync at parallelism 2, whose two readers share the job's adapted rate, converges near the
 * real limit after a warm-up, few requests are refused, and every record arrives.
 */
class OverLimitITCase {
    private static final int REAL = 10;
    private static final long WARM_UP_MILLIS = 8_000;

    @Test
    void aLimitThreeTimesTooHighIsFoundByTheWholeJobWithFewRefusalsAndNoRecordMissing()
            throws Exception {
        try (RateLimitedKuaishou platform = new RateLimitedKuaishou(1600, 2, 200, REAL, 1000)) {
            Map<String, String> options = platform.options();
            options.put("rate-limit.bucket.app.permits", String.valueOf(3 * REAL));
            options.put("pagination.page-size", "10"); // many requests, few records
            long end = System.currentTimeMillis() - 2 * 60_000;
            long start = end - 7 * DAY;
            assertThat(platform.syncDistinctRecords(options, start, end, 2))
                    .as("records, against the ground truth")
                    .isEqualTo(platform.liveRecords(start, end));
            Accounting.Stats app = platform.appStats();
            List<Long> accepted =
                    platform.fixture.sim.accounting().requests().stream()
                            .filter(e -> e.endpoint().endsWith("/" + KuaishouSim.ORDER_LIST))
                            .filter(e -> e.outcome().equals("ok"))
                            .map(Accounting.RequestLogEntry::time)
                            .sorted()
                            .toList();
            long from = accepted.get(0) + WARM_UP_MILLIS;
            long to = accepted.get(accepted.size() - 1);
            long after = accepted.stream().filter(t -> t >= from).count();
            List<Long> refusedAt =
                    platform.refusalTimes().stream().map(t -> t - accepted.get(0)).toList();
            long refusedAfter = refusedAt.stream().filter(t -> t >= WARM_UP_MILLIS).count();
            // Finding the limit costs a few refusals at the start whatever the run's length (the
            // first second goes out at the configured 30/s); what must stay small is the share
            // once it is found. The bench (150 s) measures the whole run's share: 2.7 %.
            assertThat(refusedAt.size() - refusedAfter)
                    .as(
                            "refusals while the limit is found (ms after the first request: %s)",
                            refusedAt)
                    .isLessThanOrEqualTo(3 * REAL);
            assertThat((double) refusedAfter / (after + refusedAfter))
                    .as(
                            "share of refused requests after the warm-up (refused at ms %s; %s)",
                            refusedAt, app)
                    .isLessThan(0.05);
            assertThat(to - from).as("the sync outlasts the warm-up").isGreaterThan(8_000);
            StringBuilder perSecond = new StringBuilder();
            long first = accepted.get(0);
            int[] counts = new int[(int) ((to - first) / 1000) + 1];
            accepted.forEach(t -> counts[(int) ((t - first) / 1000)]++);
            for (int c : counts) perSecond.append(c).append(' ');
            assertThat(after * 1000.0 / (to - from) / REAL)
                    .as(
                            "accepted rate after the warm-up, as a share of the real limit"
                                    + " (accepted per second: %s; %s)",
                            perSecond, app)
                    // 0.85-0.9 on a quiet machine (AdaptiveRateTest's model); 0.73-0.78 measured on
                    // 2 cores at load average 13-41, where arrivals bunch and cut the rate lower.
                    // What this guards against is backing off into idleness (about 0.1 before the
                    // adaptive limiter), so the bound leaves room for a loaded machine.
                    .isGreaterThanOrEqualTo(0.6);
        }
    }
}
