package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Reader to enumerator: a request of this window exhausted its retries and the job's policy is to record the
 * exception event and retry the window later (never to skip it), or the window cannot be finished yet.
 *
 * <p>The enumerator puts the window back into the queue after the plan's failed-window retry delay, reading it again
 * from its start (a paging position may have expired meanwhile). The sync position cannot pass the window until it
 * has been read and committed. The reader keeps the split (with a
 * {@link io.httpsync.connector.source.split.WindowOutcome#failed failed outcome}) until a
 * {@link WindowsFinishedAckEvent}. A window that keeps failing with the same lasting cause ends a bounded sync (see
 * {@link WindowFailure}).
 *
 * @param split the split as the reader holds it
 * @param failure why; its reason must not contain secrets
 */
@Internal
public record WindowFailedEvent(WindowSplit split, WindowFailure failure) implements SourceEvent {

    private static final long serialVersionUID = 2L;

    public WindowFailedEvent {
        checkNotNull(split, "split");
        checkNotNull(failure, "failure");
    }

    /** A failure that asking again will not change ({@link WindowFailure#lasting}). */
    public WindowFailedEvent(WindowSplit split, String reason) {
        this(split, WindowFailure.lasting(reason));
    }

    /** A short description for logs, without secrets. */
    public String reason() {
        return failure.reason();
    }
}
