package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.Objects;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Reader to enumerator: a request of this window exhausted its retries and the job's policy is to record the
 * exception event and retry the window later (never to skip it).
 *
 * <p>The enumerator puts the window back into the queue after the plan's failed-window retry delay, reading it again
 * from its start (a paging position may have expired meanwhile). The sync position cannot pass the window until it
 * has been read and committed. The reader keeps the split (with a
 * {@link io.httpsync.connector.source.split.WindowOutcome#failed failed outcome}) until a
 * {@link WindowsFinishedAckEvent}.
 */
@Internal
public final class WindowFailedEvent implements SourceEvent {

    private static final long serialVersionUID = 1L;

    private final WindowSplit split;
    private final String reason;

    /** @param reason a short description for logs; must not contain secrets */
    public WindowFailedEvent(WindowSplit split, String reason) {
        this.split = checkNotNull(split, "split");
        this.reason = checkNotNull(reason, "reason");
    }

    public WindowSplit split() {
        return split;
    }

    public String reason() {
        return reason;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WindowFailedEvent)) {
            return false;
        }
        WindowFailedEvent that = (WindowFailedEvent) o;
        return split.equals(that.split) && reason.equals(that.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(split, reason);
    }

    @Override
    public String toString() {
        return "WindowFailedEvent{" + split.splitId() + ", reason=" + reason + '}';
    }
}
