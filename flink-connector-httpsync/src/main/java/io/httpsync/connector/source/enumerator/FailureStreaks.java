package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import java.util.HashMap;
import java.util.Map;

/**
 * How often each window failed in a row, and with which cause: decides when a failed window is read again and when a
 * bounded sync gives up on it (see {@link WindowFailure} and {@link SyncPlan#maxWindowFailures()}).
 *
 * <p>A failure with another cause than the previous one starts a new streak; so does a window that finished (the
 * enumerator {@link #forget forgets} it). Not checkpointed: after a restore the counts start again, which only ever
 * retries more.
 *
 * <p>Not thread-safe: used by the enumerator on the coordinator thread only.
 */
@Internal
final class FailureStreaks {

    private final SyncPlan plan;
    private final Map<String, Streak> bySplit = new HashMap<>();

    FailureStreaks(SyncPlan plan) {
        this.plan = plan;
    }

    /** The streak of one window: the cause of its last failure, and how many failures in a row had it. */
    record Streak(String cause, int failures) {}

    /**
     * Notes a failure of {@code window} and returns its streak.
     *
     * @throws WindowFailedException if the sync is bounded and the window failed with the same lasting cause as many
     *     times as the plan allows
     */
    Streak failed(WindowSplit window, WindowFailure failure) {
        Streak previous = bySplit.get(window.splitId());
        int failures = previous != null && previous.cause().equals(failure.cause()) ? previous.failures() + 1 : 1;
        Streak streak = new Streak(failure.cause(), failures);
        bySplit.put(window.splitId(), streak);
        if (plan.isBounded() && !failure.transientCause() && failures >= plan.maxWindowFailures()) {
            throw new WindowFailedException(window.tenant(), window.startMillis(), window.endMillis(), failures, failure.reason());
        }
        return streak;
    }

    /** When the window is read again after the failure that gave it {@code streak}. */
    long retryAt(long nowMillis, Streak streak, WindowFailure failure) {
        return nowMillis + plan.retryDelayMillis(streak.failures(), failure.transientCause());
    }

    /** The window finished, or was replaced by others: its streak ends. */
    void forget(String splitId) {
        bySplit.remove(splitId);
    }
}
