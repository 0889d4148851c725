package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;

import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The split reader against the real simulator: it pages several windows at once (never more than
 * allowed), hands each page over with its typed next position, ends each window with its outcome,
 * resumes a restored split where it stood, and ends a window whose request failed with the failure.
 */
class HttpPageSplitReaderTest {
    /** One simulator for the class: no test changes its data. */
    private static KuaishouSimulatorFixture fixture;

    private static long now;
    private PageFetcher fetcher;
    private final InFlight inFlight = new InFlight();

    /** Counts requests, and the most requests in flight at once. */
    private static final class InFlight implements FetchListener {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger current = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();

        @Override
        public void onRequest(String tenantId) {
            requests.incrementAndGet();
            max.accumulateAndGet(current.incrementAndGet(), Math::max);
        }

        @Override
        public void onResponse(String tenantId, ResponseKind kind, long latencyNanos) {
            current.decrementAndGet();
        }

        @Override
        public void onRetry(String tenantId, ResponseKind cause, Duration delay) {}

        @Override
        public void onRateLimited(String tenantId, Duration pause) {}

        @Override
        public void onTokenFetched(String tenantId) {}
    }

    @BeforeAll
    static void startSimulator() {
        fixture = new KuaishouSimulatorFixture(400);
        now = fixture.sim.clock().now();
    }

    @AfterAll
    static void stopSimulator() {
        fixture.close();
    }

    @BeforeEach
    void start() {
        EndpointSpec spec = EndpointSpec.fromOptions(fixture.options());
        fetcher =
                new PageFetcher(
                        spec, HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1), inFlight);
    }

    @AfterEach
    void stop() throws Exception {
        fetcher.close();
    }

    /**
     * What the split reader handed over, per split, until every added split was reported finished.
     */
    private Map<String, List<FetchedPage>> readAll(
            HttpPageSplitReader reader, List<WindowSplit> splits) {
        reader.handleSplitsChanges(new SplitsAddition<>(splits));
        Map<String, List<FetchedPage>> pages = new LinkedHashMap<>();
        List<String> finished = new ArrayList<>();
        long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(30);
        while (finished.size() < splits.size()) {
            assertThat(System.currentTimeMillis()).as("every window ends").isLessThan(deadline);
            RecordsWithSplitIds<FetchedPage> fetched = reader.fetch();
            for (String split = fetched.nextSplit(); split != null; split = fetched.nextSplit()) {
                for (FetchedPage page = fetched.nextRecordFromSplit();
                        page != null;
                        page = fetched.nextRecordFromSplit()) {
                    pages.computeIfAbsent(split, s -> new ArrayList<>()).add(page);
                }
            }
            finished.addAll(fetched.finishedSplits());
        }
        assertThat(finished).doesNotHaveDuplicates();
        return pages;
    }

    private HttpPageSplitReader reader(Tenant tenant, int maxSplitsInFlight) {
        return new HttpPageSplitReader(fetcher, Map.of(SHOP, tenant), maxSplitsInFlight);
    }

    private List<String> ids(List<FetchedPage> pages) {
        List<String> ids = new ArrayList<>();
        pages.forEach(page -> page.records.forEach(record -> ids.add(fetcher.recordId(record))));
        return ids;
    }

    @Test
    void pagesEveryWindowToItsEndWithNoMoreThanTheAllowedWindowsInFlight() {
        List<WindowSplit> windows = new ArrayList<>();
        for (int day = 4; day > 0; day--)
            windows.add(WindowSplit.of(SHOP, now - day * DAY, now - (day - 1) * DAY));

        Map<String, List<FetchedPage>> pages = readAll(reader(fixture.tenant(), 2), windows);

        List<String> all = new ArrayList<>();
        for (WindowSplit window : windows) {
            List<FetchedPage> ofWindow = pages.get(window.splitId());
            assertThat(ofWindow)
                    .as("a window of about 65 orders takes several pages")
                    .hasSizeGreaterThan(1);
            FetchedPage last = ofWindow.get(ofWindow.size() - 1);
            assertThat(last.outcome).isEqualTo(WindowOutcome.finished());
            assertThat(last.nextPosition).isNull();
            assertThat(ofWindow.subList(0, ofWindow.size() - 1))
                    .allSatisfy(
                            page -> {
                                assertThat(page.outcome).as("paging goes on").isNull();
                                assertThat(page.nextPosition).isNotNull();
                            });
            List<String> ids = ids(ofWindow);
            assertThat(ids)
                    .containsExactlyInAnyOrderElementsOf(
                            fixture.truthIds(window.startMillis(), window.endMillis()));
            all.addAll(ids);
        }
        assertThat(all).doesNotHaveDuplicates().hasSizeGreaterThan(200);
        assertThat(inFlight.max)
                .as("at most two windows in flight, one request each")
                .hasValueLessThanOrEqualTo(2);
    }

    @Test
    void aRestoredSplitResumesAtItsPositionWithoutRequestingTheEarlierPages() throws Exception {
        long start = now - 3 * DAY;
        long end = now - DAY;
        Page first =
                fetcher.fetch(fixture.tenant(), start, end, fetcher.pagination().first())
                        .get(20, TimeUnit.SECONDS);
        List<String> firstIds = first.records().stream().map(fetcher::recordId).toList();
        WindowSplit restored =
                WindowSplit.of(SHOP, start, end)
                        .withPosition(first.next().orElseThrow().serialize());
        int requestsBefore = inFlight.requests.get();

        List<FetchedPage> pages =
                readAll(reader(fixture.tenant(), 1), List.of(restored)).get(restored.splitId());

        List<String> expected = new ArrayList<>(fixture.truthIds(start, end));
        expected.removeAll(firstIds);
        assertThat(ids(pages)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(inFlight.requests.get() - requestsBefore)
                .as("one request per page after the restored position")
                .isEqualTo(pages.size());
        assertThat(pages.get(pages.size() - 1).outcome).isEqualTo(WindowOutcome.finished());
    }

    @Test
    void aRequestThatFailsEndsItsWindowWithTheFailureAsOutcomeAndTheEventToEmit() {
        Tenant wrongSecret =
                Tenant.of(
                        SHOP,
                        Map.of(
                                "app-key",
                                KuaishouSimulatorFixture.APP_KEY,
                                "app-secret",
                                KuaishouSimulatorFixture.APP_SECRET,
                                "sign-secret",
                                "WrongSignSecret-000"));
        WindowSplit window = WindowSplit.of(SHOP, now - DAY, now);

        List<FetchedPage> pages =
                readAll(reader(wrongSecret, 1), List.of(window)).get(window.splitId());

        assertThat(pages)
                .singleElement()
                .satisfies(
                        page -> {
                            assertThat(page.records).isEmpty();
                            assertThat(page.outcome.kind()).isEqualTo(WindowOutcome.Kind.FAILED);
                            assertThat(page.outcome.failure().transientCause())
                                    .as("a refused signature is refused again")
                                    .isFalse();
                            assertThat(page.failure.platformCode()).isEqualTo("10");
                            assertThat(page.failure.windowStart()).isEqualTo(window.startMillis());
                            assertThat(page.outcome.failureReason())
                                    .isEqualTo(page.failure.message())
                                    .doesNotContain("WrongSignSecret-000");
                        });
    }

    @Test
    void refusesASplitOfATenantItDoesNotKnow() {
        HttpPageSplitReader reader = reader(fixture.tenant(), 1);
        assertThatThrownBy(
                        () ->
                                reader.handleSplitsChanges(
                                        new SplitsAddition<>(
                                                List.of(WindowSplit.of("shop-9", 0, 10)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tenant 'shop-9'");
    }
}
