package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;

import org.apache.flink.annotation.Internal;

import java.util.Map;

/**
 * One paging style: where paging of a window starts, what a position contributes to the request,
 * and where to go after a page. Used by the reader, the lookup source and tests alike.
 * Implementations are immutable and thread-safe; all state lives in the {@link PagePosition}s they
 * hand out. {@code docs/pagination.md} says what each style guarantees while the platform's data
 * changes.
 */
@Internal
public interface Pagination {
    PaginationStyle style();

    /** The position of a window's first page. */
    PagePosition first();

    /**
     * The template values the position contributes ({@code page}, {@code offset}, {@code cursor},
     * {@code keyset.*}, {@code pageSize}).
     */
    Map<String, String> variables(PagePosition position, long windowStart, long windowEnd);

    /**
     * What follows from the page fetched at {@code position}.
     *
     * @throws io.httpsync.connector.endpoint.ResponseFormatException if the page contradicts the
     *     description (no total where one is configured, a cursor or key that does not advance)
     */
    PageStep next(PagePosition position, PageContent page);

    /**
     * How many records of the window come before the page at {@code position}, where the style
     * knows (page number and offset); 0 where it does not. A page whose total does not reach beyond
     * them may be empty.
     */
    default long recordsBefore(PagePosition position) {
        return 0;
    }

    /**
     * Reads a position written by {@link PagePosition#serialize()}.
     *
     * @throws IllegalArgumentException if it is not a position of this style
     */
    PagePosition parse(String serialized);

    /** The pagination the description asks for. */
    static Pagination of(EndpointSpec spec) {
        return spec.pagination().style().paging().create().apply(spec);
    }
}
