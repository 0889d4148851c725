package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.endpoint.pagination.NumberedPosition;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.http.RequestFailedException;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Pages several windows at once over asynchronous HTTP and hands each completed page to Flink's
 * fetcher thread.
 *
 * <p>Threads and invariants:
 *
 * <ul>
 *   <li>{@link #fetch}, {@link #handleSplitsChanges} and {@link #close} run on the split fetcher
 *       thread only; all fields but {@link #completed} belong to that thread.
 *   <li>Requests complete on async-http-client I/O threads or the fetcher's timer thread; their
 *       callbacks only put one entry into {@link #completed} (never blocking: the queue is
 *       unbounded, but each active split has at most one request in flight, so it never holds more
 *       than {@code maxSplitsInFlight} entries).
 *   <li>A split's next request is sent only after its previous page left through {@link #fetch};
 *       with Flink's bounded element queue behind it, memory is bounded by (active splits + queue
 *       capacity) pages.
 *   <li>A throttled or retrying split keeps only its own request waiting; the others keep paging.
 * </ul>
 */
@Internal
final class HttpPageSplitReader implements SplitReader<FetchedPage, WindowSplit> {
    private static final long POLL_MILLIS = 200;
    private static final Completion WAKE_UP = new Completion(null, null, null);

    private final PageFetcher fetcher;
    private final RecordFields recordFields;
    private final Map<String, Tenant> tenants;

    /** How many windows to page at once; may change while the reader runs. */
    private final IntSupplier maxSplitsInFlight;

    private final ArrayDeque<WindowSplit> waiting = new ArrayDeque<>();

    /**
     * The windows being paged, with the typed position of the request in flight (parsed once, when
     * a split starts).
     */
    private final Map<String, Paging> active = new HashMap<>();

    private final BlockingQueue<Completion> completed = new LinkedBlockingQueue<>();

    /**
     * Per active split of page-number or offset paging: the last page read, to catch a platform
     * serving one page for all.
     */
    private final Map<String, LastPage> lastPages = new HashMap<>();

    /**
     * Whether tenants arrive while the job runs (a tenant registry): a split of a tenant not known
     * yet waits for it instead of being refused.
     */
    private final boolean tenantsArrive;

    HttpPageSplitReader(PageFetcher fetcher, Map<String, Tenant> tenants, int maxSplitsInFlight) {
        this(fetcher, tenants, () -> maxSplitsInFlight, false);
    }

    /**
     * @param tenants read on the fetcher thread; with {@code tenantsArrive}, a concurrent map that
     *     the mailbox thread adds to
     */
    HttpPageSplitReader(
            PageFetcher fetcher,
            Map<String, Tenant> tenants,
            IntSupplier maxSplitsInFlight,
            boolean tenantsArrive) {
        this.fetcher = fetcher;
        this.recordFields = new RecordFields(fetcher.spec());
        this.tenants = tenants;
        this.maxSplitsInFlight = maxSplitsInFlight;
        this.tenantsArrive = tenantsArrive;
    }

    /** Which page was asked for (page index and offset) and the ids it held. */
    private record LastPage(String request, List<String> ids) {}

    /** The outcome of one request, produced on an I/O thread. */
    private record Completion(String splitId, Page page, Throwable error) {}

    /** A window being paged and the position of its request in flight. */
    private record Paging(WindowSplit split, PagePosition position) {}

    @Override
    public RecordsWithSplitIds<FetchedPage> fetch() {
        startWaitingSplits();
        RecordsBySplits.Builder<FetchedPage> out = new RecordsBySplits.Builder<>();
        Completion c;
        try {
            c = completed.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // Flink interrupts the fetcher thread to shut it down; answer with nothing and let it
            // stop
            Thread.currentThread().interrupt();
            return out.build();
        }
        if (c == null || c == WAKE_UP) return out.build();
        Paging paging = active.get(c.splitId);
        WindowSplit split = paging.split;
        FetchedPage fetched = toFetchedPage(paging, c);
        out.add(split.splitId(), fetched);
        if (fetched.endsSplit()) {
            active.remove(split.splitId());
            lastPages.remove(split.splitId());
            out.addFinishedSplit(split.splitId());
            startWaitingSplits();
        } else {
            request(split, fetched.nextPosition);
        }
        return out.build();
    }

    private FetchedPage toFetchedPage(Paging paging, Completion c) {
        WindowSplit split = paging.split;
        long now = System.currentTimeMillis();
        if (c.error != null) {
            Throwable cause =
                    c.error instanceof CompletionException && c.error.getCause() != null
                            ? c.error.getCause()
                            : c.error;
            if (cause instanceof RequestFailedException failed)
                return FetchedPage.failed(failed.event(), now);
            throw new IllegalStateException("unexpected failure paging " + split, cause);
        }
        Page page = c.page;
        String unreadable = firstUnreadableRecord(page);
        if (unreadable != null) {
            // a record that cannot be placed by id and time is not emitted half-way: its window
            // fails and is read again
            return FetchedPage.failed(
                    ExceptionEvent.ofWindow(
                            fetcher.spec().name(),
                            split.tenant(),
                            split.startMillis(),
                            split.endMillis(),
                            page.position().serialize(),
                            unreadable,
                            now),
                    now);
        }
        String repeated = repeatedPage(split, page);
        if (repeated != null) {
            return FetchedPage.failed(
                    ExceptionEvent.ofWindow(
                            fetcher.spec().name(),
                            split.tenant(),
                            split.startMillis(),
                            split.endMillis(),
                            page.position().serialize(),
                            repeated,
                            now),
                    now);
        }
        if (page.splitRequired()) {
            return FetchedPage.tooLarge(page.records(), page.total().orElse(-1), null, now);
        }
        if (page.capReachedAt().isPresent()) {
            return FetchedPage.tooLarge(
                    page.records(), page.total().orElse(-1), page.capReachedAt().getAsLong(), now);
        }
        if (page.totalUnstable()) {
            return FetchedPage.failed(
                    ExceptionEvent.ofWindow(
                            fetcher.spec().name(),
                            split.tenant(),
                            split.startMillis(),
                            split.endMillis(),
                            paging.position.serialize(),
                            "the window's total kept growing while it was paged; read again later",
                            now),
                    now);
        }
        return FetchedPage.page(page.records(), page.next().orElse(null), now);
    }

    /**
     * Why the page is the page read just before it again, under another page number or offset, or
     * null. A platform that ignores the page parameter (its name misspelt in the options, or a
     * parameter it does not support) serves the first page for every page number: forward paging
     * would never end, and backward paging would read the last page's "records" as the first
     * page's. Two different pages of an honest platform never hold the same records (two or more);
     * the same page read twice (backward paging reads page 1 first and last) may, and is not
     * compared.
     */
    private String repeatedPage(WindowSplit split, Page page) {
        if (!(page.position() instanceof NumberedPosition asked) || page.records().size() < 2) {
            lastPages.remove(split.splitId());
            return null;
        }
        String request = asked.index() + "/" + asked.offset();
        List<String> ids = page.records().stream().map(recordFields::id).toList();
        LastPage previous = lastPages.put(split.splitId(), new LastPage(request, ids));
        if (previous == null || previous.request().equals(request) || !previous.ids().equals(ids))
            return null;
        return "the page at "
                + page.position().serialize()
                + " holds the same records as the page read before it ("
                + ids.size()
                + " records, ids "
                + ids.get(0)
                + " to "
                + ids.get(ids.size() - 1)
                + "): the platform ignores"
                + " the page number or offset it was asked for; check the name of the request parameter that carries"
                + " ${page} or ${offset}";
    }

    /**
     * Why a record of the page has no readable id or time (naming the option), or null if all have
     * both.
     */
    private String firstUnreadableRecord(Page page) {
        List<JsonNode> records = page.records();
        for (int i = 0; i < records.size(); i++) {
            String problem = recordFields.unreadable(records.get(i));
            if (problem != null)
                return "record " + (i + 1) + " of " + records.size() + " on the page: " + problem;
        }
        return null;
    }

    private void startWaitingSplits() {
        int unknownTenant = 0; // splits whose tenant the enumerator has not told yet go round
        int max = maxSplitsInFlight.getAsInt();
        while (active.size() < max && waiting.size() > unknownTenant) {
            WindowSplit s = waiting.poll();
            if (!tenants.containsKey(s.tenant())) {
                waiting.add(s);
                unknownTenant++;
                continue;
            }
            // the only place a position is parsed: where a (restored) split starts
            request(
                    s,
                    s.position() == null
                            ? fetcher.pagination().first()
                            : fetcher.pagination().parse(s.position()));
        }
    }

    private void request(WindowSplit split, PagePosition position) {
        active.put(split.splitId(), new Paging(split, position));
        Tenant tenant = tenants.get(split.tenant());
        fetcher.fetch(tenant, split.startMillis(), split.endMillis(), position)
                .whenComplete(
                        (page, error) ->
                                completed.add(new Completion(split.splitId(), page, error)));
    }

    @Override
    public void handleSplitsChanges(SplitsChange<WindowSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException(
                    "only split additions are supported, got " + change.getClass().getSimpleName());
        }
        for (WindowSplit s : change.splits()) {
            if (!tenantsArrive && !tenants.containsKey(s.tenant())) {
                throw new IllegalArgumentException(
                        "split "
                                + s.splitId()
                                + " names tenant '"
                                + s.tenant()
                                + "', which this source does not know");
            }
            waiting.add(s);
        }
    }

    @Override
    public void wakeUp() {
        completed.add(WAKE_UP);
    }

    /**
     * Flink closes an idle split reader and creates a new one when splits arrive again; the {@link
     * PageFetcher} (HTTP client, token cache) outlives it and is closed by the source reader.
     */
    @Override
    public void close() {}
}
