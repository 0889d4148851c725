package io.httpsync.connector.ratelimit;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.PageFetcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;

/**
 * Pages every day-wide window of the last {@code days} days of every tenant through one {@link PageFetcher}, each
 * window page after page: all windows at once ({@link #all}), or one request at a time ({@link #serially}), as a
 * plain pager without a rate limiter's help would. Returns the number of pages.
 */
final class Pager {
    private Pager() {}

    static CompletableFuture<Integer> all(PageFetcher fetcher, List<Tenant> tenants, long end, int days) {
        List<CompletableFuture<Integer>> windows = new ArrayList<>();
        for (Tenant t : tenants) {
            for (int d = 0; d < days; d++) {
                long windowEnd = end - d * DAY;
                windows.add(window(fetcher, t, windowEnd - DAY, windowEnd, fetcher.pagination().first()));
            }
        }
        return CompletableFuture.allOf(windows.toArray(CompletableFuture[]::new))
                .thenApply(v -> windows.stream().mapToInt(CompletableFuture::join).sum());
    }

    static int serially(PageFetcher fetcher, List<Tenant> tenants, long end, int days) {
        int pages = 0;
        for (Tenant t : tenants) {
            for (int d = 0; d < days; d++) {
                long windowEnd = end - d * DAY;
                pages += window(fetcher, t, windowEnd - DAY, windowEnd, fetcher.pagination().first()).join();
            }
        }
        return pages;
    }

    private static CompletableFuture<Integer> window(PageFetcher f, Tenant t, long start, long end, PagePosition position) {
        return f.fetch(t, start, end, position).thenCompose(page -> page.next().isPresent()
                ? window(f, t, start, end, page.next().get()).thenApply(n -> n + 1)
                : CompletableFuture.completedFuture(1));
    }
}
