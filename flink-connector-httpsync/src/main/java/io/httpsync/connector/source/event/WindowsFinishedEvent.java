package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * Reader to enumerator: every record of these windows has been emitted.
 *
 * <p>The reader sends it only after emitting the last record of each window, from the mailbox thread that emits
 * records and takes checkpoints. So the records precede the barrier of every checkpoint that the reader takes after
 * sending, which is what lets the enumerator commit a window once a checkpoint snapshotted after this event has
 * completed. The reader keeps the splits (marked {@link WindowSplit#asFinished() finished}) in its state until a
 * {@link WindowsFinishedAckEvent} names them, and sends the event again after a restore.
 */
@Internal
public record WindowsFinishedEvent(List<WindowSplit> splits) implements SourceEvent {

    private static final long serialVersionUID = 1L;

    public WindowsFinishedEvent {
        checkArgument(!splits.isEmpty(), "A WindowsFinishedEvent must name at least one window");
        splits = List.copyOf(splits);
    }
}
