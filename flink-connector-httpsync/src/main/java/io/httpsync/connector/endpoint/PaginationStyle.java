package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;
import io.httpsync.connector.endpoint.pagination.CursorPagination;
import io.httpsync.connector.endpoint.pagination.KeysetPagination;
import io.httpsync.connector.endpoint.pagination.OffsetPagination;
import io.httpsync.connector.endpoint.pagination.PagePagination;
import io.httpsync.connector.endpoint.pagination.PagingStyle;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How a list API is paged; each style has one implementation in {@code endpoint.pagination}, which
 * declares what the style needs and offers ({@link #paging()}).
 */
@PublicEvolving
public enum PaginationStyle implements OptionEnum {
    /** A page number ({@code ${page}}), starting at {@code pagination.start-page}. */
    PAGE,
    /** A record offset ({@code ${offset}}) with a limit ({@code ${pageSize}}). */
    OFFSET,
    /**
     * An opaque cursor handed out by the previous page ({@code ${cursor}}, empty on the first
     * call).
     */
    CURSOR,
    /**
     * Continue after the last record's time and id ({@code ${keyset.time}}, {@code ${keyset.id}}).
     */
    KEYSET;

    /**
     * Its placeholders, required response paths, position format and implementation, declared
     * beside the latter.
     */
    @Internal
    public PagingStyle paging() {
        return switch (this) {
            case PAGE -> PagePagination.STYLE;
            case OFFSET -> OffsetPagination.STYLE;
            case CURSOR -> CursorPagination.STYLE;
            case KEYSET -> KeysetPagination.STYLE;
        };
    }
}
