package io.httpsync.connector.source.split;

import io.httpsync.connector.endpoint.pagination.PagePosition;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The mutable reading state of a {@link WindowSplit} inside a reader (the split-state half of the
 * immutable split / mutable state pair that {@code SourceReaderBase} expects): the position after
 * the last emitted page, and how the window ends once the record emitter knows it.
 *
 * <p>The position stays typed while the window is read and is serialized only when a snapshot or
 * report asks for the split ({@link #toSplit()}); until the first page is emitted, the split's own
 * (restored) position stands. The outcome is written here by the record emitter, in the same
 * mailbox action that emits the page it follows from, and leaves with the split (the way Flink CDC
 * keeps a split's progress in its state): a checkpoint taken after the last page but before Flink
 * reports the split finished already holds the outcome, and a window that failed part-way holds its
 * failure, so a restore reports it instead of reading it again as if nothing had happened. The
 * counters are for metrics of the current attempt and start again at zero after a restore.
 *
 * <p>Not thread-safe: mailbox thread only.
 */
@Internal
public final class WindowSplitState {

    private final WindowSplit split;

    /**
     * The position of the next page, once a page was emitted; null then means paging of the window
     * stopped.
     */
    @Nullable private PagePosition position;

    private boolean pageEmitted;
    @Nullable private WindowOutcome outcome;
    private long recordsEmitted;
    private long pagesRead;

    public WindowSplitState(WindowSplit split) {
        this.split = checkNotNull(split, "split");
        this.outcome = split.outcome();
    }

    public WindowSplit split() {
        return split;
    }

    /** The serialized position of the next page (for snapshots and exception events), or null. */
    @Nullable
    public String position() {
        if (!pageEmitted) {
            return split.position();
        }
        return position == null ? null : position.serialize();
    }

    /** Called after the records of a page were emitted, with the position of the next page. */
    public void pageEmitted(@Nullable PagePosition nextPosition, long records) {
        this.position = nextPosition;
        this.pageEmitted = true;
        this.recordsEmitted += records;
        this.pagesRead++;
    }

    /**
     * Notes how the window ends. A failure is never replaced, since any part of the window may be
     * incomplete; a finished window may turn out too early (see the reader's platform clock check).
     */
    public void ended(WindowOutcome windowOutcome) {
        checkNotNull(windowOutcome, "windowOutcome");
        if (!hasFailed()) {
            this.outcome = windowOutcome;
        }
    }

    /** Whether the window already failed (its end will be reported as a failure). */
    public boolean hasFailed() {
        return outcome != null && outcome.kind() == WindowOutcome.Kind.FAILED;
    }

    /** How the window ended, or null while it is read and nothing failed. */
    @Nullable
    public WindowOutcome outcome() {
        return outcome;
    }

    public long recordsEmitted() {
        return recordsEmitted;
    }

    public long pagesRead() {
        return pagesRead;
    }

    /** The split as far as it was read, with its outcome if it has one. */
    public WindowSplit toSplit() {
        return split.withPosition(position()).withOutcome(outcome);
    }

    @Override
    public String toString() {
        return "WindowSplitState{"
                + split.splitId()
                + ", position="
                + (pageEmitted ? position : split.position())
                + (outcome == null ? "" : ", outcome=" + outcome)
                + ", recordsEmitted="
                + recordsEmitted
                + ", pagesRead="
                + pagesRead
                + '}';
    }
}
