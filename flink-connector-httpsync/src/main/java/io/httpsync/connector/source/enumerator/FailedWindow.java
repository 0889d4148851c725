package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * A window a reader gave up on, waiting to be handed out again.
 *
 * @param window the window, unstarted
 * @param retryAtMillis when it goes back into the queue
 * @param reason why it failed (no secrets), for the logs
 */
@Internal
public record FailedWindow(WindowSplit window, long retryAtMillis, String reason) {

    public FailedWindow {
        checkNotNull(window, "window");
        checkNotNull(reason, "reason");
    }
}
