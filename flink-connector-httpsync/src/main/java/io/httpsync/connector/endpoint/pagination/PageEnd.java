package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointOptions;

import org.apache.flink.annotation.Internal;

/**
 * Why paging of a window stopped after a page ({@link PageStep#end()}): which end condition of the
 * style fired. Read by {@code preview}, which prints it, and by tests; the reader acts on the
 * step's signals, not on this.
 */
@Internal
public enum PageEnd {
    EMPTY_PAGE("an empty page"),
    SHORT_PAGE("a page shorter than 'pagination.page-size'"),
    HAS_NEXT_FALSE(
            "the has-next flag at '" + EndpointOptions.RESPONSE_HAS_NEXT_PATH.key() + "' is false"),
    LAST_PAGE_FLAG(
            "the last-page flag at '"
                    + EndpointOptions.RESPONSE_LAST_PAGE_PATH.key()
                    + "' is true"),
    TOTAL_REACHED(
            "every page the total at '"
                    + EndpointOptions.RESPONSE_TOTAL_PATH.key()
                    + "' counts was read"),
    FIRST_PAGE_HOLDS_TOTAL("the first page holds the whole total"),
    CURSOR_ABSENT(
            "no next cursor at '"
                    + EndpointOptions.RESPONSE_CURSOR_PATH.key()
                    + "' (missing, null or empty)"),
    CURSOR_END_MARKER("the cursor is one of 'pagination.cursor.end-markers'"),
    CURSOR_UNCHANGED("an empty page handed out the cursor it was asked with"),
    NOTHING_AFTER_KEY("a page that is not full holds nothing after the key"),
    CAP_REACHED(
            "the deep-paging cap ('pagination.max-pages' / 'pagination.max-records'): the rest of the window is re-planned"),
    SPLIT_REQUIRED(
            "the total exceeds the deep-paging cap: the window is split before anything is emitted"),
    TOTAL_UNSTABLE(
            "the total kept growing for 'pagination.max-passes' passes: the window is read again later");

    private final String description;

    PageEnd(String description) {
        this.description = description;
    }

    /** The condition in words, naming the option behind it. */
    public String description() {
        return description;
    }
}
