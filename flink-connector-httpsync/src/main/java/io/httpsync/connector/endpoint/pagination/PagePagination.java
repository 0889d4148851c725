package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import io.httpsync.connector.endpoint.template.Placeholders;

import org.apache.flink.annotation.Internal;

import java.util.List;
import java.util.Set;

/**
 * Page-number paging ({@code ${page}} from {@code pagination.start-page}); the algorithm is {@link
 * NumberedPagination}'s. {@code ${offset}} is available too, for APIs that want both.
 */
@Internal
public final class PagePagination extends NumberedPagination {
    public static final PagingStyle STYLE =
            new PagingStyle(
                    Set.of(Placeholders.PAGE, Placeholders.OFFSET),
                    List.of(),
                    PagingStyle.BOTH_END_FLAGS,
                    NumberedPagination.ENDS_BY,
                    true,
                    NumberedPosition.KIND,
                    NumberedPosition::read,
                    PagePagination::new);

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
