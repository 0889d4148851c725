package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import java.util.List;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The checkpointed planning and commit progress of one tenant.
 *
 * @param tenant the tenant
 * @param nextPlannedStartMillis where the next planned window of the tenant starts
 * @param syncPositionMillis the end of the longest prefix of committed windows from the tenant's
 *     start
 * @param committedBeyondPosition committed ranges after the position, not yet contiguous with it
 *     (disjoint, sorted)
 */
@Internal
public record TenantState(
        String tenant,
        long nextPlannedStartMillis,
        long syncPositionMillis,
        List<TimeRange> committedBeyondPosition) {

    public TenantState {
        checkNotNull(tenant, "tenant");
        committedBeyondPosition = List.copyOf(committedBeyondPosition);
    }
}
