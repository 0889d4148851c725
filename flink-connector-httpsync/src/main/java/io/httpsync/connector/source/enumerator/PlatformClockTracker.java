package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.RecentExtreme;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * The platform's clock as the readers report it ({@code ReaderPollEvent#platformNowMillis}),
 * against the enumerator's own: the skew its planning keeps to, so that no window ends later than
 * the platform's "now" minus the lag.
 *
 * <p>The skew is the lowest report of the last one to two minutes (the platform furthest behind,
 * over all readers), each report compared with the enumerator's clock on arrival (so the
 * TaskManagers' clocks do not matter, and the report's travel time only makes the platform look
 * later than it is). Without reports for that long, the last known skew stays in force. A platform
 * running ahead is not followed: planning never goes beyond our own "now" minus the lag either.
 *
 * <p>When the platform runs further behind than the lag (beyond the {@code Date} header's
 * rounding), the lag is in effect widened by the difference: that is logged once as a warning, and
 * once more when it ends.
 *
 * <p>Coordinator thread only, except {@link #skewMillis()} which the metric reporter reads (a
 * volatile).
 */
@Internal
final class PlatformClockTracker {
    private static final Logger LOG = LoggerFactory.getLogger(PlatformClockTracker.class);
    private static final long PERIOD_MILLIS = 60_000;

    /**
     * The rounding of the {@code Date} header and network time: skews within it are no reason to
     * warn.
     */
    private static final long NOISE_MILLIS = 2_000;

    private final long lagMillis;
    private final RecentExtreme reports =
            new RecentExtreme(RecentExtreme.Pick.LOWEST, PERIOD_MILLIS);
    private volatile long skewMillis;
    private boolean widened;

    PlatformClockTracker(long lagMillis) {
        this.lagMillis = lagMillis;
    }

    /**
     * A reader says the platform's time is {@code platformNowMillis}; it is {@code nowMillis} by
     * our clock.
     */
    void reported(long platformNowMillis, long nowMillis) {
        reports.add(platformNowMillis - nowMillis, nowMillis);
        update(nowMillis);
    }

    /** The platform's "now" at our {@code nowMillis}, never later than ours. */
    long platformNowMillis(long nowMillis) {
        update(nowMillis);
        return nowMillis + Math.min(0, skewMillis);
    }

    /**
     * How far the platform's clock runs ahead of ours (negative: behind); 0 until a reader reported
     * it.
     */
    long skewMillis() {
        return skewMillis;
    }

    private void update(long nowMillis) {
        OptionalLong recent = reports.value(nowMillis);
        if (recent.isEmpty()) return;
        skewMillis = recent.getAsLong();
        boolean beyondLag = -skewMillis > lagMillis + NOISE_MILLIS;
        if (beyondLag && !widened) {
            LOG.warn(
                    "The platform's clock runs {} behind ours, more than the lag of {}: windows end no later than the"
                            + " platform's now minus the lag, as if the lag were {} (metric platformClockSkewMillis)",
                    Duration.ofMillis(-skewMillis),
                    Duration.ofMillis(lagMillis),
                    Duration.ofMillis(lagMillis - skewMillis));
        } else if (!beyondLag && widened) {
            LOG.info(
                    "The platform's clock runs {} {} ours again, within the lag of {}",
                    Duration.ofMillis(Math.abs(skewMillis)),
                    skewMillis < 0 ? "behind" : "ahead of",
                    Duration.ofMillis(lagMillis));
        }
        widened = beyondLag;
    }
}
