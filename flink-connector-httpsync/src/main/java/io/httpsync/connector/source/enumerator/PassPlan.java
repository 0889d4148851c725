package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * When the enumerator starts a tenant's full pass and which range it lists: every {@code interval}
 * after the previous pass of the tenant ended, {@code [max(from, start - range), position)} where
 * {@code position} is the tenant's sync position when the pass starts (see {@link PassScheduler}).
 * Immutable.
 */
@Internal
public final class PassPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long intervalMillis;
    @Nullable private final Long fromMillis;
    @Nullable private final Long rangeMillis;

    public PassPlan(Duration interval, @Nullable Long fromMillis, @Nullable Duration range) {
        checkArgument(
                interval != null && !interval.isNegative() && !interval.isZero(),
                "'%s' must be positive but was %s",
                PassOptions.INTERVAL.key(),
                interval);
        checkArgument(
                range == null || (!range.isNegative() && !range.isZero()),
                "'%s' must be positive but was %s",
                PassOptions.RANGE.key(),
                range);
        this.intervalMillis = interval.toMillis();
        this.fromMillis = fromMillis;
        this.rangeMillis = range == null ? null : range.toMillis();
    }

    public long intervalMillis() {
        return intervalMillis;
    }

    /** The first update time a pass starting at {@code passStartMillis} lists. */
    public long rangeStart(long planStartMillis, long passStartMillis) {
        long start = fromMillis == null ? planStartMillis : fromMillis;
        return rangeMillis == null ? start : Math.max(start, passStartMillis - rangeMillis);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PassPlan other
                && other.intervalMillis == intervalMillis
                && Objects.equals(other.fromMillis, fromMillis)
                && Objects.equals(other.rangeMillis, rangeMillis);
    }

    @Override
    public int hashCode() {
        return Objects.hash(intervalMillis, fromMillis, rangeMillis);
    }

    @Override
    public String toString() {
        return "PassPlan{every "
                + Duration.ofMillis(intervalMillis)
                + ", from "
                + fromMillis
                + ", range "
                + rangeMillis
                + "}";
    }
}
