package io.httpsync.connector.source.split;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The mutable reading state of a {@link WindowSplit} inside a reader (the split-state half of the immutable split /
 * mutable state pair that {@code SourceReaderBase} expects).
 *
 * <p>Only the position is checkpointed ({@link #toSplit()}); the counters are for metrics and drift checks of the
 * current attempt and start again at zero after a restore.
 *
 * <p>Not thread-safe: the reader advances it in the same mailbox action that emits the records of a page, so the
 * position and the emitted records always agree in a checkpoint.
 */
@Internal
public final class WindowSplitState {

    private final WindowSplit split;
    @Nullable private String position;
    private long recordsEmitted;
    private long pagesRead;

    public WindowSplitState(WindowSplit split) {
        this.split = checkNotNull(split, "split");
        this.position = split.position();
    }

    public WindowSplit split() {
        return split;
    }

    @Nullable
    public String position() {
        return position;
    }

    /** Called after the records of a page were emitted, with the position of the next page. */
    public void pageEmitted(@Nullable String nextPosition, long records) {
        this.position = nextPosition;
        this.recordsEmitted += records;
        this.pagesRead++;
    }

    public void setPosition(@Nullable String position) {
        this.position = position;
    }

    public long recordsEmitted() {
        return recordsEmitted;
    }

    public long pagesRead() {
        return pagesRead;
    }

    public WindowSplit toSplit() {
        return split.withPosition(position);
    }

    @Override
    public String toString() {
        return "WindowSplitState{"
                + split.splitId()
                + ", position="
                + position
                + ", recordsEmitted="
                + recordsEmitted
                + ", pagesRead="
                + pagesRead
                + '}';
    }
}
