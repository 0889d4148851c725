package io.httpsync.connector.source.event;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

/**
 * Enumerator to reader: the enumerator has taken over responsibility for these splits, so the
 * reader can drop them from its state.
 *
 * <p>It acknowledges every split of a {@link WindowsEndedEvent}, whatever its outcome. It is also
 * sent for reports the enumerator ignores because it has already handled them (a report re-sent
 * after a restore), so a reader never keeps a split forever.
 */
@Internal
public record WindowsFinishedAckEvent(List<String> splitIds) implements SourceEvent {

    private static final long serialVersionUID = 1L;

    public WindowsFinishedAckEvent {
        splitIds = List.copyOf(splitIds);
    }
}
