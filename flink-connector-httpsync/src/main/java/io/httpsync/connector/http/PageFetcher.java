package io.httpsync.connector.http;

import io.httpsync.connector.auth.RequestSigner;
import io.httpsync.connector.auth.StaticTokenProvider;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.endpoint.RenderedRequest;
import io.httpsync.connector.endpoint.ResponseExtractor;
import io.httpsync.connector.endpoint.ResponseFormatException;
import io.httpsync.connector.endpoint.pagination.PageContent;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.endpoint.pagination.PageStep;
import io.httpsync.connector.endpoint.pagination.Pagination;
import io.httpsync.connector.endpoint.template.TemplateVariables;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.RateLimiter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.util.TimeUtils;

import com.fasterxml.jackson.databind.JsonNode;
import org.asynchttpclient.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Fetches one page of a window asynchronously: renders the request (templates, token, signature),
 * takes a permit from the {@link RateLimiter} (released when the answer is in), sends it with
 * async-http-client, classifies the answer ({@link ErrorClassifier}), retries with backoff and
 * jitter ({@link RetryPolicy}), honours the waits the platform asks for and tells the rate limiter,
 * refreshes the token on a token-expired answer (at most {@code auth.token.max-refreshes} times per
 * page), and completes with a {@link Page}, or exceptionally with a {@link RequestFailedException}
 * whose {@link ExceptionEvent} has the full context and no secret.
 *
 * <p>Owns one HTTP client ({@link SecretSafeHttp}) and one daemon timer thread. Nothing ever
 * blocks: waits (permits, backoff, bans) are scheduled on the timer; answers are handled on AHC I/O
 * threads, where classification and JSON parsing run. {@link #fetch} may be called from any thread,
 * any number of times concurrently; each call is independent. The returned future completes on an
 * AHC I/O thread or the timer thread, so its dependents must not block. Cancelling the returned
 * future stops further retries of that page.
 */
@Internal
public final class PageFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PageFetcher.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final EndpointSpec spec;
    private final Pagination pagination;
    private final ResponseExtractor extractor;
    private final RecordFields recordFields;
    private final ErrorClassifier classifier;
    private final RetryPolicy retryPolicy;

    /** Whether a bucket of the endpoint adapts its rate to rate-limited answers. */
    private final boolean adaptive;

    private final RateLimiter rateLimiter;
    private final FetchListener listener;
    private final Clock clock;
    private final RequestSigner signer;

    /** The user's {@code request.signer}, signing after {@code auth.signer}. */
    private final UserExtensions extensions;

    private final TokenProvider tokens;
    private final SecretSafeHttp http;
    private final ScheduledThreadPoolExecutor timer;
    private final Set<Fetch> active = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Told every request and its answer, or null (the default: nothing is described, nothing
     * costs).
     */
    private volatile Consumer<RequestTrace> tracer;

    public PageFetcher(EndpointSpec spec, RateLimiter rateLimiter, FetchListener listener) {
        this(spec, rateLimiter, listener, Clock.systemUTC());
    }

    /**
     * @param clock the time templates see as {@code ${now}} and tokens expire by
     */
    public PageFetcher(
            EndpointSpec spec, RateLimiter rateLimiter, FetchListener listener, Clock clock) {
        this(spec, rateLimiter, listener, clock, null);
    }

    /**
     * @param clock the time templates see as {@code ${now}} and tokens expire by
     * @param tokens the provider of {@code ${token}} shared with others (a source reader's, which
     *     asks the enumerator), or null for one of this fetcher's own, which fetches over this
     *     fetcher's HTTP client
     */
    public PageFetcher(
            EndpointSpec spec,
            RateLimiter rateLimiter,
            FetchListener listener,
            Clock clock,
            @Nullable TokenProvider tokens) {
        this.spec = spec;
        this.pagination = Pagination.of(spec);
        this.extractor = new ResponseExtractor(spec);
        this.recordFields = new RecordFields(spec);
        this.classifier = new ErrorClassifier(spec);
        this.retryPolicy = RetryPolicy.of(spec);
        this.adaptive = spec.rateLimits().buckets().stream().anyMatch(BucketSpec::adaptive);
        this.rateLimiter = rateLimiter;
        this.listener = listener;
        this.clock = clock;
        this.signer = spec.auth().signer().signer(spec.auth().signerSecretProperty());
        this.extensions = UserExtensions.of(spec);
        int instance = INSTANCES.incrementAndGet();
        this.http = new SecretSafeHttp("httpsync-http-" + instance, 2, spec.requestTimeout());
        this.timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, "httpsync-fetch-timer-" + instance);
                            t.setDaemon(true);
                            return t;
                        });
        timer.setRemoveOnCancelPolicy(true);
        this.tokens =
                !spec.usesToken()
                        ? null
                        : tokens != null
                                ? tokens
                                : tokenProvider(
                                        spec,
                                        this::sendTokenRequest,
                                        clock,
                                        listener::onTokenFetched);
    }

    /**
     * A fetcher whose activity (rate limiting, token refusals, retries) is summed up per tenant in
     * the log every {@code log.summary-interval}: what a lookup, a detail check or a dependent
     * endpoint uses.
     */
    public static PageFetcher withActivityLog(EndpointSpec spec, RateLimiter rateLimiter) {
        return withActivityLog(spec, rateLimiter, null);
    }

    /**
     * As {@link #withActivityLog(EndpointSpec, RateLimiter)}, with the tokens of {@code tokens}
     * (shared with others, e.g. a token store's), or of its own if null.
     */
    public static PageFetcher withActivityLog(
            EndpointSpec spec, RateLimiter rateLimiter, @Nullable TokenProvider tokens) {
        return new PageFetcher(
                spec,
                rateLimiter,
                new FetchActivityLog(
                        spec.name(), spec.logSummaryInterval(), System::currentTimeMillis),
                Clock.systemUTC(),
                tokens);
    }

    /**
     * The provider the description asks for: a token endpoint ({@code auth.token.url}) or a static
     * tenant property.
     *
     * @param transport sends the token request
     * @param onFetched told the tenant id after each token fetched from the endpoint
     */
    public static TokenProvider tokenProvider(
            EndpointSpec spec, TokenTransport transport, Clock clock, Consumer<String> onFetched) {
        return tokenProvider(spec, transport, clock, onFetched, null);
    }

    /**
     * As {@link #tokenProvider(EndpointSpec, TokenTransport, Clock, Consumer)}, each token request
     * taking a permit of {@code limiter} first (a platform that counts token requests against a
     * limit of its data requests); null: unbudgeted.
     */
    public static TokenProvider tokenProvider(
            EndpointSpec spec,
            TokenTransport transport,
            Clock clock,
            Consumer<String> onFetched,
            @Nullable RateLimiter limiter) {
        return spec.auth().tokenRequest() == null
                ? new StaticTokenProvider(spec.auth().staticTokenProperty())
                : new EndpointTokenProvider(spec, transport, clock, onFetched, limiter);
    }

    /**
     * Fetches the page at {@code position} of the window {@code [windowStart, windowEnd)} for the
     * tenant. Any thread; never blocks.
     */
    public CompletableFuture<Page> fetch(
            Tenant tenant, long windowStart, long windowEnd, PagePosition position) {
        if (windowEnd <= windowStart) {
            throw new IllegalArgumentException(
                    "window [" + windowStart + ", " + windowEnd + ") is empty");
        }
        Fetch f = new Fetch(tenant, windowStart, windowEnd, position);
        active.add(f);
        f.result.whenComplete((page, error) -> active.remove(f));
        if (closed) {
            f.result.completeExceptionally(new CancellationException("the page fetcher is closed"));
        } else {
            f.guarded(f::attempt);
        }
        return f.result;
    }

    /**
     * Tells {@code tracer} every request sent from now on and its answer, secrets masked ({@link
     * RequestTrace}); called on AHC I/O threads, so it must be thread-safe and quick. For {@code
     * preview}, which shows a user what is sent.
     */
    public void traceRequests(Consumer<RequestTrace> tracer) {
        this.tracer = tracer;
    }

    /** The pagination of this endpoint: first positions, and parsing of serialized positions. */
    public Pagination pagination() {
        return pagination;
    }

    public EndpointSpec spec() {
        return spec;
    }

    /** The record's id per {@code response.record.id-path}. */
    public String recordId(JsonNode record) {
        return recordFields.id(record);
    }

    /**
     * The record's update time (or create time) in epoch millis per {@code
     * response.record.time-path}.
     */
    public long recordTime(JsonNode record) {
        return recordFields.time(record);
    }

    /**
     * Closes the HTTP client and the timer; fetches still running complete with a {@link
     * CancellationException}.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        timer.shutdownNow();
        for (Fetch f : active)
            f.result.completeExceptionally(new CancellationException("the page fetcher is closed"));
        http.close();
    }

    // ------------------------------------------------------------------ sending

    /** Sends a request; its answer's body is read up to {@code response.max-body-size} only. */
    private CompletableFuture<Response> send(RenderedRequest r) {
        return http.send(r, new CappedBodyHandler(spec.response().maxBodyBytes()));
    }

    private CompletableFuture<TokenTransport.Answer> sendTokenRequest(RenderedRequest r) {
        return send(r).thenApply(
                        resp ->
                                new TokenTransport.Answer(
                                        resp.getStatusCode(), HttpRequests.body(resp)));
    }

    /**
     * Runs {@code task} after {@code nanos}, on the timer thread; at once on this thread if there
     * is no wait.
     */
    private void schedule(Runnable task, long nanos) {
        if (nanos <= 0) {
            task.run();
        } else {
            timer.schedule(task, nanos, TimeUnit.NANOSECONDS);
        }
    }

    // ------------------------------------------------------------------ one page

    /**
     * The attempts at one page. Its steps run one after another (never concurrently), each on the
     * thread that completed the previous step's future or timer wait; the futures and the timer
     * publish its fields between them.
     */
    private final class Fetch {
        final Tenant tenant;
        final long windowStart;
        final long windowEnd;
        final PagePosition position;
        final CompletableFuture<Page> result = new CompletableFuture<>();
        int attempts;
        int transientFailures;
        int rateLimitedAnswers;
        int tokenRefreshes;
        String token;

        Fetch(Tenant tenant, long windowStart, long windowEnd, PagePosition position) {
            this.tenant = tenant;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.position = position;
        }

        /**
         * Gets a token, renders and signs the request, reserves a permit and sends when it is due.
         */
        void attempt() {
            if (result.isDone()) return;
            CompletableFuture<String> tokenFuture =
                    tokens == null ? CompletableFuture.completedFuture(null) : tokens.token(tenant);
            tokenFuture.whenComplete(
                    (t, error) ->
                            guarded(
                                    () -> {
                                        if (error != null) {
                                            attempts++;
                                            handle(tokenFailure(error));
                                            return;
                                        }
                                        token = t;
                                        RenderedRequest request = render();
                                        CompletableFuture<Void> permit =
                                                rateLimiter.acquire(tenant.id());
                                        // a page closed or cancelled while waiting gives its place
                                        // up
                                        result.whenComplete((page, e) -> permit.cancel(false));
                                        permit.whenComplete(
                                                (granted, e) ->
                                                        guarded(
                                                                () -> {
                                                                    if (e != null) {
                                                                        if (!(e
                                                                                instanceof
                                                                                CancellationException))
                                                                            fail(
                                                                                    ClassifiedResponse
                                                                                            .noAnswer(
                                                                                                    ResponseKind
                                                                                                            .FATAL,
                                                                                                    rootMessage(
                                                                                                            e)),
                                                                                    null);
                                                                        return;
                                                                    }
                                                                    send(request);
                                                                }));
                                    }));
        }

        RenderedRequest render() {
            RenderedRequest r =
                    spec.request()
                            .render(
                                    TemplateVariables.forListRequest(
                                            tenant,
                                            clock.millis(),
                                            spec.timeFormat(),
                                            spec.timeZone(),
                                            windowStart,
                                            spec.windowEndSent(windowEnd),
                                            pagination.variables(position, windowStart, windowEnd),
                                            token));
            if (signer != null) signer.sign(r.params(), tenant);
            extensions.sign(r, tenant);
            return r;
        }

        /** Sends under a granted permit, which is released when the answer (or failure) is in. */
        void send(RenderedRequest request) {
            if (result.isDone()) {
                rateLimiter.release(tenant.id());
                return;
            }
            attempts++;
            listener.onRequest(tenant.id());
            long started = System.nanoTime();
            CompletableFuture<Response> answer;
            try {
                answer = PageFetcher.this.send(request);
            } catch (
                    RuntimeException
                            e) { // a URL AHC cannot even parse: classified like any failure, in
                // flight ends
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete(
                    (response, error) ->
                            guarded(
                                    () -> {
                                        rateLimiter.release(tenant.id());
                                        if (response != null) tellPlatformTime(tenant, response);
                                        ClassifiedResponse c =
                                                error != null
                                                        ? classifier.failure(error)
                                                        : classifier.classify(
                                                                response.getStatusCode(),
                                                                response::getHeader,
                                                                HttpRequests.body(response));
                                        listener.onResponse(
                                                tenant.id(), c.kind(), System.nanoTime() - started);
                                        Consumer<RequestTrace> t = tracer;
                                        if (t != null) {
                                            t.accept(
                                                    new RequestTrace(
                                                            redact(
                                                                    HttpRequests.describe(
                                                                            request,
                                                                            spec.requestTimeout())),
                                                            c.httpStatus(),
                                                            c.kind(),
                                                            c.platformCode(),
                                                            redact(c.message()),
                                                            (System.nanoTime() - started)
                                                                    / 1_000_000));
                                        }
                                        handle(c);
                                    }));
        }

        void handle(ClassifiedResponse c) {
            if (refusesPlatformWait(c)) return;
            switch (c.kind()) {
                case SUCCESS -> complete(c);
                case RATE_LIMITED -> {
                    if (++rateLimitedAnswers > retryPolicy.maxRateLimited()) {
                        fail(c, "rate limited " + rateLimitedAnswers + " times");
                        return;
                    }
                    // without a wait from the platform, an adaptive limiter paces the retry: its
                    // cut rate's next permit is the measured refill. A page refused again right
                    // after (a ban that does not say how long) waits retry.rate-limited-wait, not
                    // growing. Only without adaptation does the wait grow like a backoff (the
                    // limiter's rate is not lowered then).
                    Duration wait =
                            c.waitHint() != null || !adaptive
                                    ? retryPolicy.rateLimitedWait(rateLimitedAnswers, c.waitHint())
                                    : rateLimitedAnswers == 1
                                            ? Duration.ZERO
                                            : retryPolicy.rateLimitedWait(1, null);
                    rateLimiter.onRateLimited(tenant.id(), wait);
                    listener.onRateLimited(tenant.id(), wait);
                    retryAfter(c, wait);
                }
                case TOKEN_EXPIRED -> {
                    if (tokens == null) {
                        fail(
                                c,
                                "the platform refused the credentials, and no ${token} is configured to refresh");
                        return;
                    }
                    if (!tokens.canRefresh()) {
                        fail(
                                c,
                                "the token was refused and cannot be refreshed (static token of option 'auth.token.property')");
                        return;
                    }
                    if (++tokenRefreshes > spec.auth().maxRefreshes()) {
                        fail(c, "the token was refused " + tokenRefreshes + " times");
                        return;
                    }
                    tokens.invalidate(tenant, token);
                    retryAfter(c, Duration.ZERO);
                }
                case RETRYABLE -> {
                    if (++transientFailures >= retryPolicy.maxAttempts()) {
                        fail(c, "retries exhausted");
                        return;
                    }
                    retryAfter(c, retryPolicy.backoff(transientFailures, c.waitHint()));
                }
                case FATAL -> fail(c, null);
            }
        }

        /**
         * A wait the platform asks for beyond {@code retry.max-platform-wait} (Retry-After: 86400)
         * is not waited out: the page fails now with an event that names the wait, so its window is
         * retried later and nothing looks stuck; a rate-limited tenant still pauses, for the
         * longest wait allowed.
         */
        boolean refusesPlatformWait(ClassifiedResponse c) {
            boolean waits =
                    c.kind() == ResponseKind.RATE_LIMITED || c.kind() == ResponseKind.RETRYABLE;
            if (!waits || !retryPolicy.exceedsMaxPlatformWait(c.waitHint())) return false;
            if (c.kind() == ResponseKind.RATE_LIMITED)
                rateLimiter.onRateLimited(tenant.id(), retryPolicy.maxPlatformWait());
            fail(
                    c,
                    "the platform asked to wait "
                            + c.waitHint().toSeconds()
                            + " s before retrying, longer than '"
                            + EndpointOptions.RETRY_MAX_PLATFORM_WAIT.key()
                            + "' ("
                            + TimeUtils.formatWithHighestUnit(retryPolicy.maxPlatformWait())
                            + "), so the page was not retried");
            return true;
        }

        void complete(ClassifiedResponse c) {
            PageStep step;
            try {
                PageContent content =
                        extractor.extract(c.body(), pagination.recordsBefore(position));
                step = pagination.next(position, content);
            } catch (ResponseFormatException e) {
                fail(c.withKind(ResponseKind.FATAL, c.message() + ": " + e.getMessage()), null);
                return;
            }
            result.complete(new Page(position, step, attempts));
        }

        void retryAfter(ClassifiedResponse c, Duration wait) {
            LOG.debug(
                    "{} tenant '{}' {}: {}; retrying in {} ms",
                    spec.name(),
                    tenant.id(),
                    c.kind(),
                    redact(c.message()),
                    wait.toMillis());
            listener.onRetry(tenant.id(), c.kind(), wait, redact(c.message()));
            // a retry always goes through the timer, so that a chain of instant failures cannot
            // grow the stack
            scheduleOrFail(() -> guarded(this::attempt), Math.max(1, wait.toNanos()));
        }

        void scheduleOrFail(Runnable task, long nanos) {
            try {
                schedule(task, nanos);
            } catch (RejectedExecutionException e) {
                result.completeExceptionally(
                        new CancellationException("the page fetcher is closed"));
            }
        }

        void fail(ClassifiedResponse c, String why) {
            String message =
                    redact(why == null ? c.message() : why + "; last answer: " + c.message());
            ExceptionEvent event =
                    new ExceptionEvent(
                            spec.name(),
                            tenant.id(),
                            windowStart,
                            windowEnd,
                            position.serialize(),
                            c.httpStatus(),
                            c.platformCode(),
                            c.kind(),
                            attempts,
                            message,
                            clock.millis());
            result.completeExceptionally(new RequestFailedException(event));
        }

        /**
         * The text without the tenant's secrets, the token, and secrets written literally into the
         * options.
         */
        String redact(String text) {
            List<String> more = new ArrayList<>(spec.literalSecrets());
            if (token != null) more.add(token);
            return tenant.redact(text, more);
        }

        /**
         * Runs a step; a bug in it fails the page instead of leaving its future forever incomplete.
         */
        void guarded(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException e) {
                fail(ClassifiedResponse.noAnswer(ResponseKind.FATAL, rootMessage(e)), null);
            }
        }
    }

    /**
     * Tells the listener the platform's time, or that the answer has no {@code Date} header (any
     * thread).
     */
    private void tellPlatformTime(Tenant tenant, Response response) {
        long platformMillis = HttpRequests.dateHeaderMillis(response);
        if (platformMillis != Long.MIN_VALUE) {
            listener.onPlatformTime(tenant.id(), platformMillis, System.currentTimeMillis());
        } else {
            listener.onNoPlatformTime(tenant.id());
        }
    }

    /**
     * A token that could not be had, retried like an unanswered request. It carries the status of
     * the token endpoint's refusal, so that a window failing on it counts as failing for a lasting
     * cause (a wrong app secret gives the same refusal again), while an endpoint out of reach stays
     * a transient one.
     */
    private static ClassifiedResponse tokenFailure(Throwable error) {
        Throwable t = error;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null)
            t = t.getCause();
        int status = t instanceof TokenFetchException refused ? refused.answerStatus() : -1;
        return new ClassifiedResponse(
                ResponseKind.RETRYABLE, status, null, rootMessage(error), null, null);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && (c instanceof java.util.concurrent.CompletionException))
            c = c.getCause();
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }
}
