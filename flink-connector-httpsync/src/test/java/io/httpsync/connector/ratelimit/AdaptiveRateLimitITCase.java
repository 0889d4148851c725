package io.httpsync.connector.ratelimit;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app limit is unknown to the connector (its bucket only states a ceiling three times too high)
 * and the platform bans the app for a second when it is exceeded: AIMD finds the limit, the ban is
 * waited out, the rate recovers, and fewer than 10 % of the requests are refused. A ban that does
 * not say how long it lasts refuses every request in flight, twice (the first retry is paced by the
 * cut rate, only the second waits {@code retry.rate-limited-wait}), each time a probe overshoots; a
 * limit without ban (OverLimitITCase) stays under 5 %.
 */
class AdaptiveRateLimitITCase {

    @Test
    void anUnknownLimitIsFoundWithFewRefusalsAndTheRateRecoversAfterTheBan() throws Exception {
        try (RateLimitedKuaishou platform = new RateLimitedKuaishou(6000, 8, 60, 20, 1000)) {
            platform.fixture
                    .kuaishou
                    .limits()
                    .set(
                            LimitRule.perSecond("app-api-qps", LimitScope.APP_API, 20)
                                    .withBan(Duration.ofSeconds(1)));
            Map<String, String> options = platform.options();
            options.put("rate-limit.bucket.app.permits", "60");
            options.put("rate-limit.bucket.app.adaptive", "true");
            options.put("rate-limit.adaptive.initial-fraction", "0.2");
            options.put("rate-limit.adaptive.increase", "0.05");
            options.put("rate-limit.adaptive.interval", "500 ms");
            options.put("rate-limit.adaptive.target-fraction", "0.85");
            options.put("retry.rate-limited-wait", "1 s");
            options.put("retry.max-rate-limited", "20");
            EndpointSpec spec = EndpointSpec.fromOptions(options);
            HierarchicalRateLimiter limiter =
                    HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1);
            int pages;
            try (PageFetcher fetcher = new PageFetcher(spec, limiter, FetchListener.NONE)) {
                pages = Pager.all(fetcher, platform.tenants, System.currentTimeMillis(), 6).get();
            }
            Accounting.Stats app = platform.appStats();
            BucketMetrics metrics = limiter.metrics().get("app");
            assertThat(pages).isGreaterThan(150);
            assertThat(metrics.rejections())
                    .as("the limit was found by running into it")
                    .isPositive();
            assertThat((double) app.refused() / (app.served() + app.refused()))
                    .as("share of refused requests")
                    .isLessThan(0.10);
            // a cut leaves the rate at most half of a refused rate above 20 (about 11); it grew
            // back after the ban
            assertThat(metrics.ratePerSecond())
                    .as("adaptive rate at the end")
                    .isGreaterThan(14)
                    .isLessThanOrEqualTo(60);
        }
    }
}
