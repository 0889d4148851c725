package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.SortOrder;
import io.httpsync.connector.endpoint.TimeFormat;
import io.httpsync.connector.endpoint.template.Placeholders;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keyset paging: each request continues after the last record read, named by its time and id
 * ({@code ${keyset.time}}, {@code ${keyset.id}}); the first request uses the window's boundary
 * (start in {@code asc} order, end in {@code desc} order) and an empty id. Records tie-break by id,
 * ascending. A record that leaves the window cannot shift another past the key, so forward paging
 * is loss-free. Records the platform returns at or before the key (an inclusive {@code >=} query)
 * are dropped; a full page with nothing after the key fails, since paging could not advance. The
 * window ends at an empty page, an end flag (has-next false, last-page true), a page with nothing
 * after the key, or a short page if {@code pagination.short-page-ends} says the platform serves the
 * page size asked for.
 */
@Internal
public final class KeysetPagination extends AbstractPagination {
    public static final PagingStyle STYLE =
            new PagingStyle(
                    Set.of(Placeholders.KEYSET_TIME, Placeholders.KEYSET_ID),
                    List.of(
                            EndpointOptions.RESPONSE_RECORD_ID_PATH,
                            EndpointOptions.RESPONSE_RECORD_TIME_PATH),
                    PagingStyle.BOTH_END_FLAGS,
                    "an empty page, an end flag, a page with nothing after the key, or a short page"
                            + " with 'pagination.short-page-ends'",
                    false,
                    KeysetPosition.KIND,
                    KeysetPosition::read,
                    KeysetPagination::new);

    private final SortOrder sort;
    private final TimeFormat timeFormat;
    private final ZoneId zone;
    private final EndpointSpec spec;

    public KeysetPagination(EndpointSpec spec) {
        super(spec);
        this.spec = spec;
        this.sort = spec.sort();
        this.timeFormat = spec.timeFormat();
        this.zone = spec.timeZone();
    }

    @Override
    public PaginationStyle style() {
        return PaginationStyle.KEYSET;
    }

    @Override
    public PagePosition first() {
        return new KeysetPosition(null, "", 0, 0);
    }

    @Override
    public Map<String, String> variables(PagePosition position, long windowStart, long windowEnd) {
        KeysetPosition p = (KeysetPosition) position;
        long time =
                p.time() != null
                        ? p.time()
                        : sort == SortOrder.ASC ? windowStart : spec.windowEndSent(windowEnd);
        return Map.of(
                Placeholders.KEYSET_TIME,
                timeFormat.format(time, zone),
                Placeholders.KEYSET_ID,
                p.id(),
                Placeholders.PAGE_SIZE,
                Integer.toString(pageSize));
    }

    @Override
    public PageStep next(PagePosition position, PageContent page) {
        KeysetPosition p = (KeysetPosition) position;
        List<JsonNode> all = page.records();
        List<JsonNode> after = p.time() == null ? all : afterKey(all, p.time(), p.id());
        Boolean more = page.more();
        PageEnd end =
                all.isEmpty() && !Boolean.FALSE.equals(more)
                        ? PageEnd.EMPTY_PAGE
                        : more != null
                                ? (more ? null : page.flagEnd())
                                : shortPageEnds && all.size() < pageSize
                                        ? PageEnd.SHORT_PAGE
                                        : null;
        if (end != null) return PageStep.end(after, page.total(), end);
        // a page that is not full and holds nothing after the key: the platform has nothing after
        // it
        if (after.isEmpty() && all.size() < pageSize)
            return PageStep.end(after, page.total(), PageEnd.NOTHING_AFTER_KEY);
        if (after.isEmpty()) {
            throw new ResponseFormatException(
                    "keyset paging did not advance: page "
                            + (p.pagesRead() + 1)
                            + " holds no record after time "
                            + p.time()
                            + " id '"
                            + p.id()
                            + "' (more than a page of records share one time?)");
        }
        JsonNode lastRecord = after.get(after.size() - 1);
        long time = fields.time(lastRecord);
        int pages = p.pagesRead() + 1;
        long read = p.recordsRead() + after.size();
        if (!withinCap(pages, read)) return stopAtCap(after, time, page.total());
        return PageStep.next(
                after, new KeysetPosition(time, fields.id(lastRecord), pages, read), page.total());
    }

    private List<JsonNode> afterKey(List<JsonNode> records, long keyTime, String keyId) {
        List<JsonNode> out = new ArrayList<>(records.size());
        for (JsonNode r : records) {
            long t = fields.time(r);
            int byTime =
                    sort == SortOrder.ASC ? Long.compare(t, keyTime) : Long.compare(keyTime, t);
            if (byTime > 0 || (byTime == 0 && compareIds(fields.id(r), keyId) > 0)) out.add(r);
        }
        return out;
    }

    /** Numeric ids compare as numbers (so 10 follows 9), others as text. */
    static int compareIds(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }
}
