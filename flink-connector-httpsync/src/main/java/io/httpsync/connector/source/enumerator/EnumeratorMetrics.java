package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;

import java.time.Clock;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The metrics of the {@link HttpSyncEnumerator}, registered on the enumerator's metric group:
 *
 * <ul>
 *   <li>{@code unassignedSplits} (Flink's standard gauge): windows that came back (retries due,
 *       pieces of windows too large, windows of a failed reader) and wait for a reader; new windows
 *       are planned only in their tenant's turn, so they do not count.
 *   <li>{@value #COMMITTED_WINDOWS}: counter of windows committed (covered by a completed
 *       checkpoint) since the enumerator started.
 *   <li>{@value #PLATFORM_CLOCK_SKEW_MILLIS}: gauge, how far the platform's clock runs ahead of the
 *       JobManager's by the readers' reports (negative: behind; 0 until reported). Planning keeps
 *       to the platform's clock.
 *   <li>{@code tenant.<tenant>.}{@value #SYNC_POSITION}: gauge, the tenant's sync position in epoch
 *       milliseconds.
 *   <li>{@code tenant.<tenant>.}{@value #SYNC_LAG_MILLIS}: gauge, now minus the sync position: how
 *       far the sink is behind the platform for this tenant.
 * </ul>
 *
 * <p>Gauges are read by the metric reporter thread, so they only read volatile values.
 */
@Internal
final class EnumeratorMetrics {

    static final String TENANT_GROUP = "tenant";
    static final String SYNC_POSITION = "syncPosition";
    static final String SYNC_LAG_MILLIS = "syncLagMillis";
    static final String COMMITTED_WINDOWS = "committedWindows";
    static final String PLATFORM_CLOCK_SKEW_MILLIS = "platformClockSkewMillis";

    private final SplitEnumeratorMetricGroup group;
    private final Clock clock;

    EnumeratorMetrics(
            SplitEnumeratorMetricGroup group,
            Clock clock,
            IntSupplier unassignedWindows,
            LongSupplier committedWindows,
            LongSupplier platformClockSkew) {
        this.group = group;
        this.clock = clock;
        group.setUnassignedSplitsGauge(() -> (long) unassignedWindows.getAsInt());
        group.counter(COMMITTED_WINDOWS, new ReadOnlyCounter(committedWindows));
        group.gauge(PLATFORM_CLOCK_SKEW_MILLIS, (Gauge<Long>) platformClockSkew::getAsLong);
    }

    void registerTenant(TenantProgress progress) {
        MetricGroup tenantGroup = group.addGroup(TENANT_GROUP, progress.tenant());
        tenantGroup.gauge(SYNC_POSITION, (Gauge<Long>) progress::syncPositionMillis);
        tenantGroup.gauge(
                SYNC_LAG_MILLIS,
                (Gauge<Long>) () -> clock.millis() - progress.syncPositionMillis());
    }

    /**
     * A counter whose count is kept elsewhere (the ledger counts its commits): reporters only read
     * counters.
     */
    private record ReadOnlyCounter(LongSupplier count) implements Counter {
        @Override
        public void inc() {
            inc(1);
        }

        @Override
        public void inc(long n) {
            throw new UnsupportedOperationException("counted by the window ledger");
        }

        @Override
        public void dec() {
            inc(-1);
        }

        @Override
        public void dec(long n) {
            inc(-n);
        }

        @Override
        public long getCount() {
            return count.getAsLong();
        }
    }
}
