package io.httpsync.connector.ratelimit;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.PageFetcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;

/**
 * Pages time windows of tenants through one {@link PageFetcher}, each window page after page: all
 * windows at once ({@link #all}), or one request at a time ({@link #serially}), as a plain pager
 * without a rate limiter's help would. Returns the number of pages.
 */
final class Pager {
    private Pager() {}

    /** One window of one tenant's update times, {@code [start, end)}. */
    record Window(Tenant tenant, long start, long end) {}

    /** The day-wide windows of the last {@code days} days before {@code end}, of every tenant. */
    static List<Window> dayWindows(List<Tenant> tenants, long end, int days) {
        return windows(tenants, end, days, t -> DAY);
    }

    /**
     * The last {@code days} days before {@code end} of every tenant, cut into windows of the
     * tenant's width (which must divide a day), newest first: what the enumerator plans once a busy
     * tenant's hot windows are split.
     */
    static List<Window> windows(
            List<Tenant> tenants, long end, int days, ToLongFunction<Tenant> widthMillis) {
        List<Window> out = new ArrayList<>();
        for (Tenant t : tenants) {
            long width = widthMillis.applyAsLong(t);
            for (long windowEnd = end; windowEnd > end - days * DAY; windowEnd -= width) {
                out.add(new Window(t, windowEnd - width, windowEnd));
            }
        }
        return out;
    }

    static CompletableFuture<Integer> all(
            PageFetcher fetcher, List<Tenant> tenants, long end, int days) {
        return all(fetcher, dayWindows(tenants, end, days));
    }

    static CompletableFuture<Integer> all(PageFetcher fetcher, List<Window> windows) {
        List<CompletableFuture<Integer>> pages = new ArrayList<>();
        for (Window w : windows) pages.add(window(fetcher, w, fetcher.pagination().first()));
        return CompletableFuture.allOf(pages.toArray(CompletableFuture[]::new))
                .thenApply(v -> pages.stream().mapToInt(CompletableFuture::join).sum());
    }

    static int serially(PageFetcher fetcher, List<Window> windows) {
        int pages = 0;
        for (Window w : windows) pages += window(fetcher, w, fetcher.pagination().first()).join();
        return pages;
    }

    private static CompletableFuture<Integer> window(
            PageFetcher f, Window w, PagePosition position) {
        return f.fetch(w.tenant(), w.start(), w.end(), position)
                .thenCompose(
                        page ->
                                page.next().isPresent()
                                        ? window(f, w, page.next().get()).thenApply(n -> n + 1)
                                        : CompletableFuture.completedFuture(1));
    }
}
