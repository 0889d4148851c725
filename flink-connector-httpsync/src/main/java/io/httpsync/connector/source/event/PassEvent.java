package io.httpsync.connector.source.event;

import io.httpsync.connector.source.PassMarker;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Enumerator to readers: a tenant's full pass started, completed or was abandoned; the reader emits
 * the marker as an element after every record it emitted before (see {@link PassMarker}).
 */
@Internal
public record PassEvent(PassMarker marker) implements SourceEvent {
    private static final long serialVersionUID = 1L;
}
