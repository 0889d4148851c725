package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import io.httpsync.connector.endpoint.template.Placeholders;

import org.apache.flink.annotation.Internal;

import java.util.List;
import java.util.Set;

/**
 * Offset/limit paging ({@code ${offset}} = page index times {@code ${pageSize}} when paging
 * backwards; the records read so far when paging forward); the algorithm is {@link
 * NumberedPagination}'s, since an offset is a page number in disguise.
 */
@Internal
public final class OffsetPagination extends NumberedPagination {
    public static final PagingStyle STYLE =
            new PagingStyle(
                    Set.of(Placeholders.PAGE, Placeholders.OFFSET),
                    List.of(),
                    PagingStyle.BOTH_END_FLAGS,
                    NumberedPagination.ENDS_BY,
                    true,
                    NumberedPosition.KIND,
                    NumberedPosition::read,
                    OffsetPagination::new);

    public OffsetPagination(EndpointSpec spec) {
        super(spec);
    }

    @Override
    public PaginationStyle style() {
        return PaginationStyle.OFFSET;
    }

    @Override
    protected boolean byOffset() {
        return true;
    }
}
