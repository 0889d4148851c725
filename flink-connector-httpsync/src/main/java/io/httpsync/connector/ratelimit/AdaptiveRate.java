package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

/**
 * The rate of one bucket key whose true limit may be lower than configured, found by additive
 * increase and multiplicative decrease (AIMD). It starts at {@code initial-fraction} of the ceiling
 * (the configured limit; by default all of it, so that a right limit costs nothing) and is cut by
 * {@code decrease} on a rate-limited answer (by {@code target-fraction} only when it was refused
 * while probing at or above the knee, below: the limit is then known to be near), at most once per
 * half interval (the answers to requests already sent at the old rate must not cut it again; a
 * whole interval let a rate three times too high run on long enough to be refused twice as often).
 *
 * <p>Growing back has two speeds. The rate that was refused is remembered (the rate of the first
 * cut after the rate grew: a ban refuses everything for a while, and the cuts in a row it causes
 * must not drag the remembered limit down with them), and up to {@code target-fraction} of it (the
 * knee) the rate grows by {@code increase} of the ceiling per interval without refusal: it returns
 * quickly to where it was safe. Above the knee it probes, a twentieth as fast, toward the ceiling:
 * a platform that lowered its limit is not run into again and again (each probe that overshoots
 * costs a refusal or two), and one that raised it, or a limit that was only hit by a burst, is
 * found again. Held near the knee, the average rate is about {@code target-fraction} of the real
 * limit; a doubling backoff without adaptation reached a tenth of it.
 *
 * <p>Pure arithmetic over the times it is given, so that it can be tested without waiting.
 * Thread-safe (all methods synchronized; they are cheap).
 */
@Internal
final class AdaptiveRate {
    /** Above the knee the rate grows by this share of the normal step: probing, not returning. */
    static final double PROBE_SHARE = 0.05;

    /** The rate never drops below this share of the ceiling, so that a sync always moves. */
    static final double FLOOR_SHARE = 0.01;

    private final double ceiling;
    private final RateLimitSpec.Adaptive settings;
    private double rate;
    private double refusedAt = Double.NaN;
    private long lastChangeMillis;
    private long lastDecreaseMillis = Long.MIN_VALUE / 2;

    /** Whether the rate grew since the last cut: the next cut then remembers a new refused rate. */
    private boolean grownSinceCut = true;

    AdaptiveRate(double ceilingPerSecond, RateLimitSpec.Adaptive settings, long nowMillis) {
        this.ceiling = ceilingPerSecond;
        this.settings = settings;
        this.rate = ceilingPerSecond * settings.initialFraction();
        this.lastChangeMillis = nowMillis;
    }

    synchronized double rate() {
        return rate;
    }

    /** The share of the ceiling the rate is at now (1: the configured limit). */
    synchronized double fraction() {
        return rate / ceiling;
    }

    /**
     * The rate up to which it grows at full speed: {@code target-fraction} of the last refused
     * rate, or the ceiling before any refusal.
     */
    synchronized double knee() {
        return Double.isNaN(refusedAt)
                ? ceiling
                : Math.min(ceiling, refusedAt * settings.targetFraction());
    }

    /** Grows the rate if an interval has passed since the last change; true if it changed. */
    synchronized boolean maybeIncrease(long nowMillis) {
        if (nowMillis - lastChangeMillis < settings.intervalMillis()) return false;
        lastChangeMillis = nowMillis;
        double step = ceiling * settings.increase();
        double knee = knee();
        double next =
                rate < knee
                        ? Math.min(knee, rate + step)
                        : Math.min(ceiling, rate + step * PROBE_SHARE);
        if (next <= rate) return false;
        rate = next;
        grownSinceCut = true;
        return true;
    }

    /**
     * Cuts the rate after a rate-limited answer, unless it was cut less than half an interval ago;
     * true if it changed.
     */
    synchronized boolean decrease(long nowMillis) {
        if (nowMillis - lastDecreaseMillis < settings.intervalMillis() / 2) return false;
        // refused while probing at or above the knee after growing: the limit is known to lie
        // near, and a gentle cut (to the new knee) keeps the rate there; otherwise the limit is
        // unknown, far lower than thought, or a ban refuses everything, and the rate is halved
        boolean nearKnownLimit = grownSinceCut && !Double.isNaN(refusedAt) && rate >= knee() * 0.99;
        // cuts in a row, without growing between them (a ban refusing everything for a while),
        // say nothing new about the limit: the knee stays below the rate that ran into it
        if (grownSinceCut) refusedAt = rate;
        grownSinceCut = false;
        double factor = nearKnownLimit ? settings.targetFraction() : settings.decrease();
        rate = Math.max(ceiling * FLOOR_SHARE, rate * factor);
        lastDecreaseMillis = nowMillis;
        lastChangeMillis = nowMillis;
        return true;
    }
}
