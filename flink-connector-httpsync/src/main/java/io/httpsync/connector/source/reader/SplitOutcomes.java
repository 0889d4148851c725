package io.httpsync.connector.source.reader;

import io.httpsync.connector.source.split.WindowOutcome;
import org.apache.flink.annotation.Internal;

import java.util.HashMap;
import java.util.Map;

/**
 * How splits that just ended ended, noted by the record emitter and read by the reader when Flink reports the split
 * finished. Both run on the task's mailbox thread, and Flink emits a split's last element before reporting it
 * finished, so no synchronization is needed. A split without a noted outcome finished normally.
 */
@Internal
final class SplitOutcomes {
    private final Map<String, WindowOutcome> bySplit = new HashMap<>();

    /** Notes how the split ends; a failure is never replaced, since any part of the window may be incomplete. */
    void note(String splitId, WindowOutcome outcome) {
        bySplit.merge(splitId, outcome, (noted, later) -> noted.kind() == WindowOutcome.Kind.FAILED ? noted : later);
    }

    /** Whether the split's window already failed (its end will be reported as a failure). */
    boolean hasFailed(String splitId) {
        WindowOutcome o = bySplit.get(splitId);
        return o != null && o.kind() == WindowOutcome.Kind.FAILED;
    }

    /** The outcome of a split that Flink reports finished; forgets it. */
    WindowOutcome take(String splitId) {
        WindowOutcome o = bySplit.remove(splitId);
        return o == null ? WindowOutcome.finished() : o;
    }
}
