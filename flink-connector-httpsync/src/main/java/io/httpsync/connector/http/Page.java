package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.pagination.PageEnd;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.endpoint.pagination.PageStep;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One fetched page of a window: its records, where paging goes next, and the signals the reader
 * must act on. Immutable.
 *
 * <ul>
 *   <li>{@link #splitRequired()}: the window holds more records than the platform lets one query
 *       page through (the first page's total exceeds the deep-paging cap). {@link #records()} is
 *       empty: emit nothing, ask the enumerator to split the window.
 *   <li>{@link #capReachedAt()}: paging stopped at the deep-paging cap without a total. Emit the
 *       records; the part of the window not read lies at or before this time ({@code sort = desc};
 *       at or after it for {@code asc}) and must be re-planned.
 *   <li>{@link #totalUnstable()}: the total kept growing while the window was paged; emit the
 *       records, and read the window again later.
 * </ul>
 */
@Internal
public final class Page {
    private final PagePosition position;
    private final PageStep step;
    private final int attempts;

    /** A page fetched at {@code position}; the step is the pagination's conclusion from it. */
    public Page(PagePosition position, PageStep step, int attempts) {
        this.position = position;
        this.step = step;
        this.attempts = attempts;
    }

    /** The records to emit, in the platform's order. */
    public List<JsonNode> records() {
        return step.records();
    }

    /** The position this page was fetched at. */
    public PagePosition position() {
        return position;
    }

    /** The position of the next page; empty when paging of the window stops (done, or a signal). */
    public Optional<PagePosition> next() {
        return Optional.ofNullable(step.next());
    }

    public boolean isLast() {
        return step.isLast();
    }

    /** The window's total as this page reported it. */
    public OptionalLong total() {
        return step.total() == null ? OptionalLong.empty() : OptionalLong.of(step.total());
    }

    public boolean splitRequired() {
        return step.splitRequired();
    }

    public OptionalLong capReachedAt() {
        return step.capReachedAt() == null
                ? OptionalLong.empty()
                : OptionalLong.of(step.capReachedAt());
    }

    public boolean totalUnstable() {
        return step.totalUnstable();
    }

    /** Why paging of the window stops after this page, or null if it goes on. */
    public PageEnd end() {
        return step.end();
    }

    /** Requests sent for this page, retries included. */
    public int attempts() {
        return attempts;
    }

    @Override
    public String toString() {
        return "Page{position="
                + position.serialize()
                + ", records="
                + records().size()
                + ", next="
                + next().map(PagePosition::serialize).orElse("end")
                + ", total="
                + step.total()
                + ", splitRequired="
                + splitRequired()
                + ", capReachedAt="
                + step.capReachedAt()
                + ", totalUnstable="
                + totalUnstable()
                + ", attempts="
                + attempts
                + "}";
    }
}
