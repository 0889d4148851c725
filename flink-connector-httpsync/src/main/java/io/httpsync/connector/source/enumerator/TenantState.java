package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import java.util.List;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The checkpointed planning and commit progress of one tenant.
 *
 * @param tenant the tenant
 * @param nextPlannedStartMillis where the next planned window of the tenant starts (of its history
 *     while it reads a recent span first)
 * @param syncPositionMillis the end of the longest prefix of committed windows from the tenant's
 *     start
 * @param committedBeyondPosition committed ranges after the position, not yet contiguous with it
 *     (disjoint, sorted)
 * @param recentFromMillis where the recent span the tenant reads first starts, or {@link
 *     #NO_RECENT} when it reads oldest first
 * @param recentNextMillis where the next window of the recent span starts ({@link #NO_RECENT}
 *     without one)
 */
@Internal
public record TenantState(
        String tenant,
        long nextPlannedStartMillis,
        long syncPositionMillis,
        List<TimeRange> committedBeyondPosition,
        long recentFromMillis,
        long recentNextMillis) {

    /** No recent span: the tenant is planned oldest first from its next planned start. */
    public static final long NO_RECENT = Long.MIN_VALUE;

    public TenantState {
        checkNotNull(tenant, "tenant");
        committedBeyondPosition = List.copyOf(committedBeyondPosition);
    }

    /** A tenant planned oldest first (no recent span). */
    public TenantState(
            String tenant,
            long nextPlannedStartMillis,
            long syncPositionMillis,
            List<TimeRange> committedBeyondPosition) {
        this(
                tenant,
                nextPlannedStartMillis,
                syncPositionMillis,
                committedBeyondPosition,
                NO_RECENT,
                NO_RECENT);
    }

    /** Whether the tenant reads a recent span before the rest of its history. */
    public boolean hasRecentSpan() {
        return recentFromMillis != NO_RECENT;
    }
}
