package io.httpsync.connector.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The concurrency limits of {@link HierarchicalRateLimiter}: with many tenants asking for many
 * requests at once, at most N tenants have requests in flight and at most M requests of one tenant
 * are in flight, counted from the grants themselves (a request is in flight from its grant to its
 * release), and every request is still granted.
 */
class ConcurrencyLimitsTest {
    private static final int MAX_TENANTS = 3;
    private static final int MAX_PER_TENANT = 2;

    @Test
    void atMostNTenantsAndMRequestsPerTenantAreInFlight() throws Exception {
        HierarchicalRateLimiter limiter = HierarchicalRateLimiter.evenShare(spec(), 1);
        ScheduledExecutorService answers = Executors.newScheduledThreadPool(4);
        Map<String, AtomicInteger> inFlightByTenant = new ConcurrentHashMap<>();
        AtomicInteger maxPerTenant = new AtomicInteger();
        AtomicInteger maxTenants = new AtomicInteger();
        List<CompletableFuture<Void>> requests = new ArrayList<>();
        try {
            for (int r = 0; r < 6; r++) {
                for (int t = 0; t < 8; t++) {
                    String tenant = "tenant-" + t;
                    CompletableFuture<Void> answered = new CompletableFuture<>();
                    requests.add(answered);
                    limiter.acquire(tenant)
                            .thenRun(
                                    () -> {
                                        AtomicInteger mine =
                                                inFlightByTenant.computeIfAbsent(
                                                        tenant, k -> new AtomicInteger());
                                        maxPerTenant.accumulateAndGet(
                                                mine.incrementAndGet(), Math::max);
                                        maxTenants.accumulateAndGet(
                                                tenantsInFlight(inFlightByTenant), Math::max);
                                        // the simulated answer: in flight for a while, then over
                                        // (counted down before the release)
                                        answers.schedule(
                                                () -> {
                                                    mine.decrementAndGet();
                                                    limiter.release(tenant);
                                                    answered.complete(null);
                                                },
                                                20,
                                                TimeUnit.MILLISECONDS);
                                    });
                }
            }
            CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
        } finally {
            answers.shutdownNow();
        }
        assertThat(maxPerTenant.get())
                .as("requests of one tenant in flight at once")
                .isEqualTo(MAX_PER_TENANT);
        assertThat(maxTenants.get())
                .as("tenants with requests in flight at once")
                .isEqualTo(MAX_TENANTS);
    }

    private static int tenantsInFlight(Map<String, AtomicInteger> inFlight) {
        return (int) inFlight.values().stream().filter(n -> n.get() > 0).count();
    }

    private static RateLimitSpec spec() {
        BucketSpec app =
                new BucketSpec(
                        "app", BucketScope.APP, 10_000, Duration.ofSeconds(1), 1_000, 1, false);
        return new RateLimitSpec(
                List.of(app),
                RateLimitSpec.Backend.JOB,
                null,
                "test-" + UUID.randomUUID(),
                "orders",
                0.97,
                new RateLimitSpec.Adaptive(0.25, 0.05, 0.5, 0.9, 1000),
                MAX_TENANTS,
                MAX_PER_TENANT);
    }
}
