package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Reader to enumerator: the reader emitted every record the platform listed for this window, but the platform's clock
 * had not reached the window's end plus the lag when the reading began (the platform's clock runs behind ours), so the
 * platform may still stamp records into it. The enumerator commits the part the platform had passed and reads the rest
 * again as the platform's clock reaches it. The reader keeps the split until a {@link WindowsFinishedAckEvent}.
 *
 * @param split the split as the reader holds it
 * @param platformReachedMillis the platform's time when the reading began (a lower bound, by the platform's clock)
 */
@Internal
public record WindowTooEarlyEvent(WindowSplit split, long platformReachedMillis) implements SourceEvent {

    private static final long serialVersionUID = 1L;

    public WindowTooEarlyEvent {
        checkNotNull(split, "split");
    }
}
