package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.split.FailureStreak;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

/**
 * The plan's rules for windows that fail in a row: when a failed window is read again and when a
 * bounded sync gives up on it (see {@link WindowFailure} and {@link SyncPlan#maxWindowFailures()}).
 *
 * <p>The count itself is the window's {@link FailureStreak}, which travels with its split
 * (checkpointed with it, so a restore does not reset it). A failure with another cause than the
 * previous one starts a new streak; a window that finishes, or is replaced by other windows, leaves
 * its streak behind.
 *
 * <p>Stateless and immutable; used by the enumerator on the coordinator thread.
 */
@Internal
final class FailureStreaks {

    private final SyncPlan plan;

    FailureStreaks(SyncPlan plan) {
        this.plan = plan;
    }

    /**
     * The streak of {@code window} after {@code failure}.
     *
     * @throws WindowFailedException if the sync is bounded and the window failed with the same
     *     lasting cause as many times as the plan allows
     */
    FailureStreak failed(WindowSplit window, WindowFailure failure) {
        FailureStreak streak = FailureStreak.after(window.failureStreak(), failure);
        if (plan.isBounded()
                && !failure.transientCause()
                && streak.failures() >= plan.maxWindowFailures()) {
            throw new WindowFailedException(
                    window.tenant(),
                    window.startMillis(),
                    window.endMillis(),
                    streak.failures(),
                    failure.reason());
        }
        return streak;
    }

    /** When the window is read again after the failure that gave it {@code streak}. */
    long retryAt(long nowMillis, FailureStreak streak, WindowFailure failure) {
        return nowMillis + plan.retryDelayMillis(streak.failures(), failure.transientCause());
    }
}
