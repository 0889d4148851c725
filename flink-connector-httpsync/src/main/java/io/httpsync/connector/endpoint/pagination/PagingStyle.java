package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Everything one paging style needs and offers, declared once, beside its implementation ({@code
 * STYLE} of {@link PagePagination}, {@link OffsetPagination}, {@link CursorPagination}, {@link
 * KeysetPagination}); a {@link io.httpsync.connector.endpoint.PaginationStyle} names it. The
 * description's validation, the template placeholders, the split state's positions and the fetcher
 * all ask here, so a new style is one class and one line in {@code PaginationStyle}. Immutable.
 *
 * @param placeholders the paging placeholders the style fills (every style fills {@code
 *     ${pageSize}} too)
 * @param requiredPaths the response paths the style reads, which a description of it must set
 * @param endFlags the end flags of a response the style honours ({@code response.has-next-path},
 *     {@code response.last-page-path}); a description of the style may set one of these, no other
 * @param endsBy what ends a window of the style, in words, for messages and {@code preview}
 * @param pagesBackwardWithTotal whether the style pages from the last page back when {@code
 *     response.total-path} is set (numbered styles: records that leave the window while paging then
 *     shift no unread record away)
 * @param positionKind the kind its positions have in their serialized form ({@link
 *     PagePosition#kind()})
 * @param positionReader reads a serialized position of that kind
 * @param create the style's pagination for a description
 */
@Internal
public record PagingStyle(
        Set<String> placeholders,
        List<ConfigOption<String>> requiredPaths,
        List<ConfigOption<String>> endFlags,
        String endsBy,
        boolean pagesBackwardWithTotal,
        String positionKind,
        Function<JsonNode, PagePosition> positionReader,
        Function<EndpointSpec, Pagination> create) {

    /** Both end flags: has-next (false ends a window) and last-page (true ends it). */
    static final List<ConfigOption<String>> BOTH_END_FLAGS =
            List.of(
                    EndpointOptions.RESPONSE_HAS_NEXT_PATH,
                    EndpointOptions.RESPONSE_LAST_PAGE_PATH);

    public PagingStyle {
        placeholders = Set.copyOf(placeholders);
        requiredPaths = List.copyOf(requiredPaths);
        endFlags = List.copyOf(endFlags);
    }
}
