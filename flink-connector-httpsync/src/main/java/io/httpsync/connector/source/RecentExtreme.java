package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.OptionalLong;

/**
 * The highest (or lowest) value seen during the current and the previous period: recent enough to
 * follow a change within two periods, over enough samples to smooth the jitter of single ones. Used
 * for the platform's clock skew, whose samples are each a lower bound (the reader keeps the
 * highest) and which the enumerator takes over all readers (keeping the lowest, the platform
 * furthest behind).
 *
 * <p>Thread-safe: every method is synchronized, as samples come from HTTP I/O threads and are read
 * from the task's or the coordinator's thread and a metric reporter; each call is a few
 * comparisons.
 */
@Internal
public final class RecentExtreme {

    /** Which extreme to keep. */
    public enum Pick {
        HIGHEST,
        LOWEST
    }

    private final Pick pick;
    private final long periodMillis;
    private long periodStart = Long.MIN_VALUE;
    @Nullable private Long current;
    @Nullable private Long previous;

    public RecentExtreme(Pick pick, long periodMillis) {
        if (periodMillis <= 0)
            throw new IllegalArgumentException(
                    "periodMillis must be positive but was " + periodMillis);
        this.pick = pick;
        this.periodMillis = periodMillis;
    }

    public synchronized void add(long value, long nowMillis) {
        roll(nowMillis);
        current = current == null ? value : extreme(current, value);
    }

    /**
     * The extreme of the values added during the current and the previous period, or empty if there
     * were none.
     */
    public synchronized OptionalLong value(long nowMillis) {
        roll(nowMillis);
        if (current == null && previous == null) return OptionalLong.empty();
        if (current == null) return OptionalLong.of(previous);
        return OptionalLong.of(previous == null ? current : extreme(current, previous));
    }

    private long extreme(long a, long b) {
        return pick == Pick.HIGHEST ? Math.max(a, b) : Math.min(a, b);
    }

    private void roll(long nowMillis) {
        if (periodStart == Long.MIN_VALUE) {
            periodStart = nowMillis;
            return;
        }
        long periods = (nowMillis - periodStart) / periodMillis;
        if (periods <= 0) return;
        previous = periods == 1 ? current : null;
        current = null;
        periodStart += periods * periodMillis;
    }
}
