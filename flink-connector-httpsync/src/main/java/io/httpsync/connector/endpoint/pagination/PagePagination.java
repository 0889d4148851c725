package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import org.apache.flink.annotation.Internal;

/**
 * Page-number paging ({@code ${page}} from {@code pagination.start-page}); the algorithm is
 * {@link NumberedPagination}'s. {@code ${offset}} is available too, for APIs that want both.
 */
@Internal
public final class PagePagination extends NumberedPagination {
    public PagePagination(EndpointSpec spec) {
        super(spec);
    }

    @Override
    public PaginationStyle style() {
        return PaginationStyle.PAGE;
    }

    @Override
    protected boolean byOffset() {
        return false;
    }
}
