package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.List;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * Reader to enumerator: the reader is done with these windows; each split carries how it ended (its
 * {@link WindowSplit#outcome() outcome}, see {@link WindowOutcome}): finished, too large, failed or
 * too early.
 *
 * <p>The reader sends it only after emitting the last record it emits of each window, from the
 * mailbox thread that emits records and takes checkpoints. So the records precede the barrier of
 * every checkpoint that the reader takes after sending, which is what lets the enumerator commit a
 * finished window (or the covered part of a too-large or too-early one) once a checkpoint
 * snapshotted after this event has completed. The reader keeps the splits with their outcomes in
 * its state until a {@link WindowsFinishedAckEvent} names them, and sends the event again after a
 * restore.
 *
 * <p>A reader must never report an {@link WindowSplit#isUnsplittable() unsplittable} split too
 * large: see there.
 */
@Internal
public record WindowsEndedEvent(List<WindowSplit> splits) implements SourceEvent {

    private static final long serialVersionUID = 1L;

    public WindowsEndedEvent {
        checkArgument(!splits.isEmpty(), "A WindowsEndedEvent must name at least one window");
        splits = List.copyOf(splits);
        for (WindowSplit split : splits) {
            WindowOutcome outcome = split.outcome();
            checkArgument(outcome != null, "Split %s has no outcome to report", split);
            Long coveredFrom = outcome.coveredFromMillis();
            checkArgument(
                    outcome.kind() != WindowOutcome.Kind.TOO_LARGE
                            || coveredFrom == null
                            || (coveredFrom >= split.startMillis()
                                    && coveredFrom < split.endMillis()),
                    "coveredFromMillis %s lies outside the window of %s",
                    coveredFrom,
                    split);
        }
    }
}
