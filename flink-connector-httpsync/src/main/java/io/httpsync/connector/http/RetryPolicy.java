package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.EndpointSpec;
import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before asking again.
 * <ul>
 *   <li>After a transient failure: exponential backoff ({@code retry.initial-backoff} times
 *       {@code retry.backoff-multiplier} per retry, capped at {@code retry.max-backoff}), a random share
 *       ({@code retry.jitter}) taken off so that retries of many splits spread out.</li>
 *   <li>After a rate-limited answer: the wait the platform asked for (Retry-After, a ban's seconds), honoured even
 *       beyond the cap; without one, {@code retry.rate-limited-wait} growing by the multiplier, since platforms count
 *       their limits per second or per minute. Jitter is added on top, never taken off.</li>
 * </ul>
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

    public RetryPolicy(int maxAttempts, int maxRateLimited, Duration initialBackoff, Duration maxBackoff,
                       double multiplier, double jitter, Duration rateLimitedWait) {
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
        return new RetryPolicy(r.maxAttempts(), r.maxRateLimited(), r.initialBackoff(), r.maxBackoff(), r.multiplier(),
                r.jitter(), r.rateLimitedWait());
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
        Duration backoff = Duration.ofNanos((long) (capped * (1 - jitter * ThreadLocalRandom.current().nextDouble())));
        return platformWait != null && platformWait.compareTo(backoff) > 0 ? platformWait : backoff;
    }

    /**
     * The wait after rate-limited answer number {@code answer} (1 for the first) of one page.
     *
     * @param platformWait the wait the platform asked for, or null
     */
    public Duration rateLimitedWait(int answer, Duration platformWait) {
        double base = platformWait != null ? platformWait.toNanos()
                : Math.min(grown(rateLimitedWait, answer), Math.max(maxBackoff.toNanos(), rateLimitedWait.toNanos()));
        return Duration.ofNanos((long) (base * (1 + jitter * 0.2 * ThreadLocalRandom.current().nextDouble())));
    }

    private double grown(Duration first, int step) {
        return first.toNanos() * Math.pow(multiplier, Math.max(0, step - 1));
    }
}
