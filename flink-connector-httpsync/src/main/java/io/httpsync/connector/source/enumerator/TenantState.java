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
 * @param turnPassAhead how far the tenant's pass in the turns ({@link TenantTurns}) is ahead of the
 *     virtual time (0: it is at it, or had no turn yet); relative, so it stays small over a long
 *     run
 * @param historyCredit the credit towards the tenant's next history turn ({@link
 *     TenantTurns#historyTurn}), from 0 up to 1
 */
@Internal
public record TenantState(
        String tenant,
        long nextPlannedStartMillis,
        long syncPositionMillis,
        List<TimeRange> committedBeyondPosition,
        long recentFromMillis,
        long recentNextMillis,
        float turnPassAhead,
        float historyCredit) {

    /** No recent span: the tenant is planned oldest first from its next planned start. */
    public static final long NO_RECENT = Long.MIN_VALUE;

    public TenantState {
        checkNotNull(tenant, "tenant");
        committedBeyondPosition = List.copyOf(committedBeyondPosition);
    }

    /**
     * A tenant at the virtual time of the turns, without history credit (state before version 5).
     */
    public TenantState(
            String tenant,
            long nextPlannedStartMillis,
            long syncPositionMillis,
            List<TimeRange> committedBeyondPosition,
            long recentFromMillis,
            long recentNextMillis) {
        this(
                tenant,
                nextPlannedStartMillis,
                syncPositionMillis,
                committedBeyondPosition,
                recentFromMillis,
                recentNextMillis,
                0,
                0);
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

    /** The same progress with this turn. */
    public TenantState withTurn(float passAhead, float credit) {
        return new TenantState(
                tenant,
                nextPlannedStartMillis,
                syncPositionMillis,
                committedBeyondPosition,
                recentFromMillis,
                recentNextMillis,
                passAhead,
                credit);
    }

    /** Whether the tenant reads a recent span before the rest of its history. */
    public boolean hasRecentSpan() {
        return recentFromMillis != NO_RECENT;
    }
}
