package io.httpsync.connector.source.reader;

import io.httpsync.connector.source.RecentExtreme;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * The platform's clock as this reader sees it in the {@code Date} headers of the answers: how far it runs ahead of
 * this machine's clock (negative: behind).
 *
 * <p>Each answer gives a lower bound of the skew: its {@code Date} is whole seconds, rounded down, and was written
 * before the answer arrived here. So the estimate is the highest sample of the last {@value #PERIOD_MILLIS} to
 * {@code 2 x} {@value #PERIOD_MILLIS} ms: close to the true skew, never above it by more than the platform's own
 * rounding, and following a clock the platform corrects within two periods. Without answers with a {@code Date} for
 * that long, the skew is unknown.
 *
 * <p>Thread-safe: {@link #observed} is called from HTTP I/O threads, the rest from the task thread and the metric
 * reporter ({@link RecentExtreme} synchronizes).
 */
@Internal
final class PlatformClock {
    static final long PERIOD_MILLIS = 10_000;

    private final RecentExtreme skews = new RecentExtreme(RecentExtreme.Pick.HIGHEST, PERIOD_MILLIS);
    private final LongSupplier localClock;

    PlatformClock(LongSupplier localClock) {
        this.localClock = localClock;
    }

    /** An answer's {@code Date} said {@code platformMillis}; it arrived at {@code localMillis} on this machine. */
    void observed(long platformMillis, long localMillis) {
        skews.add(platformMillis - localMillis, localMillis);
    }

    /** How far the platform's clock runs ahead of this machine's (negative: behind), if recent answers told. */
    OptionalLong skewMillis() {
        return skews.value(localClock.getAsLong());
    }

    /** The platform's time now, by the estimated skew, or null if it is unknown. */
    @Nullable
    Long platformNowMillis() {
        OptionalLong skew = skewMillis();
        return skew.isPresent() ? localClock.getAsLong() + skew.getAsLong() : null;
    }

    long localMillis() {
        return localClock.getAsLong();
    }
}
