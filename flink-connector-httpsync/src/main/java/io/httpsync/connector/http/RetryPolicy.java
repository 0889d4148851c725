package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before asking again.
 *
 * <ul>
 *   <li>After a transient failure: exponential backoff ({@code retry.initial-backoff} times {@code
 *       retry.backoff-multiplier} per retry, capped at {@code retry.max-backoff}), a random share
 *       ({@code retry.jitter}) taken off so that retries of many splits spread out.
 *   <li>After a rate-limited answer: the wait the platform asked for (Retry-After, a ban's
 *       seconds), honoured even beyond the cap, up to {@code retry.max-platform-wait} (a longer
 *       wait is not waited out: the page fails, see {@link #exceedsMaxPlatformWait}); without one,
 *       {@code retry.rate-limited-wait} growing by the multiplier, since platforms count their
 *       limits per second or per minute. Jitter is added on top, never taken off.
 * </ul>
 *
 * Immutable and thread-safe.
 */
@Internal
public final class RetryPolicy {
    private final int maxAttempts;
    private final int maxRateLimited;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;
    private final Duration rateLimitedWait;
    private final Duration maxPlatformWait;

    public RetryPolicy(
            int maxAttempts,
            int maxRateLimited,
            Duration initialBackoff,
            Duration maxBackoff,
            double multiplier,
            double jitter,
            Duration rateLimitedWait) {
        this(
                maxAttempts,
                maxRateLimited,
                initialBackoff,
                maxBackoff,
                multiplier,
                jitter,
                rateLimitedWait,
                EndpointOptions.RETRY_MAX_PLATFORM_WAIT.defaultValue());
    }

    public RetryPolicy(
            int maxAttempts,
            int maxRateLimited,
            Duration initialBackoff,
            Duration maxBackoff,
            double multiplier,
            double jitter,
            Duration rateLimitedWait,
            Duration maxPlatformWait) {
        this.maxPlatformWait = maxPlatformWait;
        this.maxAttempts = maxAttempts;
        this.maxRateLimited = maxRateLimited;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.multiplier = multiplier;
        this.jitter = jitter;
        this.rateLimitedWait = rateLimitedWait;
    }

    public static RetryPolicy of(EndpointSpec spec) {
        EndpointSpec.RetrySettings r = spec.retry();
        return new RetryPolicy(
                r.maxAttempts(),
                r.maxRateLimited(),
                r.initialBackoff(),
                r.maxBackoff(),
                r.multiplier(),
                r.jitter(),
                r.rateLimitedWait(),
                r.maxPlatformWait());
    }

    /** The longest wait a platform may ask for ({@code retry.max-platform-wait}). */
    public Duration maxPlatformWait() {
        return maxPlatformWait;
    }

    /**
     * Whether the platform asked for a wait longer than {@link #maxPlatformWait()}: it is not
     * waited out.
     */
    public boolean exceedsMaxPlatformWait(Duration platformWait) {
        return platformWait != null && platformWait.compareTo(maxPlatformWait) > 0;
    }

    /** Transient failures one page may have: the page fails at this many. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Rate-limited answers one page may get; the page fails at one more. */
    public int maxRateLimited() {
        return maxRateLimited;
    }

    /**
     * The wait before retry number {@code retry} (1 for the first) after a transient failure.
     *
     * @param platformWait the wait the platform asked for (a 503 with Retry-After), or null
     */
    public Duration backoff(int retry, Duration platformWait) {
        double capped = Math.min(grown(initialBackoff, retry), maxBackoff.toNanos());
        Duration backoff =
                Duration.ofNanos(
                        (long) (capped * (1 - jitter * ThreadLocalRandom.current().nextDouble())));
        Duration asked = capped(platformWait);
        return asked != null && asked.compareTo(backoff) > 0 ? asked : backoff;
    }

    /**
     * The wait after rate-limited answer number {@code answer} (1 for the first) of one page.
     *
     * @param platformWait the wait the platform asked for, or null
     */
    public Duration rateLimitedWait(int answer, Duration platformWait) {
        Duration asked = capped(platformWait);
        double base =
                asked != null
                        ? asked.toNanos()
                        : Math.min(
                                grown(rateLimitedWait, answer),
                                Math.max(maxBackoff.toNanos(), rateLimitedWait.toNanos()));
        return Duration.ofNanos(
                (long) (base * (1 + jitter * 0.2 * ThreadLocalRandom.current().nextDouble())));
    }

    private Duration capped(Duration platformWait) {
        return exceedsMaxPlatformWait(platformWait) ? maxPlatformWait : platformWait;
    }

    private double grown(Duration first, int step) {
        return first.toNanos() * Math.pow(multiplier, Math.max(0, step - 1));
    }
}
