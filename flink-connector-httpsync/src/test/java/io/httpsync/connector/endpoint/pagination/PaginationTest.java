package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.PaginationStyle;
import io.httpsync.connector.endpoint.ResponseExtractor;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.pagination.NumberedPosition.Phase;
import io.httpsync.connector.endpoint.template.Placeholders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PaginationTest {
    private static final long START = 1_700_000_000_000L;
    private static final long END = START + 3_600_000;
    private static final int PAGE_SIZE = 10;

    /** What paging a window produced. */
    private record Run(List<Long> ids, List<PagePosition> positions, PageStep lastStep) {
        Set<Long> idSet() {
            return new HashSet<>(ids);
        }
    }

    private static EndpointSpec spec(String style, Map<String, String> more) {
        Map<String, String> o = new HashMap<>();
        o.put("url", "https://example.com/list");
        o.put("pagination.style", style);
        o.put("pagination.page-size", Integer.toString(PAGE_SIZE));
        o.put("response.records-path", "/items");
        o.put("response.record.id-path", "/id");
        o.put("response.record.time-path", "/t");
        if (style.equals("cursor")) o.put("response.cursor-path", "/cursor");
        if (style.equals("cursor")) o.put("pagination.cursor.end-markers", "nomore");
        o.putAll(more);
        return EndpointSpec.fromOptions(o);
    }

    private static EndpointSpec withTotal(Map<String, String> more) {
        Map<String, String> o = new HashMap<>(more);
        o.put("response.total-path", "/total");
        return spec("page", o);
    }

    /**
     * Pages the window to its end, calling {@code afterEachPage} after each answer (the platform
     * changing).
     */
    private static Run run(
            EndpointSpec spec, ModelListApi api, Consumer<PagePosition> afterEachPage) {
        Pagination pagination = Pagination.of(spec);
        ResponseExtractor extractor = new ResponseExtractor(spec);
        List<Long> ids = new ArrayList<>();
        List<PagePosition> positions = new ArrayList<>();
        PagePosition position = pagination.first();
        for (int guard = 0; guard < 10_000; guard++) {
            positions.add(position);
            // every position survives the trip through split state
            assertThat(pagination.parse(position.serialize())).isEqualTo(position);
            Map<String, String> vars = pagination.variables(position, START, END);
            ObjectNode body =
                    switch (pagination.style()) {
                        case PAGE -> api.page(Integer.parseInt(vars.get("page")) - 1, PAGE_SIZE);
                        case OFFSET ->
                                api.offsetPage(Long.parseLong(vars.get("offset")), PAGE_SIZE);
                        case CURSOR -> api.cursorPage(vars.get("cursor"), PAGE_SIZE);
                        case KEYSET ->
                                api.keysetPage(
                                        Long.parseLong(vars.get("keyset.time")),
                                        vars.get("keyset.id"),
                                        PAGE_SIZE);
                    };
            PageStep step = pagination.next(position, extractor.extract(body));
            step.records().forEach(r -> ids.add(r.get("id").asLong()));
            afterEachPage.accept(position);
            if (step.isLast()) return new Run(ids, positions, step);
            position = step.next();
        }
        throw new AssertionError("paging did not end");
    }

    private static String phases(Run run) {
        StringBuilder sb = new StringBuilder();
        for (PagePosition p : run.positions()) {
            NumberedPosition n = (NumberedPosition) p;
            sb.append(sb.length() == 0 ? "" : " ")
                    .append(n.phase().name().charAt(0))
                    .append(n.index() + 1);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ page / offset with a total

    @Test
    void withATotalPagingReadsTheFirstPageThenBackwardsThenTheFirstAgain() {
        ModelListApi api = new ModelListApi(START, END, true, 1).fill(45);
        Run run = run(withTotal(Map.of()), api, p -> {});
        // the last page is short after a full first page: it proves the end, no request more
        assertThat(phases(run)).isEqualTo("F1 L5 B4 B3 B2 V1");
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(run.lastStep().total()).isEqualTo(45L);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void backwardPagingLosesNothingWhileRecordsLeaveTheWindowButForwardPagingDoes(long seed) {
        ModelListApi backward = new ModelListApi(START, END, true, seed).fill(200);
        Run b = run(withTotal(Map.of()), backward, p -> backward.moveOut(3));
        assertThat(b.idSet()).as("records still in the window").containsAll(backward.ids());
        assertThat(b.ids().size())
                .as("shifts give duplicates instead")
                .isGreaterThan(b.idSet().size());

        ModelListApi forward = new ModelListApi(START, END, true, seed).fill(200);
        Run f = run(spec("page", Map.of()), forward, p -> forward.moveOut(3));
        List<Long> missed = forward.ids().stream().filter(id -> !f.idSet().contains(id)).toList();
        assertThat(missed)
                .as("forward paging misses records shifted into pages already read")
                .isNotEmpty();
    }

    @Test
    void offsetPagingFollowsTheSameAlgorithm() {
        ModelListApi api = new ModelListApi(START, END, false, 7).fill(33);
        Map<String, String> o = new HashMap<>();
        o.put("response.total-path", "/total");
        o.put("sort", "asc");
        Run run = run(spec("offset", o), api, p -> api.moveOut(2));
        assertThat(phases(run)).isEqualTo("F1 L4 B3 B2 V1");
        assertThat(run.idSet()).containsAll(api.ids());
        assertThat(
                        Pagination.of(spec("offset", o))
                                .variables(
                                        new NumberedPosition(Phase.BACKWARD, 3, 33, 33, 0, 1),
                                        START,
                                        END))
                .containsEntry("offset", "30")
                .containsEntry("page", "4")
                .containsEntry("pageSize", "10");
    }

    @Test
    void aGrowingTotalStartsAnotherPassFromTheNewLastPage() {
        ModelListApi api = new ModelListApi(START, END, true, 3).fill(40);
        // late records arrive at the top of the window during the first pass, shifting everything
        // towards the end
        Run run =
                run(
                        withTotal(Map.of()),
                        api,
                        p -> {
                            if (((NumberedPosition) p).pass() == 0
                                    && ((NumberedPosition) p).phase() != Phase.VERIFY) {
                                for (int i = 0; i < 4; i++) api.add(END - 1 - i);
                            }
                        });
        assertThat(run.idSet()).containsAll(api.ids());
        // the last page by the first total was full: the page after it was read, then the pass went
        // on from there
        assertThat(phases(run)).startsWith("F1 L4 P5 B4 B3 B2 V1 L").endsWith("V1");
        assertThat(run.lastStep().totalUnstable()).isFalse();
    }

    @Test
    void aTotalThatKeepsGrowingPastTheLastPassIsFlaggedUnstable() {
        ModelListApi api = new ModelListApi(START, END, true, 3).fill(40);
        Run run = run(withTotal(Map.of("pagination.max-passes", "2")), api, p -> api.add(END - 1));
        assertThat(run.lastStep().totalUnstable()).isTrue();
        assertThat(
                        run.positions().stream()
                                .filter(p -> ((NumberedPosition) p).phase() == Phase.VERIFY))
                .hasSize(2);
    }

    @Test
    void aFirstPageThatLiesLowIsCorrectedByReadingOnPastItsLastPage() {
        ModelListApi api = new ModelListApi(START, END, true, 9).fill(60);
        api.lieAboutTotalOnce(-25);
        Run run = run(withTotal(Map.of()), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        // page 4 (the last by 35) is full: pages 5, 6 and 7 (empty) are read, then backwards from
        // page 6
        assertThat(phases(run)).isEqualTo("F1 L4 P5 P6 P7 B5 B4 B3 B2 V1");
    }

    @Test
    void aTotalBeyondTheDeepPagingCapRequiresASplitBeforeAnythingIsEmitted() {
        ModelListApi api = new ModelListApi(START, END, true, 1).fill(150);
        Run run = run(withTotal(Map.of("pagination.max-records", "100")), api, p -> {});
        assertThat(run.positions()).hasSize(1);
        assertThat(run.lastStep().splitRequired()).isTrue();
        assertThat(run.ids()).isEmpty();
        assertThat(run.lastStep().total()).isEqualTo(150L);

        Run pagesCap =
                run(
                        withTotal(Map.of("pagination.max-pages", "15")),
                        new ModelListApi(START, END, true, 1).fill(151),
                        p -> {});
        assertThat(pagesCap.lastStep().splitRequired()).isTrue();
        Run fits =
                run(
                        withTotal(Map.of("pagination.max-pages", "15")),
                        new ModelListApi(START, END, true, 1).fill(149),
                        p -> {});
        assertThat(fits.lastStep().splitRequired()).isFalse();
        assertThat(fits.ids()).hasSize(149 + PAGE_SIZE);
        // a full last page at the cap cannot be proven the last (the page after it is beyond the
        // cap): split
        Run full =
                run(
                        withTotal(Map.of("pagination.max-pages", "15")),
                        new ModelListApi(START, END, true, 1).fill(150),
                        p -> {});
        assertThat(full.lastStep().splitRequired()).isTrue();
    }

    @Test
    void totalsCountingPagesAreUnderstood() {
        ModelListApi api = new ModelListApi(START, END, true, 1).fill(25);
        Map<String, String> o = new HashMap<>();
        o.put("response.total-path", "/pages");
        o.put("response.total-kind", "pages");
        EndpointSpec spec = spec("page", o);
        Pagination p = Pagination.of(spec);
        PageStep first = p.next(p.first(), new PageContent(List.of(), null, null, 3L));
        assertThat(((NumberedPosition) first.next()).index()).isEqualTo(2);
        assertThat(api.ids()).hasSize(25);
    }

    @Test
    void aFirstPageWithRecordsButNoTotalIsAFormatError() {
        Pagination p = Pagination.of(withTotal(Map.of()));
        JsonNode record =
                new ModelListApi(START, END, true, 1).fill(1).page(0, 10).get("items").get(0);
        assertThatThrownBy(() -> p.next(p.first(), PageContent.of(List.of(record))))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("no total");
        assertThat(p.next(p.first(), PageContent.of(List.of())).isLast()).isTrue();
    }

    // ------------------------------------------------------------------ page / offset without a
    // total

    @Test
    void withoutATotalPagingGoesForwardUntilAShortPageOrHasNextFalse() {
        ModelListApi api = new ModelListApi(START, END, true, 1).fill(35);
        Run shortPage = run(spec("page", Map.of()), api, p -> {});
        assertThat(phases(shortPage)).isEqualTo("F1 F2 F3 F4");
        assertThat(shortPage.idSet()).hasSize(35);

        ModelListApi exact = new ModelListApi(START, END, true, 1).fill(30);
        Run hasNext =
                run(spec("page", Map.of("response.has-next-path", "/hasNext")), exact, p -> {});
        assertThat(phases(hasNext)).isEqualTo("F1 F2 F3");
        Run emptyPage =
                run(spec("page", Map.of("pagination.short-page-ends", "false")), exact, p -> {});
        assertThat(phases(emptyPage)).isEqualTo("F1 F2 F3 F4");
    }

    @Test
    void aLastPageFlagEndsTheWindowOnAFullLastPageWithoutAskingForAnEmptyOne() {
        ModelListApi exact = new ModelListApi(START, END, true, 1).fill(30);
        Run flag =
                run(spec("page", Map.of("response.last-page-path", "/isLastData")), exact, p -> {});
        assertThat(phases(flag)).isEqualTo("F1 F2 F3");
        assertThat(flag.idSet()).containsExactlyInAnyOrderElementsOf(exact.ids());
        assertThat(flag.lastStep().end()).isEqualTo(PageEnd.LAST_PAGE_FLAG);

        Run hasNext =
                run(spec("page", Map.of("response.has-next-path", "/hasNext")), exact, p -> {});
        assertThat(hasNext.lastStep().end()).isEqualTo(PageEnd.HAS_NEXT_FALSE);
        Run noFlag = run(spec("page", Map.of()), exact, p -> {});
        assertThat(noFlag.lastStep().end()).isEqualTo(PageEnd.EMPTY_PAGE);
        ModelListApi shortLast = new ModelListApi(START, END, true, 1).fill(35);
        assertThat(run(spec("page", Map.of()), shortLast, p -> {}).lastStep().end())
                .isEqualTo(PageEnd.SHORT_PAGE);
    }

    @Test
    void aLastPageFlagDecidesTheEndOfTheLastPageByTheTotal() {
        ModelListApi api = new ModelListApi(START, END, true, 6).fill(95);
        api.lieAboutTotalAlways(-40);
        Run run = run(withTotal(Map.of("response.last-page-path", "/isLastData")), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(phases(run)).isEqualTo("F1 L6 P7 P8 P9 P10 B9 B8 B7 B6 B5 B4 B3 B2 V1");
        assertThat(run.lastStep().end()).isEqualTo(PageEnd.TOTAL_REACHED);
    }

    @Test
    void aLastPageFlagEndsCursorAndKeysetPaging() {
        Pagination cursor =
                Pagination.of(spec("cursor", Map.of("response.last-page-path", "/last")));
        Pagination keyset =
                Pagination.of(spec("keyset", Map.of("response.last-page-path", "/last")));
        JsonNode r = new ModelListApi(START, END, true, 1).fill(1).page(0, 1).get("items").get(0);
        List<JsonNode> one = List.of(r);
        for (Pagination p : List.of(cursor, keyset)) {
            PageStep last = p.next(p.first(), new PageContent(one, "abc", null, null, true));
            assertThat(last.isLast()).as(p.style().name()).isTrue();
            assertThat(last.end()).isEqualTo(PageEnd.LAST_PAGE_FLAG);
            assertThat(last.records()).hasSize(1);
            List<JsonNode> full = new ArrayList<>();
            for (int i = 0; i < PAGE_SIZE; i++) full.add(r);
            assertThat(
                            p.next(
                                            p.first(),
                                            new PageContent(
                                                    p == keyset ? full : one,
                                                    "abc",
                                                    null,
                                                    null,
                                                    false))
                                    .isLast())
                    .as(p.style().name())
                    .isFalse();
        }
        assertThat(cursor.next(cursor.first(), new PageContent(one, "", null, null, false)).end())
                .isEqualTo(PageEnd.CURSOR_ABSENT);
        assertThat(
                        cursor.next(
                                        cursor.first(),
                                        new PageContent(one, "nomore", null, null, false))
                                .end())
                .isEqualTo(PageEnd.CURSOR_END_MARKER);
    }

    @Test
    void withoutATotalTheCapStopsPagingAndSaysWhereTheUnreadRestBegins() {
        ModelListApi api = new ModelListApi(START, END, true, 1).fill(50);
        Run run = run(spec("page", Map.of("pagination.max-pages", "3")), api, p -> {});
        assertThat(run.positions()).hasSize(3);
        assertThat(run.ids()).hasSize(30);
        long lastTime = api.page(2, PAGE_SIZE).get("items").get(PAGE_SIZE - 1).get("t").asLong();
        assertThat(run.lastStep().capReachedAt()).isEqualTo(lastTime);
        assertThat(run.lastStep().splitRequired()).isFalse();
    }

    // ------------------------------------------------------------------ ends are verified, not
    // trusted

    @ParameterizedTest
    @ValueSource(strings = {"page", "offset"})
    void withoutATotalAPlatformServingFewerThanAskedIsReadToTheEmptyPage(String style) {
        ModelListApi api = new ModelListApi(START, END, true, 4).fill(120).servesAtMost(5);
        Run run = run(spec(style, Map.of()), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(run.positions()).hasSize(120 / 5 + 1);

        Run trusting =
                run(
                        spec(style, Map.of("pagination.short-page-ends", "true")),
                        new ModelListApi(START, END, true, 4).fill(120).servesAtMost(5),
                        p -> {});
        assertThat(trusting.ids())
                .as("what trusting short pages costs on such a platform")
                .hasSize(5);
    }

    @Test
    void withoutATotalAShortPageEndsOnlyAfterAFullPageOrWhenTrusted() {
        Run small =
                run(spec("page", Map.of()), new ModelListApi(START, END, true, 1).fill(7), p -> {});
        assertThat(phases(small)).as("one request more: the empty page").isEqualTo("F1 F2");
        Run trusted =
                run(
                        spec("page", Map.of("pagination.short-page-ends", "true")),
                        new ModelListApi(START, END, true, 1).fill(7),
                        p -> {});
        assertThat(phases(trusted)).isEqualTo("F1");
        Run afterFull =
                run(
                        spec("page", Map.of()),
                        new ModelListApi(START, END, true, 1).fill(27),
                        p -> {});
        assertThat(phases(afterFull))
                .as("a full page proved the page size is served")
                .isEqualTo("F1 F2 F3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"page", "offset"})
    void aTotalThatIsAlwaysTooLowCostsRequestsNotRecords(String style) {
        ModelListApi api = new ModelListApi(START, END, true, 6).fill(150);
        api.lieAboutTotalAlways(-90);
        Run run = run(spec(style, Map.of("response.total-path", "/total")), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(run.lastStep().totalUnstable()).isFalse();
        // 60 says 6 pages; page 6 is full, so pages 7..16 are read until one is empty, then
        // backwards from page 15
        assertThat(phases(run))
                .isEqualTo(
                        "F1 L6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 B14 B13 B12 B11 B10 B9 B8 B7 B6 B5 B4 B3 B2 V1");
    }

    @Test
    void aTotalTooLowByWholePagesIsCaughtByTheFullLastPage() {
        ModelListApi api = new ModelListApi(START, END, true, 6).fill(150);
        api.lieAboutTotalAlways(-50);
        Run run = run(withTotal(Map.of()), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
    }

    @Test
    void aTotalThatIsAPageMultipleCostsOneRequestMore() {
        Run full =
                run(withTotal(Map.of()), new ModelListApi(START, END, true, 2).fill(30), p -> {});
        assertThat(phases(full)).isEqualTo("F1 L3 P4 B2 V1");
        Run onePage =
                run(withTotal(Map.of()), new ModelListApi(START, END, true, 2).fill(10), p -> {});
        assertThat(phases(onePage)).isEqualTo("F1 P2");
        Run holdsTheTotal =
                run(withTotal(Map.of()), new ModelListApi(START, END, true, 2).fill(7), p -> {});
        assertThat(phases(holdsTheTotal))
                .as("a first page holding exactly the total")
                .isEqualTo("F1");
    }

    @Test
    void withATotalAPlatformServingFewerThanAskedIsReadCompletelyByPageNumber() {
        ModelListApi api = new ModelListApi(START, END, true, 8).fill(150).servesAtMost(5);
        Run run = run(withTotal(Map.of("pagination.short-page-ends", "true")), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
    }

    @Test
    void withATotalAPlatformServingFewerThanAskedFailsOffsetPagingNamingThePageSize() {
        ModelListApi api = new ModelListApi(START, END, true, 8).fill(150).servesAtMost(5);
        assertThatThrownBy(
                        () ->
                                run(
                                        spec("offset", Map.of("response.total-path", "/total")),
                                        api,
                                        p -> {}))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("'pagination.page-size' asked for 10")
                .hasMessageContaining("at most 5");
        // a short last page that turns out not to be the last
        ModelListApi low = new ModelListApi(START, END, true, 8).fill(8).servesAtMost(5);
        low.lieAboutTotalAlways(-4);
        assertThatThrownBy(
                        () ->
                                run(
                                        spec("offset", Map.of("response.total-path", "/total")),
                                        low,
                                        p -> {}))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("yet records follow at offset 5");
    }

    @Test
    void aTotalThatCountsRecordsNotListedEndsAtTheEmptyPageByPageNumber() {
        ModelListApi api = new ModelListApi(START, END, true, 8).fill(3);
        api.lieAboutTotalAlways(2);
        Run run = run(withTotal(Map.of()), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(phases(run)).isEqualTo("F1 P2");
    }

    @Test
    void aHasNextFlagDecidesTheEndOfTheLastPageByTheTotal() {
        ModelListApi api = new ModelListApi(START, END, true, 6).fill(95);
        api.lieAboutTotalAlways(-40);
        Run run = run(withTotal(Map.of("response.has-next-path", "/hasNext")), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(phases(run)).isEqualTo("F1 L6 P7 P8 P9 P10 B9 B8 B7 B6 B5 B4 B3 B2 V1");
    }

    @Test
    void keysetPagingEndsAtAnEmptyPageUnlessShortPagesAreTrusted() {
        ModelListApi api = new ModelListApi(START, END, false, 5).fill(25);
        Run run = run(spec("keyset", Map.of("sort", "asc")), api, p -> {});
        assertThat(run.idSet()).containsExactlyInAnyOrderElementsOf(api.ids());
        assertThat(run.positions()).hasSize(4);
        Run trusted =
                run(
                        spec("keyset", Map.of("sort", "asc", "pagination.short-page-ends", "true")),
                        api,
                        p -> {});
        assertThat(trusted.positions()).hasSize(3);
    }

    @Test
    void positionsOfEarlierVersionsStillRead() {
        String old =
                "{\"v\":1,\"kind\":\"numbered\",\"phase\":\"backward\",\"index\":7,\"passTotal\":300,\"seenTotal\":310,\"pass\":0,\"pages\":3}";
        assertThat(PagePosition.deserialize(old))
                .isEqualTo(new NumberedPosition(Phase.BACKWARD, 7, 300, 310, 0, 3));
        String oldCursor =
                "{\"v\":1,\"kind\":\"cursor\",\"cursor\":\"x\",\"pages\":3,\"records\":30,\"lastTime\":null}";
        assertThat(PagePosition.deserialize(oldCursor))
                .isEqualTo(new CursorPosition("x", 3, 30, null));
    }

    // ------------------------------------------------------------------ cursor

    @Test
    void cursorPagingIsLossFreeWhileRecordsLeave() {
        ModelListApi api = new ModelListApi(START, END, true, 11).fill(120);
        Run run = run(spec("cursor", Map.of()), api, p -> api.moveOut(3));
        assertThat(run.idSet()).containsAll(api.ids());
        assertThat(run.ids()).doesNotHaveDuplicates();
        assertThat(((CursorPosition) run.positions().get(0)).cursor()).isEmpty();
    }

    @Test
    void cursorPagingEndsAtEveryKindOfEndMarker() {
        Pagination p = Pagination.of(spec("cursor", Map.of("response.has-next-path", "/more")));
        JsonNode r = new ModelListApi(START, END, true, 1).fill(1).page(0, 1).get("items").get(0);
        List<JsonNode> one = List.of(r);
        assertThat(p.next(p.first(), new PageContent(one, "nomore", null, null)).isLast()).isTrue();
        assertThat(p.next(p.first(), new PageContent(one, "", null, null)).isLast()).isTrue();
        assertThat(p.next(p.first(), new PageContent(one, null, null, null)).isLast()).isTrue();
        assertThat(p.next(p.first(), new PageContent(one, "abc", false, null)).isLast()).isTrue();
        PageStep more = p.next(p.first(), new PageContent(one, "abc", true, null));
        assertThat(more.next())
                .isEqualTo(new CursorPosition("abc", 1, 1, r.get("t").asLong(), "abc"));
        assertThatThrownBy(() -> p.next(more.next(), new PageContent(one, "abc", null, null)))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("did not advance");
        assertThat(p.next(more.next(), new PageContent(List.of(), "abc", null, null)).isLast())
                .isTrue();
    }

    @Test
    void aCursorThatRunsInACycleFailsTheWindow() {
        Pagination p = Pagination.of(spec("cursor", Map.of()));
        JsonNode r = new ModelListApi(START, END, true, 1).fill(1).page(0, 1).get("items").get(0);
        // A -> B -> A -> B ...: found within a few pages
        assertThatThrownBy(() -> pageThrough(p, i -> i % 2 == 0 ? "A" : "B", r, 20))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("cycle");
        // a cycle of 7 cursors after 5 others: found by page 2 * 7 + 7
        int pages = pagesUntilCycleFound(p, i -> i < 5 ? "lead" + i : "c" + ((i - 5) % 7), r);
        assertThat(pages).isBetween(13, 2 * 7 + 7);
        // no false alarm on a long run of distinct cursors
        assertThat(pageThrough(p, i -> "k" + i, r, 5000)).isEqualTo(5000);
    }

    @Test
    void anEmptyFirstCursorPageWithACursorGoesOn() {
        ModelListApi api = new ModelListApi(START, END, true, 3).fill(12);
        Pagination p = Pagination.of(spec("cursor", Map.of()));
        PageStep first = p.next(p.first(), new PageContent(List.of(), "next-1", null, null));
        assertThat(first.isLast()).isFalse();
        assertThat(((CursorPosition) first.next()).cursor()).isEqualTo("next-1");
        assertThat(((CursorPosition) first.next()).lastRecordTime()).isNull();
        PageStep second =
                p.next(
                        first.next(),
                        new ResponseExtractor(spec("cursor", Map.of()))
                                .extract(api.cursorPage("", PAGE_SIZE)));
        assertThat(second.records()).hasSize(PAGE_SIZE);
    }

    /**
     * Pages with the cursors {@code cursors(i)} handed out by page i, up to {@code limit} pages;
     * the pages read.
     */
    private static int pageThrough(
            Pagination p,
            java.util.function.IntFunction<String> cursors,
            JsonNode record,
            int limit) {
        PagePosition position = p.first();
        for (int i = 0; i < limit; i++) {
            position =
                    p.next(position, new PageContent(List.of(record), cursors.apply(i), null, null))
                            .next();
            assertThat(p.parse(position.serialize())).isEqualTo(position);
        }
        return limit;
    }

    private static int pagesUntilCycleFound(
            Pagination p, java.util.function.IntFunction<String> cursors, JsonNode record) {
        PagePosition position = p.first();
        for (int i = 0; i < 1000; i++) {
            try {
                position =
                        p.next(
                                        position,
                                        new PageContent(
                                                List.of(record), cursors.apply(i), null, null))
                                .next();
            } catch (ResponseFormatException e) {
                return i + 1;
            }
        }
        throw new AssertionError("the cycle was not found");
    }

    @Test
    void cursorPagingStopsAtTheCapWithTheLastRecordsTime() {
        ModelListApi api = new ModelListApi(START, END, true, 1).fill(100);
        Run run = run(spec("cursor", Map.of("pagination.max-records", "40")), api, p -> {});
        assertThat(run.ids()).hasSize(40);
        assertThat(run.lastStep().capReachedAt())
                .isEqualTo(
                        api.page(3, PAGE_SIZE).get("items").get(PAGE_SIZE - 1).get("t").asLong());
    }

    // ------------------------------------------------------------------ keyset

    @Test
    void keysetPagingContinuesAfterTheLastRecordAndDropsTheInclusiveBoundary() {
        ModelListApi api = new ModelListApi(START, END, false, 5).fill(95);
        // ties: several records share a time across a page boundary
        for (int i = 0; i < 4; i++) api.add(START + 1234);
        EndpointSpec spec = spec("keyset", Map.of("sort", "asc"));
        Run run = run(spec, api, p -> api.moveOut(1));
        assertThat(run.ids()).doesNotHaveDuplicates();
        assertThat(run.idSet()).containsAll(api.ids());
        Pagination p = Pagination.of(spec);
        assertThat(p.variables(p.first(), START, END))
                .containsEntry("keyset.time", Long.toString(START))
                .containsEntry("keyset.id", "");
        Pagination desc = Pagination.of(spec("keyset", Map.of("window.end-inclusive", "true")));
        assertThat(desc.variables(desc.first(), START, END))
                .containsEntry("keyset.time", Long.toString(END - 1));
    }

    @Test
    void keysetPagingFailsWhenAFullPageHasNothingAfterTheKey() {
        ModelListApi api = new ModelListApi(START, END, false, 5);
        for (int i = 0; i < 25; i++) api.add(START + 10);
        EndpointSpec spec = spec("keyset", Map.of("sort", "asc"));
        Pagination p = Pagination.of(spec);
        ResponseExtractor x = new ResponseExtractor(spec);
        PageStep first = p.next(p.first(), x.extract(api.keysetPage(START, "", PAGE_SIZE)));
        KeysetPosition key = (KeysetPosition) first.next();
        assertThat(key.id()).isEqualTo("10");
        // an API that ignores the id: the same full page again
        assertThatThrownBy(() -> p.next(key, x.extract(api.keysetPage(key.time(), "", PAGE_SIZE))))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("did not advance");
    }

    @Test
    void numericIdsCompareAsNumbers() {
        assertThat(KeysetPagination.compareIds("10", "9")).isPositive();
        assertThat(KeysetPagination.compareIds("b", "a")).isPositive();
    }

    // ------------------------------------------------------------------ positions

    @ParameterizedTest
    @EnumSource(PaginationStyle.class)
    void eachStyleDoesWhatItDeclares(PaginationStyle style) {
        PagingStyle declared = style.paging();
        Pagination pagination = Pagination.of(spec(style.optionValue(), Map.of()));

        assertThat(pagination.style()).isEqualTo(style);
        assertThat(pagination.first().kind()).isEqualTo(declared.positionKind());
        assertThat(pagination.variables(pagination.first(), START, END))
                .containsKeys(declared.placeholders().toArray(String[]::new))
                .containsKey(Placeholders.PAGE_SIZE);
        for (var path : declared.requiredPaths()) {
            Map<String, String> without =
                    new HashMap<>(spec(style.optionValue(), Map.of()).toOptions());
            without.remove(path.key());
            assertThatThrownBy(() -> EndpointSpec.fromOptions(without))
                    .hasMessage(
                            "option '"
                                    + path.key()
                                    + "' is required with pagination.style '"
                                    + style.optionValue()
                                    + "'");
        }
    }

    @Test
    void positionsSerializeAndRefuseToResumeAnotherStyle() {
        List<PagePosition> positions =
                List.of(
                        new NumberedPosition(Phase.BACKWARD, 7, 300, 310, 1, 9),
                        new CursorPosition("1700000000000_42\"\\", 3, 150, 1_700_000_000_000L),
                        new CursorPosition("", 0, 0, null),
                        new KeysetPosition(1_700_000_000_000L, "E2024-1", 2, 100),
                        new KeysetPosition(null, "", 0, 0));
        for (PagePosition p : positions)
            assertThat(PagePosition.deserialize(p.serialize())).isEqualTo(p);
        String cursor = positions.get(1).serialize();
        assertThat(cursor).startsWith("{\"v\":1,\"kind\":\"cursor\"");
        assertThatThrownBy(() -> Pagination.of(spec("page", Map.of())).parse(cursor))
                .hasMessageStartingWith("a cursor position cannot resume pagination.style 'page'");
        assertThatThrownBy(() -> PagePosition.deserialize("{\"v\":99,\"kind\":\"cursor\"}"))
                .hasMessageContaining("unknown version 99");
        assertThatThrownBy(() -> PagePosition.deserialize("page 3"))
                .hasMessageContaining("not a serialized page position");
    }
}
