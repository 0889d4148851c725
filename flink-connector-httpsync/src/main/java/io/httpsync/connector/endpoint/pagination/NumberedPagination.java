package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.TotalKind;
import io.httpsync.connector.endpoint.pagination.NumberedPosition.Phase;
import io.httpsync.connector.endpoint.template.Placeholders;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * Page-number and offset paging. Both address pages by position in the window's sorted result, so a
 * record that leaves the result (an update moves it to a newer time, a delete) shifts every later
 * record one place towards the first page.
 *
 * <p><b>With a total</b> ({@code response.total-path}) paging goes backwards: the first page (to
 * learn the total), then the last page down to the second, then the first page again. A shift then
 * moves records only from pages already read into pages not yet read, so a shrinking window yields
 * duplicates, never losses; the second read of the first page catches what moved into it. If the
 * first page's total exceeds the deep-paging cap, the window must be split before anything is
 * emitted. If any page reported a larger total than the pass was planned with (records entered the
 * window, or a total lied low), another pass starts from the new last page, up to {@code
 * pagination.max-passes} passes; then the step is flagged {@link PageStep#totalUnstable()}.
 *
 * <p><b>The end is verified</b>, never taken on trust: the last page by the total ({@link
 * Phase#LAST}) must prove that nothing follows it: it is empty, has-next says no, or it is short
 * and the platform is known to serve the page size asked for (a page of this window came back full,
 * or {@code pagination.short-page-ends}); a first page that is the last one also proves it by
 * holding exactly the total. Otherwise the pages after it are read ({@link Phase#PROBE}) until one
 * proves the end, and the backward pass starts from there: a total that is too low costs requests,
 * never records. A first page that holds fewer records than the page size and the total promise
 * shows that the platform serves fewer than asked (or counts records it does not list): short pages
 * then prove nothing, and offset paging, which would skip the records between, fails.
 *
 * <p><b>Without a total</b> paging goes forward until has-next says no, or a page is empty, or
 * short where short pages prove the end (as above). Offsets then count the records actually read,
 * so a platform that serves fewer than asked skips nothing. A record leaving an already-read page
 * shifts an unread record into it, where it is missed; see {@code docs/pagination.md}.
 */
@Internal
abstract class NumberedPagination extends AbstractPagination {
    /** What ends a window of page or offset paging, in words. */
    static final String ENDS_BY =
            "an empty page, an end flag, a short page after a full one (or with"
                    + " 'pagination.short-page-ends'), or, with a total, the pages the total counts read back to the first";

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

    /**
     * Whether requests address records by offset. A page shorter than asked that is not the last
     * then leaves a gap before the next offset of a backward pass, which page numbers (the
     * platform's own) never do.
     */
    protected abstract boolean byOffset();

    @Override
    public PagePosition first() {
        return backward
                ? new NumberedPosition(Phase.FIRST, 0, -1, -1, 0, 0, -1, null)
                : new NumberedPosition(Phase.FORWARD, 0, -1, -1, 0, 0, byOffset() ? 0 : -1, null);
    }

    @Override
    public Map<String, String> variables(PagePosition position, long windowStart, long windowEnd) {
        NumberedPosition p = (NumberedPosition) position;
        return Map.of(
                Placeholders.PAGE,
                Integer.toString(startPage + p.index()),
                Placeholders.OFFSET,
                Long.toString(offsetOf(p)),
                Placeholders.PAGE_SIZE,
                Integer.toString(pageSize));
    }

    private long offsetOf(NumberedPosition p) {
        return p.offset() >= 0 ? p.offset() : (long) p.index() * pageSize;
    }

    @Override
    public PageStep next(PagePosition position, PageContent page) {
        NumberedPosition p = (NumberedPosition) position;
        return switch (p.phase()) {
            case FORWARD -> forward(p, page);
            case FIRST -> first(p, page);
            case LAST -> last(p, page);
            case PROBE -> probe(p, page);
            case BACKWARD -> backward(p, page);
            case VERIFY -> verify(p, page);
        };
    }

    @Override
    public long recordsBefore(PagePosition position) {
        NumberedPosition p = (NumberedPosition) position;
        return p.offset() >= 0 ? p.offset() : (long) p.index() * pageSize;
    }

    // ------------------------------------------------------------------ without a total

    private PageStep forward(NumberedPosition p, PageContent page) {
        List<JsonNode> records = page.records();
        Boolean served = learnServed(p.pageSizeServed(), records.size());
        Boolean more = page.more();
        PageEnd end =
                records.isEmpty() && !Boolean.FALSE.equals(more)
                        ? PageEnd.EMPTY_PAGE
                        : more != null
                                ? (more ? null : page.flagEnd())
                                : records.size() < pageSize && shortPageProvesEnd(served)
                                        ? PageEnd.SHORT_PAGE
                                        : null;
        if (end != null) return PageStep.end(records, page.total(), end);
        int nextIndex = p.index() + 1;
        long nextOffset = p.offset() >= 0 ? p.offset() + records.size() : -1;
        if (!withinCap(nextIndex, nextOffset >= 0 ? nextOffset : (long) nextIndex * pageSize)) {
            return stopAtCap(records, lastTime(records, null), page.total());
        }
        return PageStep.next(
                records,
                new NumberedPosition(
                        Phase.FORWARD, nextIndex, -1, -1, 0, p.pagesRead() + 1, nextOffset, served),
                page.total());
    }

    // ------------------------------------------------------------------ with a total

    private PageStep first(NumberedPosition p, PageContent page) {
        Long total = page.total();
        if (total == null) {
            if (page.records().isEmpty())
                return PageStep.end(page.records(), null, PageEnd.EMPTY_PAGE);
            throw new ResponseFormatException(
                    "the first page has records but no total at 'response.total-path'");
        }
        Boolean served = servedOnFirstPage(page.records().size(), total);
        if (Boolean.FALSE.equals(served) && byOffset())
            throw shortFirstPage(page.records().size(), total);
        return startPass(page, total, total, 0, p.pagesRead() + 1, served);
    }

    /**
     * What the first page tells of the page size served: false if it holds fewer records than the
     * page size and the total promise, true if it is full, null if it is the whole (small) window.
     */
    private Boolean servedOnFirstPage(int records, long total) {
        boolean promisesFull = totalKind == TotalKind.PAGES ? total > 1 : total >= pageSize;
        long promised =
                totalKind == TotalKind.PAGES ? (total > 0 ? 1 : 0) : Math.min(pageSize, total);
        if (records < promised || (promisesFull && records < pageSize)) return false;
        return records >= pageSize ? true : null;
    }

    /**
     * Plans a backward pass for {@code total}: split if it is beyond the cap; read its last page
     * next, unless that is the page in hand.
     */
    private PageStep startPass(
            PageContent page, long total, long seen, int pass, int pagesRead, Boolean served) {
        int lastIndex = lastIndex(total);
        if (!withinCap(lastIndex, (long) lastIndex * pageSize)) return PageStep.split(total);
        if (lastIndex == 0) return lastPageRead(0, page, total, seen, pass, pagesRead, served);
        NumberedPosition next =
                new NumberedPosition(
                        Phase.LAST, lastIndex, total, seen, pass, pagesRead, -1, served);
        return PageStep.next(page.records(), next, page.total());
    }

    private PageStep last(NumberedPosition p, PageContent page) {
        return lastPageRead(
                p.index(),
                page,
                p.passTotal(),
                seen(p, page),
                p.pass(),
                p.pagesRead() + 1,
                learnServed(p.pageSizeServed(), page.records().size()));
    }

    /**
     * The last page of a pass by its total was read (at {@code index}): go on backwards if it
     * proves the end, else read the pages after it until one does.
     */
    private PageStep lastPageRead(
            int index,
            PageContent page,
            long passTotal,
            long seen,
            int pass,
            int pagesRead,
            Boolean served) {
        PageEnd proof = provesEnd(index, page, passTotal, served);
        if (proof != null)
            return continueBackward(page, index, passTotal, seen, pass, pagesRead, served, proof);
        int size = page.records().size();
        return probeNext(
                page,
                index + 1,
                (long) index * pageSize + size,
                passTotal,
                seen,
                pass,
                pagesRead,
                served);
    }

    /**
     * How the page at {@code index} proves that nothing follows it, or null if it does not: it is
     * empty (unless it is a first page that broke the total's promise), its end flag says so, or it
     * is short and short pages prove the end; a first page also proves it by holding exactly the
     * total.
     */
    private PageEnd provesEnd(int index, PageContent page, long total, Boolean served) {
        int size = page.records().size();
        if (index == 0 && Boolean.FALSE.equals(served)) return null;
        if (size == 0) return PageEnd.EMPTY_PAGE;
        if (page.more() != null) return page.more() ? null : page.flagEnd();
        if (size >= pageSize) return null;
        if (shortPageProvesEnd(served)) return PageEnd.SHORT_PAGE;
        boolean holdsTheTotal = totalKind == TotalKind.PAGES ? total <= 1 : size == total;
        return index == 0 && holdsTheTotal ? PageEnd.FIRST_PAGE_HOLDS_TOTAL : null;
    }

    private PageStep probeNext(
            PageContent page,
            int index,
            long offset,
            long passTotal,
            long seen,
            int pass,
            int pagesRead,
            Boolean served) {
        if (!withinCap(index, offset)) return PageStep.split(Math.max(seen, offset));
        NumberedPosition next =
                new NumberedPosition(
                        Phase.PROBE, index, passTotal, seen, pass, pagesRead, offset, served);
        return PageStep.next(page.records(), next, page.total());
    }

    /**
     * A page after the last one by the total. Its records are emitted; the backward pass reads them
     * again.
     */
    private PageStep probe(NumberedPosition p, PageContent page) {
        int size = page.records().size();
        Boolean served = learnServed(p.pageSizeServed(), size);
        boolean afterShortPage = p.offset() != (long) p.index() * pageSize;
        if (size > 0 && afterShortPage) {
            // the page before held fewer records than asked, yet records follow
            if (byOffset()) throw shortPageFollowedByRecords(p);
            served = false;
        }
        long seen = seen(p, page);
        int pagesRead = p.pagesRead() + 1;
        int lastIndex;
        long read;
        PageEnd proof =
                size == 0 ? PageEnd.EMPTY_PAGE : provesEnd(p.index(), page, p.passTotal(), served);
        if (size == 0) {
            lastIndex = p.index() - 1;
            read = p.offset();
        } else if (proof != null) {
            lastIndex = p.index();
            read = p.offset() + size;
        } else {
            return probeNext(
                    page,
                    p.index() + 1,
                    p.offset() + size,
                    p.passTotal(),
                    seen,
                    p.pass(),
                    pagesRead,
                    served);
        }
        // the pass now covers what was found, so that the platform's low total does not start
        // another pass
        long found = totalKind == TotalKind.PAGES ? lastIndex + 1 : read;
        return continueBackward(
                page,
                lastIndex,
                Math.max(p.passTotal(), found),
                seen,
                p.pass(),
                pagesRead,
                served,
                proof);
    }

    /**
     * The last page of the pass is {@code lastIndex} and was read ({@code proof}: how it proved the
     * end): read the pages before it, then the first again.
     */
    private PageStep continueBackward(
            PageContent page,
            int lastIndex,
            long passTotal,
            long seen,
            int pass,
            int pagesRead,
            Boolean served,
            PageEnd proof) {
        if (lastIndex <= 0) return PageStep.end(page.records(), page.total(), proof);
        NumberedPosition next =
                lastIndex > 1
                        ? new NumberedPosition(
                                Phase.BACKWARD,
                                lastIndex - 1,
                                passTotal,
                                seen,
                                pass,
                                pagesRead,
                                -1,
                                served)
                        : new NumberedPosition(
                                Phase.VERIFY, 0, passTotal, seen, pass, pagesRead, -1, served);
        return PageStep.next(page.records(), next, page.total());
    }

    private PageStep backward(NumberedPosition p, PageContent page) {
        Boolean served = learnServed(p.pageSizeServed(), page.records().size());
        long seen = seen(p, page);
        NumberedPosition next =
                p.index() > 1
                        ? new NumberedPosition(
                                Phase.BACKWARD,
                                p.index() - 1,
                                p.passTotal(),
                                seen,
                                p.pass(),
                                p.pagesRead() + 1,
                                -1,
                                served)
                        : new NumberedPosition(
                                Phase.VERIFY,
                                0,
                                p.passTotal(),
                                seen,
                                p.pass(),
                                p.pagesRead() + 1,
                                -1,
                                served);
        return PageStep.next(page.records(), next, page.total());
    }

    private PageStep verify(NumberedPosition p, PageContent page) {
        long newest = seen(p, page);
        if (newest <= p.passTotal())
            return PageStep.end(page.records(), page.total(), PageEnd.TOTAL_REACHED);
        if (p.pass() + 1 >= maxPasses) return PageStep.unstable(page.records(), page.total());
        return startPass(
                page,
                newest,
                newest,
                p.pass() + 1,
                p.pagesRead() + 1,
                learnServed(p.pageSizeServed(), page.records().size()));
    }

    private static long seen(NumberedPosition p, PageContent page) {
        return page.total() == null ? p.seenTotal() : Math.max(p.seenTotal(), page.total());
    }

    // ------------------------------------------------------------------ what short pages prove

    /**
     * A full page proves that the platform serves the page size asked for; a known answer is kept.
     */
    private Boolean learnServed(Boolean served, int records) {
        return served == null && records >= pageSize ? Boolean.TRUE : served;
    }

    private boolean shortPageProvesEnd(Boolean served) {
        return served != null ? served : shortPageEnds;
    }

    private ResponseFormatException shortFirstPage(int records, long total) {
        String fix =
                records == 0
                        ? ""
                        : " (set '"
                                + EndpointOptions.PAGINATION_PAGE_SIZE.key()
                                + "' to at most "
                                + records
                                + ")";
        return new ResponseFormatException(
                "offset 0 returned "
                        + records
                        + " records, though '"
                        + EndpointOptions.PAGINATION_PAGE_SIZE.key()
                        + "' asked for "
                        + pageSize
                        + " and the total at '"
                        + EndpointOptions.RESPONSE_TOTAL_PATH.key()
                        + "' is "
                        + total
                        + ": either the platform serves fewer records"
                        + " per page than asked"
                        + fix
                        + ", or its total counts records it does not list (then remove '"
                        + EndpointOptions.RESPONSE_TOTAL_PATH.key()
                        + "'); paging on by offsets would skip records");
    }

    private ResponseFormatException shortPageFollowedByRecords(NumberedPosition p) {
        return new ResponseFormatException(
                "the page before offset "
                        + p.offset()
                        + " held fewer records than '"
                        + EndpointOptions.PAGINATION_PAGE_SIZE.key()
                        + "' asked for ("
                        + pageSize
                        + "), yet records follow at offset "
                        + p.offset()
                        + ": the platform serves fewer records per page than asked, so paging backwards by offsets"
                        + " would skip records; set '"
                        + EndpointOptions.PAGINATION_PAGE_SIZE.key()
                        + "' to what it serves");
    }

    private int lastIndex(long total) {
        if (total <= 0) return 0;
        long last = totalKind == TotalKind.PAGES ? total - 1 : (total - 1) / pageSize;
        return (int) Math.min(Integer.MAX_VALUE, last);
    }
}
