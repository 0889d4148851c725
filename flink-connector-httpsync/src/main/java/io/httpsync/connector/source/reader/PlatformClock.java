package io.httpsync.connector.source.reader;

import io.httpsync.connector.source.RecentExtreme;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The platform's clock as this reader sees it in the {@code Date} headers of the answers: how far
 * it runs ahead of this machine's clock (negative: behind).
 *
 * <p>Each answer gives a lower bound of the skew: its {@code Date} is whole seconds, rounded down,
 * and was written before the answer arrived here. So the estimate is the highest sample of the last
 * {@value #PERIOD_MILLIS} to {@code 2 x} {@value #PERIOD_MILLIS} ms: close to the true skew, never
 * above it by more than the platform's own rounding, and following a clock the platform corrects
 * within two periods. Without answers with a {@code Date} for that long, the skew is unknown.
 *
 * <p>Platforms that send no {@code Date}: a record's update time is evidence of the platform's
 * clock too, since the platform stamped it before it answered, so {@code update time - arrival} is
 * a lower bound of the skew as well. It proves a clock that runs <em>ahead</em> (a record updated
 * after our "now"), but it can never prove a clock that runs behind, nor rule one out: the windows
 * read end a lag before our "now", so their records are at least a lag old whatever the platform's
 * clock says, and a quiet platform updates nothing at all. So this evidence is shown ({@link
 * #recordEvidenceMillis()}, the metric when no {@code Date} told the skew) and never decides
 * anything: without {@code Date} headers the skew is {@linkplain #skewMillis() unknown}, the
 * too-early check is off, and each tenant whose answers carry none is named once at WARN ({@link
 * #answeredWithoutDate}).
 *
 * <p>Thread-safe: {@link #observed} and {@link #answeredWithoutDate} are called from HTTP I/O
 * threads, the rest from the task thread and the metric reporter ({@link RecentExtreme}
 * synchronizes; the set of tenants is concurrent).
 */
@Internal
final class PlatformClock {
    private static final Logger LOG = LoggerFactory.getLogger(PlatformClock.class);
    static final long PERIOD_MILLIS = 10_000;

    private final RecentExtreme skews =
            new RecentExtreme(RecentExtreme.Pick.HIGHEST, PERIOD_MILLIS);
    private final RecentExtreme recordSkews =
            new RecentExtreme(RecentExtreme.Pick.HIGHEST, PERIOD_MILLIS);
    private final Set<String> tenantsWithoutDate = ConcurrentHashMap.newKeySet();
    private final LongSupplier localClock;

    PlatformClock(LongSupplier localClock) {
        this.localClock = localClock;
    }

    /**
     * An answer's {@code Date} said {@code platformMillis}; it arrived at {@code localMillis} on
     * this machine.
     */
    void observed(long platformMillis, long localMillis) {
        skews.add(platformMillis - localMillis, localMillis);
    }

    /**
     * An answer to {@code tenantId} came without a (readable) {@code Date} header: the first time
     * per tenant, a WARN line says that the skew check is limited for it.
     *
     * @return whether this was the tenant's first answer without one
     */
    boolean answeredWithoutDate(String tenantId) {
        if (!tenantsWithoutDate.add(tenantId)) return false;
        LOG.warn(
                "The platform's answers to tenant {} carry no Date header, so its clock is unknown: a platform clock"
                        + " running behind ours by more than the lag would go unnoticed, and the sync position could pass"
                        + " times the platform has not reached. Keep the lag above the largest skew you expect (metric"
                        + " platformClockKnown = 0; records updated after our now show a clock that runs ahead, in"
                        + " platformClockSkewMillis)",
                tenantId);
        return true;
    }

    /**
     * A record updated at {@code updateMillis} (by the platform's clock) arrived at {@code
     * localMillis}.
     */
    void recordSeen(long updateMillis, long localMillis) {
        recordSkews.add(updateMillis - localMillis, localMillis);
    }

    /**
     * How far the platform's clock runs ahead of this machine's (negative: behind), if recent
     * answers told.
     */
    OptionalLong skewMillis() {
        return skews.value(localClock.getAsLong());
    }

    /**
     * The lower bound of the skew that recent records prove: {@code newest update time - arrival}.
     * Positive only for a platform whose clock runs ahead; negative values say nothing about a
     * clock that runs behind (see above).
     */
    OptionalLong recordEvidenceMillis() {
        return recordSkews.value(localClock.getAsLong());
    }

    /**
     * What the metric {@code platformClockSkewMillis} shows: the skew by the {@code Date} headers;
     * without them, how far recent records prove the clock runs ahead (never a negative value,
     * which records cannot prove); else 0.
     */
    long shownSkewMillis() {
        OptionalLong byDate = skewMillis();
        if (byDate.isPresent()) return byDate.getAsLong();
        return Math.max(0, recordEvidenceMillis().orElse(0));
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
