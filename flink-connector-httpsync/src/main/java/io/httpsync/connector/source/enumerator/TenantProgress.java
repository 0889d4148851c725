package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Where planning and committing stand for one tenant; the enumerator's mutable counterpart of
 * {@link TenantState}.
 *
 * <p>The sync position is the end of the longest prefix of committed windows from the tenant's
 * start. Windows commit in any order; a committed range that is not yet contiguous with the
 * position waits in {@code committedBeyond} until the gap before it commits. A window that is
 * unassigned, assigned, failed or only finished is a gap, so the position never passes it.
 *
 * <p><b>Recent span first.</b> Planning has one cursor ({@code nextPlannedStartMillis}), or two
 * while the tenant reads a recent span first: its history from the first cursor up to {@code
 * recentFromMillis}, and the recent span from {@code recentFromMillis} on, at the second cursor
 * ({@code recentNextMillis}). When the history reaches the recent span, the two become one again at
 * the second cursor. Recent windows commit beyond the position and wait there for the history.
 *
 * <p>Mutated only by the coordinator thread. The position is volatile because metric reporters read
 * it.
 */
@Internal
final class TenantProgress {

    private final String tenant;
    private long nextPlannedStartMillis;
    private volatile long syncPositionMillis;
    private long recentFromMillis = TenantState.NO_RECENT;
    private long recentNextMillis = TenantState.NO_RECENT;

    /** Disjoint committed ranges after the position, start to end; adjacent ranges are merged. */
    private final TreeMap<Long, Long> committedBeyond = new TreeMap<>();

    TenantProgress(String tenant, long startMillis) {
        this.tenant = checkNotNull(tenant, "tenant");
        this.nextPlannedStartMillis = startMillis;
        this.syncPositionMillis = startMillis;
    }

    static TenantProgress restore(TenantState state) {
        TenantProgress progress = new TenantProgress(state.tenant(), state.syncPositionMillis());
        progress.nextPlannedStartMillis = state.nextPlannedStartMillis();
        progress.recentFromMillis = state.recentFromMillis();
        progress.recentNextMillis = state.recentNextMillis();
        for (TimeRange range : state.committedBeyondPosition()) {
            progress.commit(range.startMillis(), range.endMillis());
        }
        return progress;
    }

    String tenant() {
        return tenant;
    }

    long nextPlannedStartMillis() {
        return nextPlannedStartMillis;
    }

    /**
     * A window of the history (or, without a recent span, the next window) ending here is planned.
     */
    void planned(long windowEndMillis) {
        nextPlannedStartMillis = windowEndMillis;
        if (windowEndMillis == recentFromMillis) {
            // the history reached the recent span: one cursor again
            nextPlannedStartMillis = recentNextMillis;
            recentFromMillis = TenantState.NO_RECENT;
            recentNextMillis = TenantState.NO_RECENT;
        }
    }

    boolean hasRecentSpan() {
        return recentFromMillis != TenantState.NO_RECENT;
    }

    /** Where the recent span starts; only with one. */
    long recentFromMillis() {
        return recentFromMillis;
    }

    /** Where the recent span's next window starts; only with one. */
    long recentNextMillis() {
        return recentNextMillis;
    }

    /**
     * From now on the span from {@code fromMillis} on is planned before the rest of the history.
     */
    void readRecentFirst(long fromMillis) {
        if (hasRecentSpan() || fromMillis <= nextPlannedStartMillis)
            throw new IllegalStateException(
                    "tenant " + tenant + " cannot start a recent span at " + fromMillis);
        recentFromMillis = fromMillis;
        recentNextMillis = fromMillis;
    }

    /** A window of the recent span ending here is planned. */
    void plannedRecent(long windowEndMillis) {
        recentNextMillis = windowEndMillis;
    }

    long syncPositionMillis() {
        return syncPositionMillis;
    }

    /**
     * Records that every record in {@code [startMillis, endMillis)} is covered by a completed
     * checkpoint.
     *
     * @return true if the sync position moved
     */
    boolean commit(long startMillis, long endMillis) {
        long position = syncPositionMillis;
        if (endMillis <= position) {
            return false;
        }
        long start = Math.max(startMillis, position);
        long end = endMillis;
        // Merge with every range that touches or overlaps [start, end), so the ranges stay
        // disjoint.
        Map.Entry<Long, Long> before = committedBeyond.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
            committedBeyond.remove(before.getKey());
        }
        for (Map.Entry<Long, Long> after = committedBeyond.ceilingEntry(start);
                after != null && after.getKey() <= end;
                after = committedBeyond.ceilingEntry(start)) {
            end = Math.max(end, after.getValue());
            committedBeyond.remove(after.getKey());
        }
        if (start == position) {
            syncPositionMillis = end;
            return true;
        }
        committedBeyond.put(start, end);
        return false;
    }

    TenantState snapshot() {
        List<TimeRange> ranges = new ArrayList<>(committedBeyond.size());
        committedBeyond.forEach((start, end) -> ranges.add(new TimeRange(start, end)));
        return new TenantState(
                tenant,
                nextPlannedStartMillis,
                syncPositionMillis,
                ranges,
                recentFromMillis,
                recentNextMillis);
    }
}
