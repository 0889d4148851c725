package io.httpsync.connector.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.httpsync.connector.endpoint.EndpointSpec;
import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Bucket4j token bucket per tenant: {@code permitsPerSecond} refilled continuously, at most {@code burst} saved
 * up. A reservation takes a token even if the bucket is empty, so the bucket runs into debt and each caller learns
 * how long to wait; waiting callers are thereby spaced at the bucket's rate. A rate-limited answer puts the bucket
 * into a debt worth the pause, so that later reservations wait out the pause and then resume at the bucket's rate
 * instead of bursting. Thread-safe (Bucket4j's local buckets are lock-free).
 *
 * <p>This is the per-reader, per-tenant limiter of issue 3. Issue 4 makes rate limiting hierarchical (app, API,
 * tenant) and global (coordinated across subtasks, e.g. through Redis) behind the same {@link RateLimiter} interface.
 */
@Internal
public final class TenantTokenBucketRateLimiter implements RateLimiter {
    private final double permitsPerSecond;
    private final int burst;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public TenantTokenBucketRateLimiter(double permitsPerSecond, int burst) {
        if (!(permitsPerSecond > 0)) throw new IllegalArgumentException("permitsPerSecond must be positive, was " + permitsPerSecond);
        if (burst < 1) throw new IllegalArgumentException("burst must be at least 1, was " + burst);
        this.permitsPerSecond = permitsPerSecond;
        this.burst = burst;
    }

    /** The limiter of options {@code rate-limit.permits-per-second} and {@code rate-limit.burst}. */
    public static TenantTokenBucketRateLimiter of(EndpointSpec spec) {
        return new TenantTokenBucketRateLimiter(spec.retry().permitsPerSecond(), spec.retry().burst());
    }

    /**
     * One parallel instance's share of the options' rate, until issue 4 coordinates the budget across subtasks: each
     * of {@code parallelism} instances gets an equal part, so together they stay under the tenant's rate.
     */
    public static TenantTokenBucketRateLimiter shareOf(EndpointSpec spec, int parallelism) {
        int n = Math.max(1, parallelism);
        return new TenantTokenBucketRateLimiter(spec.retry().permitsPerSecond() / n, Math.max(1, spec.retry().burst() / n));
    }

    @Override
    public long reserve(String tenantId) {
        return bucket(tenantId).consumeIgnoringRateLimits(1);
    }

    @Override
    public void onRateLimited(String tenantId, Duration pause) {
        Bucket bucket = bucket(tenantId);
        long debt = (long) Math.ceil(pause.toNanos() / 1e9 * permitsPerSecond);
        long toTake = bucket.getAvailableTokens() + debt;
        // concurrent answers of one tenant may race here; the bucket then ends in at least the debt of one pause
        if (toTake > 0) bucket.consumeIgnoringRateLimits(toTake);
    }

    private Bucket bucket(String tenantId) {
        return buckets.computeIfAbsent(tenantId, t -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(burst)
                        .refillGreedy(1, Duration.ofNanos(Math.max(1, Math.round(1e9 / permitsPerSecond)))).build())
                .build());
    }
}
