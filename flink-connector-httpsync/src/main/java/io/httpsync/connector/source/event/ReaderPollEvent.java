package io.httpsync.connector.source.event;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Reader to enumerator, every poll interval while the reader runs: "anything for me?". The enumerator answers only
 * readers that speak to it (this poll, a split request or a report) and never on its own initiative. A task that a
 * stop-with-savepoint is finishing no longer polls, so no event of the enumerator can reach it after it closed: Flink
 * fails over a task to which an operator event was lost, and the stop would fail.
 */
@Internal
public record ReaderPollEvent() implements SourceEvent {
    private static final long serialVersionUID = 1L;
}
