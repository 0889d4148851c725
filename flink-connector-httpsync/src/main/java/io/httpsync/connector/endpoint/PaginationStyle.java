package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;
import org.apache.flink.annotation.PublicEvolving;

/** How a list API is paged; each style has one implementation in {@code endpoint.pagination}. */
@PublicEvolving
public enum PaginationStyle implements OptionEnum {
    /** A page number ({@code ${page}}), starting at {@code pagination.start-page}. */
    PAGE,
    /** A record offset ({@code ${offset}}) with a limit ({@code ${pageSize}}). */
    OFFSET,
    /** An opaque cursor handed out by the previous page ({@code ${cursor}}, empty on the first call). */
    CURSOR,
    /** Continue after the last record's time and id ({@code ${keyset.time}}, {@code ${keyset.id}}). */
    KEYSET;
}
