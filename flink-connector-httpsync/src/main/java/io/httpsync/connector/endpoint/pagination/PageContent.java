package io.httpsync.connector.endpoint.pagination;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * What a pagination needs of one page: its records, and the cursor, end flag and total if the
 * response has them (null if absent or not configured). The end flag is a has-next flag ({@code
 * response.has-next-path}) or a last-page flag ({@code response.last-page-path}), never both (the
 * description refuses it); paginations read it through {@link #more()}.
 */
@Internal
public record PageContent(
        List<JsonNode> records, String cursor, Boolean hasNext, Long total, Boolean lastPage) {
    public PageContent {
        records = List.copyOf(records);
    }

    /** A page without a last-page flag. */
    public PageContent(List<JsonNode> records, String cursor, Boolean hasNext, Long total) {
        this(records, cursor, hasNext, total, null);
    }

    public static PageContent of(List<JsonNode> records) {
        return new PageContent(records, null, null, null, null);
    }

    /**
     * What the end flag says: true if pages follow, false if this is the last, null if the page has
     * no flag.
     */
    public Boolean more() {
        return hasNext != null ? hasNext : lastPage != null ? Boolean.valueOf(!lastPage) : null;
    }

    /** Which flag ended the window when {@link #more()} is false. */
    PageEnd flagEnd() {
        return hasNext != null ? PageEnd.HAS_NEXT_FALSE : PageEnd.LAST_PAGE_FLAG;
    }
}
