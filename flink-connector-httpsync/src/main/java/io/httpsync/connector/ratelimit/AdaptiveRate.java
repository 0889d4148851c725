package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

/**
 * The rate of one bucket whose true limit is unknown, found by additive increase and multiplicative
 * decrease: it starts at a fraction of the ceiling (the configured permits), grows by a step each
 * interval without a rate-limited answer, and is cut on one. The rate that was refused is
 * remembered as the limit, and the rate then grows back only to a target fraction of it, so that a
 * sync does not run into the same wall again and again. A decrease counts once per interval: the
 * answers to requests already sent at the old rate do not cut it again. Thread-safe (all methods
 * synchronized; they are cheap).
 */
@Internal
final class AdaptiveRate {
    private final double ceiling;
    private final RateLimitSpec.Adaptive settings;
    private double rate;
    private double refusedAt = Double.NaN;
    private long lastChangeMillis;
    private long lastDecreaseMillis = Long.MIN_VALUE / 2;

    AdaptiveRate(double ceilingPerSecond, RateLimitSpec.Adaptive settings, long nowMillis) {
        this.ceiling = ceilingPerSecond;
        this.settings = settings;
        this.rate = ceilingPerSecond * settings.initialFraction();
        this.lastChangeMillis = nowMillis;
    }

    synchronized double rate() {
        return rate;
    }

    /** Grows the rate if an interval has passed since the last change; true if it changed. */
    synchronized boolean maybeIncrease(long nowMillis) {
        if (nowMillis - lastChangeMillis < settings.intervalMillis()) return false;
        lastChangeMillis = nowMillis;
        double cap =
                Double.isNaN(refusedAt)
                        ? ceiling
                        : Math.min(ceiling, refusedAt * settings.targetFraction());
        double next = Math.min(cap, rate + ceiling * settings.increase());
        if (next <= rate) return false;
        rate = next;
        return true;
    }

    /**
     * Cuts the rate after a rate-limited answer, unless it was cut less than an interval ago; true
     * if it changed.
     */
    synchronized boolean decrease(long nowMillis) {
        if (nowMillis - lastDecreaseMillis < settings.intervalMillis()) return false;
        refusedAt = rate;
        rate = Math.max(ceiling * 0.01, rate * settings.decrease());
        lastDecreaseMillis = nowMillis;
        lastChangeMillis = nowMillis;
        return true;
    }
}
