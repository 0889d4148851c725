package io.httpsync.connector.ratelimit;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.testutil.RedisExtension;
import io.httpsync.simulator.Accounting;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two syncs (standing in for two jobs: each its own limiter and HTTP client) of the same app
 * against one real Redis server that this test starts on a free port: together they stay under the
 * one app budget and are never refused.
 */
class DistributedRateLimitITCase {
    @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

    @Test
    void twoJobsSharingOneRedisStayUnderOneBudget() throws Exception {
        try (RateLimitedKuaishou platform = new RateLimitedKuaishou(1500, 4, 60, 25, 100)) {
            Map<String, String> options = platform.options(0.9);
            options.put("rate-limit.backend", "redis");
            options.put("rate-limit.redis.uri", REDIS.uri());
            EndpointSpec spec = EndpointSpec.fromOptions(options);
            long end = System.currentTimeMillis();
            // each "job" has its own Redis connection and bucket proxies, as two JVMs would: they
            // share only Redis
            String uri = spec.rateLimits().redisUri();
            HierarchicalRateLimiter first =
                    new HierarchicalRateLimiter(spec.rateLimits(), new RedisBucketStore(uri));
            HierarchicalRateLimiter second =
                    new HierarchicalRateLimiter(spec.rateLimits(), new RedisBucketStore(uri));
            try (PageFetcher one = new PageFetcher(spec, first, FetchListener.NONE);
                    PageFetcher two = new PageFetcher(spec, second, FetchListener.NONE)) {
                CompletableFuture<Integer> a = Pager.all(one, platform.tenants, end, 3);
                CompletableFuture<Integer> b = Pager.all(two, platform.tenants, end, 3);
                assertThat(a.get() + b.get()).isGreaterThan(50);
            }
            Accounting.Stats app = platform.appStats();
            assertThat(platform.totalRefused()).as("requests refused by the platform").isZero();
            assertThat(app.maxPerSecond()).isLessThanOrEqualTo(platform.appLimit);
            assertThat(app.maxPerSecond()).as("the budget is used").isGreaterThanOrEqualTo(20);
            assertThat(
                            first.metrics().get("app").permitsGranted()
                                    + second.metrics().get("app").permitsGranted())
                    .isEqualTo(app.served());
        }
    }
}
