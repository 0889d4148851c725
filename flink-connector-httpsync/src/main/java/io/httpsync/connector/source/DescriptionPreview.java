package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.endpoint.template.Placeholders;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.http.RequestFailedException;
import io.httpsync.connector.http.RequestTrace;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.enumerator.ScanOptions;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Tries a source's description against the platform before a job is written around it: one tenant,
 * one window, a few pages, fetched one after another through the source's own {@link PageFetcher}
 * and pagination (templates, signing, tokens, retries, rate limits, end conditions: nothing of it
 * is repeated here), without Flink. For every request it prints what was sent (secrets masked), the
 * answer's status and classification; for every page the records found, the first ids and update
 * times, the next position, and, on the last page, which end condition of the paging style ended
 * the window. A description that cannot be read, a records path that matches nothing, an id or time
 * path that reads nothing, or a page the platform refuses ends the preview with a problem that
 * names the option or the answer.
 *
 * <p>The options are a source's, as in a SQL {@code WITH} clause ({@link SourceConfigReader}): the
 * endpoint, the tenants, and optionally {@code scan.lag}, {@code scan.window.step} and {@code
 * scan.start}, which choose the default window: the newest one of the step, ending {@code scan.lag}
 * before now.
 *
 * <p>Not thread-safe: configure and {@link #run} it on one thread, which {@code run} blocks until
 * the preview is done.
 */
@PublicEvolving
public final class DescriptionPreview {
    /** How many pages a preview reads by default. */
    public static final int DEFAULT_PAGES = 3;

    /** How many ids and update times are shown of each page. */
    static final int SHOWN_RECORDS = 3;

    private final Map<String, String> options;
    @Nullable private String tenantId;
    @Nullable private Instant from;
    @Nullable private Instant to;
    private int pages = DEFAULT_PAGES;

    private DescriptionPreview(Map<String, String> options) {
        this.options = new TreeMap<>(options);
    }

    /** A preview of the source {@code options} describe (the keys of a SQL {@code WITH} clause). */
    public static DescriptionPreview of(Map<String, String> options) {
        return new DescriptionPreview(options);
    }

    /** The tenant to preview; by default the first of option {@code tenants}. */
    public DescriptionPreview tenant(@Nullable String id) {
        this.tenantId = id;
        return this;
    }

    /** The window {@code [from, to)}; by default the newest window of {@code scan.window.step}. */
    public DescriptionPreview window(@Nullable Instant from, @Nullable Instant to) {
        this.from = from;
        this.to = to;
        return this;
    }

    /** At most this many pages (default {@value #DEFAULT_PAGES}). */
    public DescriptionPreview pages(int pages) {
        if (pages < 1)
            throw new IllegalArgumentException("a preview reads at least one page, not " + pages);
        this.pages = pages;
        return this;
    }

    /**
     * How a preview ended.
     *
     * @param requests requests sent, retries included
     * @param pages pages read
     * @param records records found on them
     * @param end what ended the window, or null if it was not reached within the pages read (or a
     *     page failed)
     * @param problem what is wrong with the description or what the platform refused, or null if
     *     nothing
     */
    @PublicEvolving
    public record Result(
            int requests, int pages, int records, @Nullable String end, @Nullable String problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    /**
     * Runs the preview, printing to {@code out}, and returns how it ended. A description that
     * cannot be read is a {@link Result#problem()} too (naming the option), as is a page that
     * fails.
     */
    public Result run(PrintStream out) throws InterruptedException {
        EndpointSpec spec;
        Tenant tenant;
        long start;
        long end;
        try {
            SourceConfigReader.refuseUnknownKeys(options);
            spec = SourceConfigReader.endpoint(options);
            spec.requireScanFields();
            tenant = tenant(SourceConfigReader.tenants(options));
            long[] window = window(spec);
            start = window[0];
            end = window[1];
        } catch (IllegalArgumentException e) {
            return problem(out, new Result(0, 0, 0, null, e.getMessage()));
        }
        out.printf(
                "preview of endpoint '%s', tenant '%s', window [%s, %s), pagination.style %s, at most %d page%s%n",
                spec.name(),
                tenant.id(),
                Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(end),
                spec.pagination().style().optionValue(),
                pages,
                pages == 1 ? "" : "s");
        RecordFields fields = new RecordFields(spec);
        List<RequestTrace> traces = Collections.synchronizedList(new ArrayList<>());
        int requests = 0;
        int read = 0;
        int records = 0;
        try (HierarchicalRateLimiter limiter =
                        HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1);
                PageFetcher fetcher =
                        new PageFetcher(
                                spec,
                                limiter,
                                new FetchListener() {
                                    @Override
                                    public void onTokenFetched(String id) {
                                        out.println(
                                                "  (a token was fetched for tenant '" + id + "')");
                                    }
                                })) {
            fetcher.traceRequests(traces::add);
            PagePosition position = fetcher.pagination().first();
            while (read < pages) {
                String at = describe(fetcher, position, start, end);
                traces.clear();
                Page page = null;
                Throwable failure = null;
                try {
                    page = fetcher.fetch(tenant, start, end, position).get();
                } catch (ExecutionException e) {
                    failure = e.getCause();
                }
                for (RequestTrace t : List.copyOf(traces)) {
                    requests++;
                    out.println(
                            "request "
                                    + requests
                                    + " (page "
                                    + (read + 1)
                                    + " at "
                                    + at
                                    + "): "
                                    + t.request());
                    out.println("  answer: " + answer(t));
                }
                read++;
                if (failure != null) {
                    return problem(
                            out, new Result(requests, read, records, null, failure(failure)));
                }
                records += page.records().size();
                String unreadable = unreadable(fields, page.records());
                if (unreadable != null)
                    return problem(out, new Result(requests, read, records, null, unreadable));
                out.println("  records: " + page.records().size() + shown(fields, page.records()));
                if (page.end() != null) {
                    String why = page.end().description();
                    out.println("  end of window: " + why);
                    return done(out, new Result(requests, read, records, why, null));
                }
                position = page.next().orElseThrow();
                out.println("  next: " + describe(fetcher, position, start, end));
            }
            return done(out, new Result(requests, read, records, null, null));
        } catch (java.io.IOException e) {
            return problem(
                    out,
                    new Result(
                            requests,
                            read,
                            records,
                            null,
                            "closing the HTTP client failed: " + e.getMessage()));
        }
    }

    private Tenant tenant(List<Tenant> tenants) {
        if (tenantId == null) return tenants.get(0);
        return tenants.stream()
                .filter(t -> t.id().equals(tenantId))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "tenant '"
                                                + tenantId
                                                + "' is not one of option 'tenants' "
                                                + tenants.stream().map(Tenant::id).toList()));
    }

    /**
     * The window: the one given, else the newest of the step ({@code scan.window.step}, else the
     * endpoint's {@code window.max-width}) ending {@code scan.lag} before now, not before {@code
     * scan.start} if that is set.
     */
    private long[] window(EndpointSpec spec) {
        if ((from == null) != (to == null))
            throw new IllegalArgumentException(
                    "give both ends of the window (--from and --to), or neither");
        if (from != null) {
            if (!to.isAfter(from))
                throw new IllegalArgumentException(
                        "the window's end " + to + " is not after its start " + from);
            return new long[] {from.toEpochMilli(), to.toEpochMilli()};
        }
        OptionReader r = new OptionReader(options);
        Duration step = r.duration(ScanOptions.WINDOW_STEP, true);
        if (step == null) step = spec.limits().windowMaxWidth();
        if (step == null) {
            throw OptionReader.invalid(
                    ScanOptions.WINDOW_STEP,
                    "is required to choose the window to preview when no '"
                            + EndpointOptions.WINDOW_MAX_WIDTH.key()
                            + "' is set (or give --from and --to)");
        }
        Instant end =
                Instant.now()
                        .minus(SourceConfigReader.lag(options))
                        .truncatedTo(ChronoUnit.SECONDS);
        Instant start = end.minus(step);
        if (SourceConfigReader.scans(options)) {
            Instant scanStart = SourceConfigReader.start(options);
            if (!scanStart.isBefore(end)) {
                throw OptionReader.invalid(
                        ScanOptions.START,
                        scanStart
                                + " is not before now minus '"
                                + ScanOptions.LAG.key()
                                + "' ("
                                + end
                                + "): there is no window to preview yet");
            }
            if (scanStart.isAfter(start)) start = scanStart;
        }
        return new long[] {start.toEpochMilli(), end.toEpochMilli()};
    }

    /** The template values a position gives the request, e.g. {@code page=2 offset=50}. */
    private static String describe(
            PageFetcher fetcher, PagePosition position, long start, long end) {
        Map<String, String> values =
                new TreeMap<>(fetcher.pagination().variables(position, start, end));
        values.remove(Placeholders.PAGE_SIZE);
        return values.entrySet().stream()
                .map(e -> e.getKey() + "=" + (e.getValue().isEmpty() ? "''" : e.getValue()))
                .collect(Collectors.joining(" "));
    }

    private static String answer(RequestTrace t) {
        StringBuilder s =
                new StringBuilder(t.httpStatus() < 0 ? "no answer" : "HTTP " + t.httpStatus())
                        .append(", ")
                        .append(classification(t.kind()));
        if (t.platformCode() != null) s.append(", code ").append(t.platformCode());
        if (t.kind() != ResponseKind.SUCCESS && t.message() != null)
            s.append(": ").append(t.message());
        return s.append(" (").append(t.latencyMillis()).append(" ms)").toString();
    }

    /** A classification as the docs name it: ok, rate-limited, token-expired, retryable, fatal. */
    static String classification(ResponseKind kind) {
        return kind == ResponseKind.SUCCESS
                ? "ok"
                : kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static String shown(RecordFields fields, List<JsonNode> records) {
        if (records.isEmpty()) return "";
        String first =
                records.stream()
                        .limit(SHOWN_RECORDS)
                        .map(
                                r ->
                                        "id="
                                                + fields.id(r)
                                                + " update-time="
                                                + Instant.ofEpochMilli(fields.time(r)))
                        .collect(Collectors.joining(", "));
        return "; first " + Math.min(SHOWN_RECORDS, records.size()) + ": " + first;
    }

    /**
     * Why a record's id or time cannot be read, with the record's field names (not its values), or
     * null.
     */
    private static String unreadable(RecordFields fields, List<JsonNode> records) {
        for (int i = 0; i < records.size(); i++) {
            String why = fields.unreadable(records.get(i));
            if (why != null) {
                List<String> names = new ArrayList<>();
                records.get(i).fieldNames().forEachRemaining(names::add);
                return "record "
                        + (i + 1)
                        + " of the page: "
                        + why
                        + "; the record has the fields "
                        + names;
            }
        }
        return null;
    }

    private static String failure(Throwable error) {
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        if (cause instanceof RequestFailedException failed) {
            ExceptionEvent e = failed.event();
            // the event's message begins with the answer's status and code
            return "the page failed (" + classification(e.kind()) + "): " + e.message();
        }
        return "the page failed: " + cause;
    }

    private static Result problem(PrintStream out, Result result) {
        out.println("PREVIEW FAILED: " + result.problem());
        return done(out, result);
    }

    private static Result done(PrintStream out, Result r) {
        if (r.ok() && r.end() == null) {
            out.println(
                    "  (the window goes on beyond "
                            + r.pages()
                            + " page"
                            + (r.pages() == 1 ? "" : "s")
                            + "; --pages reads more)");
        }
        if (r.ok() && r.records() == 0) {
            out.println(
                    "  (no records in this window: if the platform has some, check the window parameters, or try a"
                            + " wider window with --from and --to)");
        }
        out.println(
                "PREVIEW RESULT: requests="
                        + r.requests()
                        + " pages="
                        + r.pages()
                        + " records="
                        + r.records()
                        + " end="
                        + (r.end() == null ? "not reached" : "\"" + r.end() + "\"")
                        + " ok="
                        + r.ok());
        return r;
    }
}
