package io.httpsync.connector.endpoint.pagination;

import com.fasterxml.jackson.databind.JsonNode;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.TotalKind;
import io.httpsync.connector.endpoint.pagination.NumberedPosition.Phase;
import io.httpsync.connector.endpoint.template.Placeholders;
import org.apache.flink.annotation.Internal;

import java.util.List;
import java.util.Map;

/**
 * Page-number and offset paging. Both address pages by position in the window's sorted result, so a record that
 * leaves the result (an update moves it to a newer time, a delete) shifts every later record one place towards the
 * first page.
 *
 * <p><b>With a total</b> ({@code response.total-path}) paging goes backwards: the first page (to learn the total),
 * then the last page down to the second, then the first page again. A shift then moves records only from pages
 * already read into pages not yet read, so a shrinking window yields duplicates, never losses; the second read of
 * the first page catches what moved into it. If the first page's total exceeds the deep-paging cap, the window must
 * be split before anything is emitted. If any page reported a larger total than the pass was planned with (records
 * entered the window, or a total lied low), another pass starts from the new last page, up to
 * {@code pagination.max-passes} passes; then the step is flagged {@link PageStep#totalUnstable()}.
 *
 * <p><b>Without a total</b> paging goes forward until has-next says no, or a page is empty or short. A record leaving
 * an already-read page shifts an unread record into it, where it is missed; see {@code docs/pagination.md}.
 */
@Internal
abstract class NumberedPagination extends AbstractPagination {
    private final int startPage;
    private final boolean backward;
    private final TotalKind totalKind;
    private final int maxPasses;

    NumberedPagination(EndpointSpec spec) {
        super(spec);
        this.startPage = spec.pagination().startPage();
        this.backward = spec.hasBackwardPaging();
        this.totalKind = spec.response().totalKind();
        this.maxPasses = spec.pagination().maxPasses();
    }

    @Override
    public PagePosition first() {
        return new NumberedPosition(backward ? Phase.FIRST : Phase.FORWARD, 0, -1, -1, 0, 0);
    }

    @Override
    public Map<String, String> variables(PagePosition position, long windowStart, long windowEnd) {
        int index = ((NumberedPosition) position).index();
        return Map.of(Placeholders.PAGE, Integer.toString(startPage + index),
                Placeholders.OFFSET, Long.toString((long) index * pageSize),
                Placeholders.PAGE_SIZE, Integer.toString(pageSize));
    }

    @Override
    public PageStep next(PagePosition position, PageContent page) {
        NumberedPosition p = (NumberedPosition) position;
        return switch (p.phase()) {
            case FORWARD -> forward(p, page);
            case FIRST -> first(p, page);
            case BACKWARD -> backward(p, page);
            case VERIFY -> verify(p, page);
        };
    }

    private PageStep forward(NumberedPosition p, PageContent page) {
        List<JsonNode> records = page.records();
        boolean last = page.hasNext() != null ? !page.hasNext() || records.isEmpty() : endsByShape(records);
        if (last) return PageStep.end(records, page.total());
        int nextIndex = p.index() + 1;
        if (!withinCap(nextIndex, (long) nextIndex * pageSize)) {
            return stopAtCap(records, lastTime(records, null), page.total());
        }
        return PageStep.next(records, new NumberedPosition(Phase.FORWARD, nextIndex, -1, -1, 0, p.pagesRead() + 1), page.total());
    }

    private PageStep first(NumberedPosition p, PageContent page) {
        Long total = page.total();
        if (total == null) {
            if (page.records().isEmpty()) return PageStep.end(page.records(), null);
            throw new ResponseFormatException("the first page has records but no total at 'response.total-path'");
        }
        return startPass(page.records(), total, 0, p.pagesRead() + 1);
    }

    /** Plans a backward pass for {@code total}: split if it is beyond the cap, end if one page holds it all. */
    private PageStep startPass(List<JsonNode> records, long total, int pass, int pagesRead) {
        int lastIndex = lastIndex(total);
        if (!withinCap(lastIndex, (long) lastIndex * pageSize)) return PageStep.split(total);
        if (lastIndex == 0) return PageStep.end(records, total);
        NumberedPosition next = new NumberedPosition(Phase.BACKWARD, lastIndex, total, total, pass, pagesRead);
        return PageStep.next(records, next, total);
    }

    private PageStep backward(NumberedPosition p, PageContent page) {
        long seen = page.total() == null ? p.seenTotal() : Math.max(p.seenTotal(), page.total());
        NumberedPosition next = p.index() > 1
                ? new NumberedPosition(Phase.BACKWARD, p.index() - 1, p.passTotal(), seen, p.pass(), p.pagesRead() + 1)
                : new NumberedPosition(Phase.VERIFY, 0, p.passTotal(), seen, p.pass(), p.pagesRead() + 1);
        return PageStep.next(page.records(), next, page.total());
    }

    private PageStep verify(NumberedPosition p, PageContent page) {
        long newest = page.total() == null ? p.seenTotal() : Math.max(p.seenTotal(), page.total());
        if (newest <= p.passTotal()) return PageStep.end(page.records(), page.total());
        if (p.pass() + 1 >= maxPasses) return PageStep.unstable(page.records(), page.total());
        return startPass(page.records(), newest, p.pass() + 1, p.pagesRead() + 1);
    }

    private int lastIndex(long total) {
        if (total <= 0) return 0;
        long last = totalKind == TotalKind.PAGES ? total - 1 : (total - 1) / pageSize;
        return (int) Math.min(Integer.MAX_VALUE, last);
    }

    @Override
    protected Class<? extends PagePosition> positionType() {
        return NumberedPosition.class;
    }
}
