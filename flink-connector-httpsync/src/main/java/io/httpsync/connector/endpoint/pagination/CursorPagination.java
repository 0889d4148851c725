package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.template.Placeholders;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cursor paging: the first page is asked for with an empty cursor, each page hands out the cursor
 * of the next. The window ends at a missing, null or empty cursor, at one of {@code
 * pagination.cursor.end-markers} (Kuaishou {@code "nomore"}), or when an end flag says so (has-next
 * false, last-page true). An empty page with a new cursor goes on. Paging that runs in a cycle (A,
 * B, A, ...) would never end, so it fails the window: a cycle is found by comparing each cursor
 * with the one handed out at the last power-of-two page, within twice the pages of the cycle and
 * what led into it. A non-empty page that hands out the cursor it was asked with fails too; an
 * empty one ends the window. A cursor that encodes the last record's sort key (Kuaishou's {@code
 * <time>_<oid>}) makes paging forward loss-free while records move: a record that leaves the window
 * cannot shift another past the key. At the deep-paging cap paging stops with {@link
 * PageStep#capReachedAt()}.
 */
@Internal
public final class CursorPagination extends AbstractPagination {
    public static final PagingStyle STYLE =
            new PagingStyle(
                    Set.of(Placeholders.CURSOR),
                    List.of(EndpointOptions.RESPONSE_CURSOR_PATH),
                    PagingStyle.BOTH_END_FLAGS,
                    "a missing, empty or end-marker cursor, or an end flag",
                    false,
                    CursorPosition.KIND,
                    CursorPosition::read,
                    CursorPagination::new);

    private final Set<String> endMarkers;

    public CursorPagination(EndpointSpec spec) {
        super(spec);
        this.endMarkers = Set.copyOf(spec.pagination().cursorEndMarkers());
    }

    @Override
    public PaginationStyle style() {
        return PaginationStyle.CURSOR;
    }

    @Override
    public PagePosition first() {
        return new CursorPosition("", 0, 0, null);
    }

    @Override
    public Map<String, String> variables(PagePosition position, long windowStart, long windowEnd) {
        return Map.of(
                Placeholders.CURSOR,
                ((CursorPosition) position).cursor(),
                Placeholders.PAGE_SIZE,
                Integer.toString(pageSize));
    }

    @Override
    public PageStep next(PagePosition position, PageContent page) {
        CursorPosition p = (CursorPosition) position;
        List<JsonNode> records = page.records();
        String cursor = page.cursor();
        PageEnd end =
                cursor == null || cursor.isEmpty()
                        ? PageEnd.CURSOR_ABSENT
                        : endMarkers.contains(cursor)
                                ? PageEnd.CURSOR_END_MARKER
                                : Boolean.FALSE.equals(page.more()) ? page.flagEnd() : null;
        if (end != null) return PageStep.end(records, page.total(), end);
        if (cursor.equals(p.cursor())) {
            if (records.isEmpty())
                return PageStep.end(records, page.total(), PageEnd.CURSOR_UNCHANGED);
            throw new ResponseFormatException(
                    "the cursor did not advance: page "
                            + (p.pagesRead() + 1)
                            + " handed out the cursor it was asked with");
        }
        int pages = p.pagesRead() + 1;
        if (cursor.equals(p.mark())) {
            throw new ResponseFormatException(
                    "the cursor runs in a cycle: page "
                            + pages
                            + " handed out '"
                            + shown(cursor)
                            + "', which an earlier page of this window handed out too, so paging would never end");
        }
        Long lastTime = fields.hasTime() ? lastTime(records, p.lastRecordTime()) : null;
        long read = p.recordsRead() + records.size();
        if (!withinCap(pages, read)) return stopAtCap(records, lastTime, page.total());
        // the mark moves to the cursors of pages 1, 2, 4, 8, ...: a cycle of n pages entered after
        // m pages meets its
        // mark by page 2 * max(m, n) + n, with constant state (Brent's cycle detection)
        String mark = Integer.bitCount(pages) == 1 ? cursor : p.mark();
        return PageStep.next(
                records, new CursorPosition(cursor, pages, read, lastTime, mark), page.total());
    }

    private static String shown(String cursor) {
        return cursor.length() <= 80 ? cursor : cursor.substring(0, 80) + "...";
    }
}
