package io.httpsync.connector.http;

import io.httpsync.connector.auth.StaticTokenProvider;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RenderedRequest;
import io.httpsync.connector.ratelimit.RateLimiter;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.ekuaibao.EkuaibaoSim;
import io.httpsync.simulator.platform.jushuitan.JushuitanSim;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tokens from the simulator's Kuaishou OAuth endpoint, which issues a new random token on every
 * call: equal tokens therefore prove that one fetch was shared. The requests go over the JDK's HTTP
 * client (the transport is the page fetcher's business; here only the provider is under test).
 */
class EndpointTokenProviderTest {
    private static final String APP_SECRET = KuaishouSimulatorFixture.APP_SECRET;
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicInteger fetched = new AtomicInteger();
    private final AtomicLong nowMillis = new AtomicLong(System.currentTimeMillis());
    private final Clock clock =
            new Clock() {
                @Override
                public ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return Instant.ofEpochMilli(nowMillis.get());
                }
            };
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private KuaishouSimulatorFixture fixture;

    @BeforeEach
    void start() {
        fixture = new KuaishouSimulatorFixture(10);
        fixture.kuaishou.latency(150, 0); // concurrent callers overlap with the fetch in flight
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private TokenProvider provider() {
        Map<String, String> o = fixture.options();
        o.put("auth.token.refresh-margin", "10 min");
        return PageFetcher.tokenProvider(
                EndpointSpec.fromOptions(o),
                this::send,
                clock,
                tenant -> fetched.incrementAndGet());
    }

    private CompletableFuture<TokenTransport.Answer> send(RenderedRequest r) {
        String query =
                r.params().entrySet().stream()
                        .map(
                                e ->
                                        URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                                                + "="
                                                + URLEncoder.encode(
                                                        e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
        return client.sendAsync(
                        HttpRequest.newBuilder(URI.create(r.url() + "?" + query)).GET().build(),
                        HttpResponse.BodyHandlers.ofString())
                .thenApply(resp -> new TokenTransport.Answer(resp.statusCode(), resp.body()));
    }

    private static Tenant tenant(String appSecret) {
        return Tenant.of(
                KuaishouSimulatorFixture.SHOP,
                Map.of("app-key", KuaishouSimulatorFixture.APP_KEY, "app-secret", appSecret));
    }

    private static String get(CompletableFuture<String> token) throws Exception {
        return token.get(10, TimeUnit.SECONDS);
    }

    @Test
    void concurrentCallersShareOneFetchAndLaterCallersTheCachedToken() throws Exception {
        TokenProvider tokens = provider();
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) calls.add(tokens.token(tenant(APP_SECRET)));
        assertThat(calls.get(0)).as("the callers did not wait for the fetch").isNotDone();
        String first = get(calls.get(0));
        for (CompletableFuture<String> c : calls) assertThat(get(c)).isEqualTo(first);
        assertThat(get(tokens.token(tenant(APP_SECRET)))).isEqualTo(first);
        assertThat(fetched).hasValue(1);
        assertThat(fixture.kuaishou.tokens().validTenant(first)).isEqualTo("shop-1");
    }

    /** Hands out the permits the test completes, and records who asked and gave back. */
    private static final class HeldPermits implements RateLimiter {
        final CompletableFuture<Void> permit = new CompletableFuture<>();
        final List<String> acquired = new CopyOnWriteArrayList<>();
        final List<String> released = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> acquire(String tenantId) {
            acquired.add(tenantId);
            return permit;
        }

        @Override
        public void release(String tenantId) {
            released.add(tenantId);
        }

        @Override
        public void onRateLimited(String tenantId, Duration pause) {}
    }

    private TokenProvider budgetedProvider(RateLimiter limiter, AtomicInteger sent) {
        return PageFetcher.tokenProvider(
                EndpointSpec.fromOptions(fixture.options()),
                r -> {
                    sent.incrementAndGet();
                    return send(r);
                },
                clock,
                tenant -> fetched.incrementAndGet(),
                limiter);
    }

    @Test
    void aBudgetedTokenRequestGoesOutOnlyWithItsTenantsPermitAndGivesItBackWhenAnswered()
            throws Exception {
        HeldPermits limiter = new HeldPermits();
        AtomicInteger sent = new AtomicInteger();
        TokenProvider tokens = budgetedProvider(limiter, sent);

        CompletableFuture<String> token = tokens.token(tenant(APP_SECRET));
        CompletableFuture<String> second = tokens.token(tenant(APP_SECRET));
        assertThat(limiter.acquired).containsExactly(KuaishouSimulatorFixture.SHOP);
        assertThat(sent).as("sent before its permit").hasValue(0);
        assertThat(token).isNotDone();

        limiter.permit.complete(null);
        assertThat(get(token)).isNotEmpty().isEqualTo(get(second));
        assertThat(sent).hasValue(1);
        assertThat(limiter.released).containsExactly(KuaishouSimulatorFixture.SHOP);
    }

    @Test
    void aTokenRequestRefusedItsPermitFailsWithoutBeingSentAndTheNextCallAsksAgain()
            throws Exception {
        HeldPermits limiter = new HeldPermits();
        AtomicInteger sent = new AtomicInteger();
        TokenProvider tokens = budgetedProvider(limiter, sent);
        limiter.permit.cancel(false); // the limiter closed

        assertThatThrownBy(() -> get(tokens.token(tenant(APP_SECRET))))
                .hasRootCauseInstanceOf(java.util.concurrent.CancellationException.class)
                .hasMessageContaining("token endpoint for tenant 'shop-1': no permit to send");
        assertThat(sent).hasValue(0);
        assertThat(limiter.released).as("nothing granted, nothing to give back").isEmpty();
        assertThatThrownBy(() -> get(tokens.token(tenant(APP_SECRET))))
                .hasMessageContaining("no permit to send");
        assertThat(limiter.acquired).hasSize(2);
    }

    @Test
    void aTokenIsRefreshedBeforeItExpires() throws Exception {
        TokenProvider tokens = provider();
        String first = get(tokens.token(tenant(APP_SECRET)));
        nowMillis.addAndGet(Duration.ofSeconds(172_800).minusMinutes(11).toMillis());
        assertThat(get(tokens.token(tenant(APP_SECRET)))).isEqualTo(first);
        nowMillis.addAndGet(Duration.ofMinutes(2).toMillis());
        assertThat(get(tokens.token(tenant(APP_SECRET)))).isNotEqualTo(first);
        assertThat(fetched).hasValue(2);
    }

    @Test
    void invalidatingTheCurrentTokenFetchesANewOneButAStaleInvalidationIsIgnored()
            throws Exception {
        TokenProvider tokens = provider();
        String first = get(tokens.token(tenant(APP_SECRET)));
        tokens.invalidate(tenant(APP_SECRET), first);
        String second = get(tokens.token(tenant(APP_SECRET)));
        assertThat(second).isNotEqualTo(first);
        tokens.invalidate(
                tenant(APP_SECRET), first); // a late answer to a request made with the old token
        assertThat(get(tokens.token(tenant(APP_SECRET)))).isEqualTo(second);
        assertThat(tokens.canRefresh()).isTrue();
    }

    @Test
    void aRefusedFetchFailsWithoutSecretsAndIsNotCached() throws Exception {
        TokenProvider tokens = provider();
        String wrong = "WrongAppSecret-555";
        assertThatThrownBy(() -> get(tokens.token(tenant(wrong))))
                .hasRootCauseInstanceOf(TokenFetchException.class)
                .hasMessageContaining(
                        "token endpoint for tenant 'shop-1': HTTP 200 without a token at '/access_token'")
                .hasMessageContaining("unauthorized_client")
                .hasMessageNotContaining(wrong);
        assertThat(get(tokens.token(tenant(APP_SECRET)))).isNotEmpty();
        assertThat(fetched).hasValue(1);
    }

    @Test
    void aTokenAnswerCarriedAsAStringIsReadInsideItLikeAnyOtherAnswer() throws Exception {
        Map<String, String> o = fixture.options();
        o.put("response.json-string-paths", "/result");
        o.put("auth.token.path", "/result" + o.get("auth.token.path"));
        o.put("auth.token.expires-in-path", "/result" + o.get("auth.token.expires-in-path"));
        // the simulator's answer, as a platform that carries its payload as a string sends it
        TokenTransport wrapping =
                r ->
                        send(r).thenApply(
                                        a ->
                                                new TokenTransport.Answer(
                                                        a.status(),
                                                        JSON.createObjectNode()
                                                                .put("result", a.body())
                                                                .toString()));
        TokenProvider tokens =
                new EndpointTokenProvider(
                        EndpointSpec.fromOptions(o),
                        wrapping,
                        clock,
                        tenant -> fetched.incrementAndGet());

        // refused first: a fetched token is cached for the tenant
        String wrong = "WrongAppSecret-777";
        assertThatThrownBy(() -> get(tokens.token(tenant(wrong))))
                .hasRootCauseInstanceOf(TokenFetchException.class)
                .hasMessageContaining("without a token at '/result/access_token'")
                .hasMessageNotContaining(wrong);

        assertThat(get(tokens.token(tenant(APP_SECRET)))).isNotEmpty();
        assertThat(fetched).hasValue(1);
    }

    private EndpointTokenProvider rotatingProvider() {
        Map<String, String> o = fixture.options();
        o.putAll(EndpointPresets.kuaishouRefreshTokens(fixture.base));
        return new EndpointTokenProvider(
                EndpointSpec.fromOptions(o),
                this::send,
                clock,
                tenant -> fetched.incrementAndGet());
    }

    private static Tenant tenantWithRefreshToken(String refreshToken) {
        return Tenant.of(
                KuaishouSimulatorFixture.SHOP,
                Map.of(
                        "app-key",
                        KuaishouSimulatorFixture.APP_KEY,
                        "app-secret",
                        APP_SECRET,
                        "refresh-token",
                        refreshToken));
    }

    private List<String> tokenRequestOutcomes() {
        return fixture.sim.accounting().tokenRequests().stream()
                .map(e -> e.grant() + " " + e.outcome())
                .toList();
    }

    @Test
    void eachRefreshPresentsTheNewestRefreshTokenAndANewProviderGoesOnFromTheNewestItIsGiven()
            throws Exception {
        fixture.kuaishou.refreshGraceMillis(0); // strictly single use
        Tenant configured =
                tenantWithRefreshToken(
                        fixture.kuaishou.issueRefreshToken(KuaishouSimulatorFixture.SHOP));
        EndpointTokenProvider tokens = rotatingProvider();
        String token = get(tokens.token(configured));
        for (int i = 0; i < 3; i++) {
            tokens.invalidate(configured, token);
            token = get(tokens.token(configured));
        }
        assertThat(fetched).hasValue(4);
        assertThat(tokenRequestOutcomes()).containsOnly("refresh_token ok").hasSize(4);
        Map<String, String> newest = tokens.refreshTokens();
        assertThat(newest).containsOnlyKeys(KuaishouSimulatorFixture.SHOP);

        EndpointTokenProvider restarted = rotatingProvider();
        restarted.useRefreshTokens(newest);
        assertThat(get(restarted.token(configured))).isNotEqualTo(token);
        assertThat(restarted.refreshTokens()).as("rotated again").isNotEqualTo(newest);

        String spent = configured.properties().get("refresh-token");
        EndpointTokenProvider fromConfiguration = rotatingProvider();
        assertThatThrownBy(() -> get(fromConfiguration.token(configured)))
                .hasRootCauseInstanceOf(TokenFetchException.class)
                .hasMessageContaining("refreshToken.discarded")
                .hasMessageNotContaining(spent);
        assertThat(tokenRequestOutcomes())
                .containsExactly(
                        "refresh_token ok",
                        "refresh_token ok",
                        "refresh_token ok",
                        "refresh_token ok",
                        "refresh_token ok",
                        "refresh_token refreshToken.discarded");
    }

    @Test
    void jushuitanTokenRequestsAreSignedAndEachRefreshPresentsTheNewestRefreshToken()
            throws Exception {
        try (Simulator sim = new Simulator(11);
                TokenHttpClient http =
                        new TokenHttpClient("test-token-http", Duration.ofSeconds(5))) {
            JushuitanSim jushuitan = sim.add(JushuitanSim::new);
            jushuitan.addTenant(
                    "company-1",
                    JushuitanSim.credentials("jst-app-1", "JstSecret-0123456", null),
                    DataSpec.of(10, 86_400_000L));
            sim.start(0);
            String base = sim.baseUrl("jushuitan");
            Map<String, String> o = EndpointPresets.jushuitanOrders(base);
            o.putAll(EndpointPresets.jushuitanRefreshTokens(base));
            EndpointSpec spec = EndpointSpec.fromOptions(o);
            Tenant company =
                    Tenant.of(
                            "company-1",
                            Map.of(
                                    "app-key",
                                    "jst-app-1",
                                    "app-secret",
                                    "JstSecret-0123456",
                                    "refresh-token",
                                    jushuitan.issueRefreshToken("company-1")));

            EndpointTokenProvider tokens =
                    new EndpointTokenProvider(spec, http, Clock.systemUTC(), tenant -> {});
            String first = get(tokens.token(company));
            tokens.invalidate(company, first);
            String second = get(tokens.token(company));
            assertThat(second).isNotEqualTo(first);
            assertThat(jushuitan.tokens().validTenant(first))
                    .as("a refresh kills the earlier tokens")
                    .isNull();
            assertThat(jushuitan.tokens().validTenant(second)).isEqualTo("company-1");

            EndpointTokenProvider fromConfiguration =
                    new EndpointTokenProvider(spec, http, Clock.systemUTC(), tenant -> {});
            assertThatThrownBy(() -> get(fromConfiguration.token(company)))
                    .hasMessageContaining("无效的refresh_token")
                    .hasMessageNotContaining(company.properties().get("refresh-token"));
            assertThat(sim.accounting().tokenRequests())
                    .extracting(Accounting.TokenRequestEntry::outcome)
                    .containsExactly("ok", "ok", "验证失败！无效的refresh_token");
        }
    }

    /**
     * A login in two requests (the simulator's Ekuaibao in two-step mode): the corporation token of
     * the first step goes into the session request, whose token is ${token}; an invalidated or
     * expired session runs the whole chain again, and a failing step names itself without a secret.
     */
    @Test
    void aTokenChainPassesEachStepsValuesOnAndRunsAgainWhenItsTokenIsRefused() throws Exception {
        try (Simulator sim = new Simulator(12);
                TokenHttpClient http =
                        new TokenHttpClient("test-token-http", Duration.ofSeconds(5))) {
            EkuaibaoSim ekuaibao = sim.add(EkuaibaoSim::new);
            ekuaibao.twoStepLogin(true, 60_000);
            ekuaibao.addTenant(
                    "corp-1",
                    EkuaibaoSim.credentials("ekb-key-1", "EkbSecret-0123456"),
                    DataSpec.of(10, 86_400_000L));
            sim.start(0);
            String base = sim.baseUrl("ekuaibao");
            Map<String, String> o = new java.util.HashMap<>(EndpointPresets.ekuaibaoFlows(base));
            o.put("auth.token.steps", "corp");
            o.put("auth.token.step.corp.url", base + EkuaibaoSim.TOKEN_PATH);
            o.put("auth.token.step.corp.method", "POST");
            o.put("auth.token.step.corp.body.kind", "json");
            o.put("auth.token.step.corp.body.template", o.get("auth.token.body.template"));
            o.put("auth.token.step.corp.path.token", "/value/accessToken");
            o.put("auth.token.url", base + EkuaibaoSim.SESSION_PATH);
            o.put("auth.token.body.template", "{\"accessToken\":\"${step.corp.token}\"}");
            o.put("auth.token.path", "/value/sessionToken");
            EndpointSpec spec = EndpointSpec.fromOptions(o);
            Tenant corp =
                    Tenant.of(
                            "corp-1",
                            Map.of("app-key", "ekb-key-1", "app-secret", "EkbSecret-0123456"));

            EndpointTokenProvider tokens =
                    new EndpointTokenProvider(spec, http, Clock.systemUTC(), tenant -> {});
            String first = get(tokens.token(corp));
            assertThat(first).startsWith("SS_");
            assertThat(ekuaibao.tokens().validTenant(first)).isEqualTo("corp-1");
            assertThat(get(tokens.token(corp))).as("cached").isEqualTo(first);
            tokens.invalidate(corp, first);
            String second = get(tokens.token(corp));
            assertThat(second).isNotEqualTo(first).startsWith("SS_");
            assertThat(sim.accounting().tokenRequests())
                    .extracting(e -> e.grant() + " " + e.outcome())
                    .containsExactly(
                            "getAccessToken ok", "session ok", "getAccessToken ok", "session ok");

            Tenant wrong =
                    Tenant.of(
                            "corp-1",
                            Map.of("app-key", "ekb-key-1", "app-secret", "WrongSecret-99999"));
            EndpointTokenProvider refused =
                    new EndpointTokenProvider(spec, http, Clock.systemUTC(), tenant -> {});
            assertThatThrownBy(() -> get(refused.token(wrong)))
                    .hasRootCauseInstanceOf(TokenFetchException.class)
                    .hasMessageContaining(
                            "token endpoint for tenant 'corp-1', step 'corp' of 'auth.token.steps':"
                                    + " HTTP 403 without value 'token' at '/value/accessToken'")
                    .hasMessageNotContaining("WrongSecret-99999");
        }
    }

    @Test
    void aStepValueUnknownToTheChainIsRefusedWhenTheDescriptionIsRead() {
        Map<String, String> o =
                new java.util.HashMap<>(EndpointPresets.ekuaibaoFlows("http://127.0.0.1:1"));
        o.put("auth.token.steps", "corp");
        o.put("auth.token.step.corp.url", "http://127.0.0.1:1/token");
        o.put("auth.token.step.corp.path.token", "/value/accessToken");
        o.put("auth.token.body.template", "{\"accessToken\":\"${step.corp.tokn}\"}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessageContaining(
                        "option 'auth.token.body.template': placeholder ${step.corp.tokn} is no value"
                                + " of an earlier step; available are [step.corp.token]");
        o.put("auth.token.body.template", "{\"accessToken\":\"${step.corp.token}\"}");
        o.put("auth.token.step.app.url", "http://127.0.0.1:1/app");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessageContaining(
                        "option 'auth.token.step.app.url' is a setting of step 'app', which option"
                                + " 'auth.token.steps' does not name");
        o.remove("auth.token.step.app.url");
        o.put("request.param.x", "${step.corp.token}");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(o))
                .hasMessageContaining("is only available in a token request");
        o.remove("request.param.x");
        assertThat(EndpointSpec.fromOptions(o).auth().tokenSteps())
                .extracting(EndpointSpec.TokenStep::name)
                .containsExactly("corp");
    }

    @Test
    void staticTokensComeFromATenantProperty() throws Exception {
        StaticTokenProvider tokens = new StaticTokenProvider("access-token");
        assertThat(get(tokens.token(Tenant.of("t", Map.of("access-token", "tok-1")))))
                .isEqualTo("tok-1");
        assertThatThrownBy(() -> get(tokens.token(Tenant.of("t"))))
                .hasMessageContaining("tenant 't' has no property 'access-token'");
        assertThat(tokens.canRefresh()).isFalse();
    }
}
