package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import java.util.List;

/**
 * The checkpointed state of the {@link HttpSyncEnumerator}: everything needed to resume exactly
 * where it was.
 *
 * <p>Every window of every tenant between its start and its next planned start is, at any time, in
 * exactly one place: unassigned, assigned to a reader, failed (waiting for a retry), finished
 * (waiting for a checkpoint), or committed (behind the sync position, or among the committed ranges
 * beyond it). Hot windows appear as their pieces.
 *
 * @param tenants the planning and commit progress per tenant, sorted by tenant
 * @param unassigned windows planned but not handed out, in assignment order
 * @param assigned windows handed out to a reader and not reported back, sorted by start
 * @param finishedPending finished windows waiting for a completed checkpoint, sorted by start
 * @param failed failed windows waiting for their retry, sorted by start
 * @param refreshTokens the newest refresh token of each tenant whose token endpoint rotates them,
 *     sorted by tenant (secrets: {@link #toString} leaves them out)
 * @param passes the periodic full passes per tenant, sorted by tenant (empty when the source runs
 *     none, or in a state of version 1 or 2)
 */
@Internal
public record HttpSyncEnumState(
        List<TenantState> tenants,
        List<WindowSplit> unassigned,
        List<WindowSplit> assigned,
        List<FinishedWindow> finishedPending,
        List<FailedWindow> failed,
        List<RotatedRefreshToken> refreshTokens,
        List<PassState> passes) {

    public HttpSyncEnumState {
        tenants = List.copyOf(tenants);
        unassigned = List.copyOf(unassigned);
        assigned = List.copyOf(assigned);
        finishedPending = List.copyOf(finishedPending);
        failed = List.copyOf(failed);
        refreshTokens = List.copyOf(refreshTokens);
        passes = List.copyOf(passes);
    }

    /**
     * A state without refresh tokens (an endpoint whose tokens do not rotate, or a state of version
     * 1).
     */
    public HttpSyncEnumState(
            List<TenantState> tenants,
            List<WindowSplit> unassigned,
            List<WindowSplit> assigned,
            List<FinishedWindow> finishedPending,
            List<FailedWindow> failed) {
        this(tenants, unassigned, assigned, finishedPending, failed, List.of(), List.of());
    }

    /** The same windows, refresh tokens and passes with this progress of the tenants. */
    public HttpSyncEnumState withTenants(List<TenantState> newTenants) {
        return new HttpSyncEnumState(
                newTenants, unassigned, assigned, finishedPending, failed, refreshTokens, passes);
    }

    /** The same windows and progress with these refresh tokens. */
    public HttpSyncEnumState withRefreshTokens(List<RotatedRefreshToken> newest) {
        return new HttpSyncEnumState(
                tenants, unassigned, assigned, finishedPending, failed, newest, passes);
    }

    /** The same windows, progress and refresh tokens with these full passes. */
    public HttpSyncEnumState withPasses(List<PassState> newPasses) {
        return new HttpSyncEnumState(
                tenants, unassigned, assigned, finishedPending, failed, refreshTokens, newPasses);
    }
}
