package io.httpsync.connector.dedupe;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import javax.annotation.Nullable;

import java.time.Duration;

/**
 * Lets a record through only if it is news: keyed by (tenant, record id), it remembers the newest
 * update time it passed and that version's {@link RawRecord#contentHash() content hash} (computed
 * once, when the record was read), and drops
 *
 * <ul>
 *   <li>a <em>stale</em> record: older than the version already passed (an out-of-order page, a
 *       late retry);
 *   <li>an <em>unchanged</em> record: same content as the version already passed (a re-sync, a
 *       look-back window, a replay), whatever its update time says.
 * </ul>
 *
 * A record with the same update time but different content passes (platforms change content without
 * touching the update time), and so does any newer, changed version. A key's state expires {@code
 * ttl} after it was last read or written; after that the next version of the record passes again
 * (the sink's own guard then decides).
 *
 * <p>Metrics in group {@code httpsync-dedupe}: {@code recordsIn}, {@code recordsChanged}, {@code
 * recordsDroppedUnchanged}, {@code recordsDroppedStale}. Runs on the task thread only.
 */
@Internal
public final class RecordDedupeFunction extends KeyedProcessFunction<String, RawRecord, RawRecord> {
    private static final long serialVersionUID = 1L;

    @Nullable private final Duration ttl;

    private transient ValueState<SeenVersion> seen;
    private transient Counter recordsIn;
    private transient Counter recordsChanged;
    private transient Counter droppedUnchanged;
    private transient Counter droppedStale;

    /**
     * @param ttl how long a record's version is remembered after it was last seen; null keeps it
     *     forever
     */
    public RecordDedupeFunction(@Nullable Duration ttl) {
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("dedupe state TTL must be positive, was " + ttl);
        }
        this.ttl = ttl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<SeenVersion> descriptor =
                new ValueStateDescriptor<>("seen-version", Types.POJO(SeenVersion.class));
        if (ttl != null) {
            // read-and-write refresh: a record that keeps coming back unchanged must stay
            // remembered
            descriptor.enableTimeToLive(
                    StateTtlConfig.newBuilder(ttl)
                            .setUpdateType(StateTtlConfig.UpdateType.OnReadAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
        }
        seen = getRuntimeContext().getState(descriptor);
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("httpsync-dedupe");
        recordsIn = metrics.counter("recordsIn");
        recordsChanged = metrics.counter("recordsChanged");
        droppedUnchanged = metrics.counter("recordsDroppedUnchanged");
        droppedStale = metrics.counter("recordsDroppedStale");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<RawRecord> out)
            throws Exception {
        recordsIn.inc();
        SeenVersion last = seen.value();
        if (last != null && record.updateTime < last.updateTime) {
            droppedStale.inc();
            return;
        }
        long hash = record.contentHash();
        if (last != null && hash == last.contentHash) {
            droppedUnchanged.inc();
            if (record.updateTime > last.updateTime)
                seen.update(new SeenVersion(record.updateTime, hash));
            return;
        }
        seen.update(new SeenVersion(record.updateTime, hash));
        recordsChanged.inc();
        out.collect(record);
    }

    @VisibleForTesting
    long[] counts() {
        return new long[] {
            recordsIn.getCount(),
            recordsChanged.getCount(),
            droppedUnchanged.getCount(),
            droppedStale.getCount()
        };
    }
}
