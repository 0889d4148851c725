package io.httpsync.connector.http;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The page fetcher against the real simulator's Kuaishou order API: signing, paging, faults,
 * tokens, limits.
 */
class PageFetcherTest {
    private KuaishouSimulatorFixture fixture;
    private final List<PageFetcher> fetchers = new ArrayList<>();
    private final CountingListener listener = new CountingListener();
    private long now;

    /** Counts what the fetcher reports, per kind, and requests in flight. */
    static final class CountingListener implements FetchListener {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicInteger rateLimited = new AtomicInteger();
        final AtomicInteger tokensFetched = new AtomicInteger();
        final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        final AtomicInteger maxInFlight = new AtomicInteger();

        @Override
        public void onRequest(String tenantId) {
            requests.incrementAndGet();
            int n = inFlight.computeIfAbsent(tenantId, t -> new AtomicInteger()).incrementAndGet();
            maxInFlight.accumulateAndGet(n, Math::max);
        }

        @Override
        public void onResponse(String tenantId, ResponseKind kind, long latencyNanos) {
            inFlight.get(tenantId).decrementAndGet();
        }

        @Override
        public void onRetry(String tenantId, ResponseKind cause, Duration delay) {
            retries.incrementAndGet();
        }

        @Override
        public void onRateLimited(String tenantId, Duration pause) {
            rateLimited.incrementAndGet();
        }

        @Override
        public void onTokenFetched(String tenantId) {
            tokensFetched.incrementAndGet();
        }
    }

    @BeforeEach
    void start() {
        fixture = new KuaishouSimulatorFixture(600);
        now = fixture.sim.clock().now();
    }

    @AfterEach
    void stop() throws Exception {
        for (PageFetcher f : fetchers) f.close();
        fixture.close();
    }

    private PageFetcher fetcher(Map<String, String> overrides) {
        Map<String, String> o = fixture.options();
        o.putAll(overrides);
        EndpointSpec spec = EndpointSpec.fromOptions(o);
        PageFetcher f =
                new PageFetcher(
                        spec, HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1), listener);
        fetchers.add(f);
        return f;
    }

    private static Page get(CompletableFuture<Page> page) throws Exception {
        return page.get(20, TimeUnit.SECONDS);
    }

    /** Pages the window to its end, returning the ids read. */
    private static List<String> pageAll(PageFetcher f, Tenant tenant, long start, long end)
            throws Exception {
        List<String> ids = new ArrayList<>();
        PagePosition position = f.pagination().first();
        for (int guard = 0; guard < 1000; guard++) {
            Page page = get(f.fetch(tenant, start, end, position));
            for (JsonNode r : page.records()) {
                ids.add(f.recordId(r));
                assertThat(f.recordTime(r)).isBetween(start, end - 1);
            }
            if (page.isLast()) return ids;
            // resume from split state as a restored reader would
            position = f.pagination().parse(page.next().orElseThrow().serialize());
        }
        throw new AssertionError("the window never ended");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kuaishou-md5", "kuaishou-hmac-sha256"})
    void pagesAKuaishouWindowToTheEndSignedAsTheSimulatorAccepts(String signer) throws Exception {
        PageFetcher f = fetcher(Map.of("auth.signer", signer));
        long start = now - 3 * DAY;
        long end = now - TimeUnit.HOURS.toMillis(1);
        List<String> ids = pageAll(f, fixture.tenant(), start, end);
        assertThat(ids)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(fixture.truthIds(start, end));
        assertThat(ids.size()).isGreaterThan(150);
        assertThat(listener.tokensFetched).hasValue(1);
        assertThat(listener.retries).hasValue(0);
        assertThat(listener.inFlight.get(SHOP)).hasValue(0);
    }

    @Test
    void cursorPagingLosesNothingWhileOrdersChangeUnderIt() throws Exception {
        fixture.kuaishou.mutatePerPage(SHOP, new MutationRates(5, 1, 1));
        PageFetcher f = fetcher(Map.of());
        long start = now - 5 * DAY;
        long end = now - DAY;
        List<String> ids = pageAll(f, fixture.tenant(), start, end);
        // updates move orders out of the closed window, deletes remove them: what is still there
        // was never touched
        assertThat(ids).containsAll(fixture.truthIds(start, end));
        assertThat(fixture.kuaishou.groundTruth(SHOP).deletedIds()).isNotEmpty();
    }

    @Test
    void retriesServerErrorsHtmlPagesMalformedJsonAndTimeouts() throws Exception {
        PageFetcher f = fetcher(Map.of("request.timeout", "300 ms"));
        fixture.kuaishou
                .faults()
                .timeoutDelayMillis(1500)
                .script(Fault.SERVER_ERROR, Fault.HTML_PAGE, Fault.MALFORMED_JSON, Fault.TIMEOUT);
        Page page = get(f.fetch(fixture.tenant(), now - DAY, now, f.pagination().first()));
        assertThat(page.attempts()).isEqualTo(5);
        assertThat(page.records()).hasSize(50);
        assertThat(listener.retries).hasValue(4);
        assertThat(listener.inFlight.get(SHOP)).hasValue(0);
    }

    @Test
    void refreshesAnExpiredTokenThroughTheOAuthEndpoint() throws Exception {
        PageFetcher f = fetcher(Map.of());
        Tenant tenant = fixture.tenant();
        Page first = get(f.fetch(tenant, now - DAY, now, f.pagination().first()));
        assertThat(first.attempts()).isEqualTo(1);
        fixture.kuaishou.faults().script(Fault.TOKEN_EXPIRED);
        Page second = get(f.fetch(tenant, now - DAY, now, first.next().orElseThrow()));
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(second.records()).isNotEmpty();
        assertThat(listener.tokensFetched).hasValue(2);
    }

    @Test
    void aStaticTokenThatExpiresFailsAtOnce() throws Exception {
        String token = fixture.kuaishou.issueToken(SHOP);
        Map<String, String> o = fixture.options();
        o.keySet().removeIf(k -> k.startsWith("auth.token.") && !k.equals("auth.token.property"));
        EndpointSpec spec = EndpointSpec.fromOptions(o);
        PageFetcher f =
                new PageFetcher(
                        spec, HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1), listener);
        fetchers.add(f);
        Tenant tenant =
                Tenant.of(
                        SHOP,
                        Map.of(
                                "app-key",
                                KuaishouSimulatorFixture.APP_KEY,
                                "sign-secret",
                                KuaishouSimulatorFixture.SIGN_SECRET,
                                "access-token",
                                token));
        assertThat(get(f.fetch(tenant, now - DAY, now, f.pagination().first())).records())
                .isNotEmpty();
        fixture.kuaishou.faults().script(Fault.TOKEN_EXPIRED);
        assertThatThrownBy(() -> get(f.fetch(tenant, now - DAY, now, f.pagination().first())))
                .hasCauseInstanceOf(RequestFailedException.class)
                .hasMessageContaining("cannot be refreshed")
                .hasMessageNotContaining(token);
    }

    @Test
    void staysUnderASmallRateLimit() throws Exception {
        fixture.kuaishou
                .limits()
                .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, 8));
        PageFetcher f =
                fetcher(Map.of("rate-limit.permits-per-second", "5", "rate-limit.burst", "1"));
        get(
                f.fetch(
                        fixture.tenant(),
                        now - DAY,
                        now,
                        f.pagination().first())); // the token first, outside the count
        fixture.sim.accounting().reset();
        List<CompletableFuture<Page>> pages = new ArrayList<>();
        for (int i = 0; i < 12; i++)
            pages.add(
                    f.fetch(
                            fixture.tenant(),
                            now - (i + 2) * DAY / 2,
                            now - (i + 1) * DAY / 2,
                            f.pagination().first()));
        for (CompletableFuture<Page> p : pages) assertThat(get(p).attempts()).isEqualTo(1);
        Accounting.Stats stats =
                fixture.sim
                        .accounting()
                        .limitKey("kuaishou/user-api-qps:shop-1/open.order.cursor.list");
        assertThat(stats.served()).isEqualTo(12);
        assertThat(stats.refused()).isZero();
        assertThat(stats.maxPerSecond()).isLessThanOrEqualTo(8);
        assertThat(listener.rateLimited).hasValue(0);
    }

    @Test
    void rateLimitedAnswersPauseTheTenantAndAreRetried() throws Exception {
        fixture.kuaishou
                .limits()
                .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, 2));
        PageFetcher f = fetcher(Map.of());
        List<CompletableFuture<Page>> pages = new ArrayList<>();
        for (int i = 0; i < 6; i++)
            pages.add(
                    f.fetch(
                            fixture.tenant(),
                            now - (i + 1) * DAY,
                            now - i * DAY,
                            f.pagination().first()));
        for (CompletableFuture<Page> p : pages) assertThat(get(p).records()).isNotEmpty();
        assertThat(listener.rateLimited.get())
                .isPositive()
                .isEqualTo(
                        (int)
                                fixture.sim
                                        .accounting()
                                        .limitKey(
                                                "kuaishou/user-api-qps:shop-1/open.order.cursor.list")
                                        .refused());
    }

    @Test
    void exhaustedRetriesBecomeAnExceptionEventWithFullContextAndNoSecret() throws Exception {
        PageFetcher f = fetcher(Map.of("retry.max-attempts", "3"));
        Tenant tenant = fixture.tenant();
        Page first = get(f.fetch(tenant, now - DAY, now, f.pagination().first()));
        PagePosition second = first.next().orElseThrow();
        fixture.kuaishou
                .faults()
                .script(Fault.SERVER_ERROR, Fault.SERVER_ERROR, Fault.SERVER_ERROR);
        ExecutionException failure =
                (ExecutionException) catchFailure(f.fetch(tenant, now - DAY, now, second));
        ExceptionEvent event = ((RequestFailedException) failure.getCause()).event();
        assertThat(event.endpoint()).isEqualTo("kuaishou/open.order.cursor.list");
        assertThat(event.tenantId()).isEqualTo(SHOP);
        assertThat(event.windowStart()).isEqualTo(now - DAY);
        assertThat(event.windowEnd()).isEqualTo(now);
        assertThat(f.pagination().parse(event.position())).isEqualTo(second);
        assertThat(event.httpStatus()).isIn(502, 503);
        assertThat(event.kind()).isEqualTo(ResponseKind.RETRYABLE);
        assertThat(event.attempts()).isEqualTo(3);
        assertThat(event.message()).startsWith("retries exhausted; last answer: HTTP 50");
        assertThat(event.timeMillis()).isBetween(now - 60_000, System.currentTimeMillis() + 60_000);
        String token = fixture.kuaishou.tokens().current(SHOP).value();
        for (String text : List.of(event.toString(), failure.getCause().getMessage())) {
            assertThat(text)
                    .doesNotContain(
                            KuaishouSimulatorFixture.APP_SECRET,
                            KuaishouSimulatorFixture.SIGN_SECRET,
                            token);
        }
    }

    @Test
    void aBusinessErrorFailsAtOnceWithThePlatformsCode() throws Exception {
        PageFetcher f = fetcher(Map.of());
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
        ExecutionException failure =
                (ExecutionException)
                        catchFailure(f.fetch(wrongSecret, now - DAY, now, f.pagination().first()));
        ExceptionEvent event = ((RequestFailedException) failure.getCause()).event();
        assertThat(event.platformCode()).isEqualTo("10");
        assertThat(event.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(event.attempts()).isEqualTo(1);
        assertThat(event.message()).contains("签名验证失败").doesNotContain("WrongSignSecret-000");
    }

    @Test
    void aMissingTenantPropertyFailsNamingIt() throws Exception {
        PageFetcher f = fetcher(Map.of());
        Tenant noKey = Tenant.of(SHOP, Map.of("app-secret", KuaishouSimulatorFixture.APP_SECRET));
        ExecutionException failure =
                (ExecutionException)
                        catchFailure(f.fetch(noKey, now - DAY, now, f.pagination().first()));
        assertThat(failure.getCause().getMessage())
                .contains("tenant 'shop-1' has no property 'app-key'")
                .doesNotContain(KuaishouSimulatorFixture.APP_SECRET);
    }

    @Test
    void closingFailsFetchesStillWaiting() throws Exception {
        PageFetcher f = fetcher(Map.of());
        get(f.fetch(fixture.tenant(), now - DAY, now, f.pagination().first()));
        fixture.kuaishou.faults().timeoutDelayMillis(5000).script(Fault.TIMEOUT);
        CompletableFuture<Page> waiting =
                f.fetch(fixture.tenant(), now - DAY, now, f.pagination().first());
        f.close();
        assertThatThrownBy(() -> get(waiting)).hasMessageContaining("closed");
        assertThatThrownBy(
                        () ->
                                f.fetch(fixture.tenant(), now - DAY, now, f.pagination().first())
                                        .get(5, TimeUnit.SECONDS))
                .hasMessageContaining("closed");
    }

    private static Throwable catchFailure(CompletableFuture<Page> page) {
        try {
            page.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("the fetch succeeded");
    }
}
