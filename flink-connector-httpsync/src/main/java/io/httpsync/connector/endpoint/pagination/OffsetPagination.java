package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import org.apache.flink.annotation.Internal;

/**
 * Offset/limit paging ({@code ${offset}} = page index times {@code ${pageSize}}); the algorithm is
 * {@link NumberedPagination}'s, since an offset is a page number in disguise.
 */
@Internal
public final class OffsetPagination extends NumberedPagination {
    public OffsetPagination(EndpointSpec spec) {
        super(spec);
    }

    @Override
    public PaginationStyle style() {
        return PaginationStyle.OFFSET;
    }
}
