package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import javax.annotation.Nullable;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Reader to enumerator: the window holds more records than the platform lets one page through (known from the total
 * on the first page, or from hitting the deep-paging cap), so the enumerator must split it.
 *
 * <p>If {@link #coveredFromMillis()} is not null, the reader has already emitted every record updated in
 * {@code [coveredFromMillis, end)} (newest-first paging reaches the newest records first). Records updated at exactly
 * {@code coveredFromMillis} may continue beyond the cap, so what remains is {@code [start, coveredFromMillis + 1 ms)},
 * widened to the platform's time resolution. If it is null, nothing was emitted and the whole window remains.
 *
 * <p>Like {@link WindowsFinishedEvent}, it is sent after the emitted records, the reader keeps the split (with a
 * {@link io.httpsync.connector.source.split.WindowOutcome#tooLarge too-large outcome}) until a
 * {@link WindowsFinishedAckEvent}, and the enumerator commits the covered part only after a checkpoint.
 *
 * <p>A reader must never send it for an {@link WindowSplit#isUnsplittable() unsplittable} split: see there.
 *
 * @param split the split as the reader holds it
 * @param knownTotal the platform's total for the window, or a lower bound (the records seen up to the cap)
 * @param coveredFromMillis the update time of the oldest emitted record, or null if none was emitted
 */
@Internal
public record WindowTooLargeEvent(WindowSplit split, long knownTotal, @Nullable Long coveredFromMillis)
        implements SourceEvent {

    private static final long serialVersionUID = 1L;

    public WindowTooLargeEvent {
        checkNotNull(split, "split");
        checkArgument(knownTotal >= 0, "knownTotal must not be negative but was %s", knownTotal);
        checkArgument(
                coveredFromMillis == null
                        || (coveredFromMillis >= split.startMillis() && coveredFromMillis < split.endMillis()),
                "coveredFromMillis %s lies outside the window of %s",
                coveredFromMillis,
                split);
    }
}
