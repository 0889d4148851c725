package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.PublicEvolving;

import java.time.Duration;

/**
 * One budget a request of this endpoint draws from: at most {@code permits} per {@code period} for
 * each key of its {@code scope}, of which a request of this endpoint takes {@code weight}. The
 * platform counts in sliding or fixed windows; the bucket keeps any window of one period under the
 * limit by refilling continuously at {@code (permits - burst + 1) / period} (times the target
 * utilization), with at most {@code burst} saved up.
 *
 * @param name the bucket's name in options ({@code rate-limit.bucket.<name>.*}), keys and metrics
 * @param adaptive whether the true limit is unknown: the rate starts low and is found by AIMD
 */
@PublicEvolving
public record BucketSpec(
        String name,
        BucketScope scope,
        long permits,
        Duration period,
        long burst,
        long weight,
        boolean adaptive) {
    public BucketSpec {
        if (permits < 1)
            throw new IllegalArgumentException(
                    "bucket '" + name + "': permits must be at least 1, was " + permits);
        if (period.isNegative() || period.isZero())
            throw new IllegalArgumentException("bucket '" + name + "': period must be positive");
        if (burst < 1 || burst > permits) {
            throw new IllegalArgumentException(
                    "bucket '"
                            + name
                            + "': burst must be between 1 and permits ("
                            + permits
                            + "), was "
                            + burst);
        }
        if (weight < 1 || weight > burst) {
            throw new IllegalArgumentException(
                    "bucket '"
                            + name
                            + "': weight must be between 1 and burst ("
                            + burst
                            + "), was "
                            + weight);
        }
    }

    /**
     * This bucket at a tenant's own rate (a per-tenant override, e.g. a shop raised from 10 to 100
     * requests per second): {@code permitsPerSecond} over the same period, with at most this
     * bucket's burst.
     */
    public BucketSpec atRate(double permitsPerSecond) {
        long own = Math.max(1, Math.round(permitsPerSecond * (period.toNanos() / 1e9)));
        long ownBurst = Math.min(burst, own);
        return new BucketSpec(
                name, scope, own, period, ownBurst, Math.min(weight, ownBurst), adaptive);
    }

    /**
     * The highest rate in permits per second that keeps any window of one period at or under {@code
     * permits}: a full bucket of {@code burst} plus what refills during the rest of the window.
     */
    public double safeRatePerSecond(double utilization) {
        return (permits - burst + 1) * utilization / (period.toNanos() / 1e9);
    }
}
