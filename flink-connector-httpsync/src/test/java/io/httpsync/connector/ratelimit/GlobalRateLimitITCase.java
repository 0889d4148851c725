package io.httpsync.connector.ratelimit;

import io.httpsync.simulator.Accounting;

import org.junit.jupiter.api.Test;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded sync at parallelism 4 of one big shop and many small ones, against the simulator with
 * its limits set to the configured buckets: the platform refuses nothing, every record arrives, and
 * the app limit is used by whichever subtasks are busy (a rate / parallelism split could not come
 * near it once the small shops are done).
 */
class GlobalRateLimitITCase {

    @Test
    void skewedTenantsAtParallelismFourAreNeverRefusedAndUseTheWholeBudget() throws Exception {
        try (RateLimitedKuaishou platform = new RateLimitedKuaishou(3000, 8, 60, 30, 20)) {
            long end = System.currentTimeMillis() - 2 * 60_000;
            long start = end - 7 * DAY;
            assertThat(platform.syncDistinctRecords(platform.options(0.9), start, end, 4))
                    .isEqualTo(platform.liveRecords(start, end));
            assertThat(platform.totalRefused()).as("requests refused by the platform").isZero();
            Accounting.Stats app = platform.appStats();
            assertThat(app.maxPerSecond()).isLessThanOrEqualTo(platform.appLimit);
            assertThat(app.served()).isGreaterThan(60);
            // one big shop at its own limit of 20 plus the small ones: a fixed quarter of 30 per
            // subtask stays at 7.5
            assertThat(app.maxPerSecond())
                    .as("the app budget is used, not a quarter of it")
                    .isGreaterThanOrEqualTo(20);
        }
    }
}
