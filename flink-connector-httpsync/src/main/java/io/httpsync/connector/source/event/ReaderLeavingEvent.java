package io.httpsync.connector.source.event;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Reader to enumerator, as the reader closes: its rate-limit allotments are unused from now on, so
 * the job's budget may give them to others (other readers, a dependent endpoint's instances)
 * without waiting for a confirmation that a finished reader would never send. Not answered. Flink
 * drops events of an attempt that is no longer running, so a failed attempt's event cannot take the
 * parts of its successor.
 */
@Internal
public record ReaderLeavingEvent() implements SourceEvent {
    private static final long serialVersionUID = 1L;
}
