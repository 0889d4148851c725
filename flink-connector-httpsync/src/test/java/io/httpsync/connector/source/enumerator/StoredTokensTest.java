package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.StoredToken;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenStore;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.EndpointTokenProvider;
import io.httpsync.connector.http.TokenHttpClient;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.Accounting;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_KEY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_SECRET;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The token store's protocol (claim by compare-and-set, spend, store by compare-and-set) with two
 * "jobs" sharing one store, against the simulator's Kuaishou OAuth whose refresh tokens work
 * exactly once: whatever the concurrency, each need of a new token costs one token request, no
 * refresh token is presented twice, and a job that starts later (restored from an old savepoint)
 * uses the newest stored token. The store here is a map with the compare-and-set every store
 * implements; the JDBC store's compare-and-set is checked against PostgreSQL in httpsync-landing.
 */
class StoredTokensTest {
    private KuaishouSimulatorFixture fixture;
    private TokenHttpClient http;
    private final MapTokenStore store = new MapTokenStore();
    private final List<StoredTokens> jobs = new ArrayList<>();
    private final List<String> revoked = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        fixture = new KuaishouSimulatorFixture(10);
        fixture.kuaishou.refreshGraceMillis(0).latency(30, 0);
        http = new TokenHttpClient("stored-tokens-test", Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        jobs.forEach(StoredTokens::close);
        http.close();
        fixture.close();
    }

    /** A compare-and-set store in memory: what every {@link TokenStore} promises. */
    static final class MapTokenStore implements TokenStore {
        final Map<String, StoredToken> rows = new ConcurrentHashMap<>();
        final List<String> revokedTenants = new CopyOnWriteArrayList<>();

        @Override
        public Optional<StoredToken> read(String tenant) {
            return Optional.ofNullable(rows.get(tenant));
        }

        @Override
        public synchronized boolean compareAndSet(StoredToken next) {
            StoredToken current = rows.get(next.tenant());
            boolean expected =
                    next.version() == 0
                            ? current == null
                            : current != null && current.version() == next.version() - 1;
            if (expected) rows.put(next.tenant(), next);
            return expected;
        }

        @Override
        public void markRevoked(String tenant, String reason) {
            revokedTenants.add(tenant);
        }
    }

    private StoredTokens job() {
        Map<String, String> options = fixture.options();
        options.putAll(EndpointPresets.kuaishouRefreshTokens(fixture.base));
        EndpointSpec spec = EndpointSpec.fromOptions(options);
        StoredTokens job =
                new StoredTokens(
                        store,
                        () ->
                                new EndpointTokenProvider(
                                        spec, http::send, Clock.systemUTC(), tenant -> {}),
                        spec.auth().refreshTokenProperty(),
                        true,
                        Clock.systemUTC(),
                        Duration.ofSeconds(10),
                        (tenant, reason) -> revoked.add(tenant + ": " + reason));
        jobs.add(job);
        return job;
    }

    private static Tenant shop(String refreshToken) {
        return Tenant.of(
                SHOP,
                Map.of(
                        "app-key",
                        APP_KEY,
                        "app-secret",
                        APP_SECRET,
                        "refresh-token",
                        refreshToken));
    }

    private List<Accounting.TokenRequestEntry> tokenRequests() {
        return fixture.sim.accounting().tokenRequests();
    }

    /** {@code n} concurrent requests spread over the jobs; the tokens they got. */
    private static List<String> askConcurrently(
            List<StoredTokens> jobs, Tenant tenant, String rejected, int n) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            List<Future<String>> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                StoredTokens job = jobs.get(i % jobs.size());
                got.add(threads.submit(() -> job.obtain(tenant, rejected).value()));
            }
            List<String> tokens = new ArrayList<>();
            for (Future<String> f : got) tokens.add(f.get());
            return tokens;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void twoJobsRefreshingConcurrentlySpendEachSingleUseRefreshTokenOnce() throws Exception {
        Tenant tenant = shop(fixture.kuaishou.issueRefreshToken(SHOP));
        List<StoredTokens> both = List.of(job(), job());

        String token = null;
        for (int round = 1; round <= 3; round++) {
            List<String> got = askConcurrently(both, tenant, token, 8);
            assertThat(got).as("round %d: one token for all", round).containsOnly(got.get(0));
            assertThat(got.get(0)).isNotEqualTo(token);
            token = got.get(0);
            assertThat(tokenRequests()).as("one token request per round").hasSize(round);
            fixture.kuaishou.tokens().expireAll(SHOP); // the platform kills it early
        }
        assertThat(tokenRequests())
                .as("no refresh token presented twice")
                .allSatisfy(e -> assertThat(e.outcome()).isEqualTo("ok"));
        assertThat(store.rows.get(SHOP).claimedBy()).as("no claim left behind").isNull();
        assertThat(revoked).isEmpty();
    }

    @Test
    void aJobStartedLaterUsesTheNewestStoredTokenNotTheSpentOneItWasGiven() throws Exception {
        String configured = fixture.kuaishou.issueRefreshToken(SHOP);
        Tenant tenant = shop(configured);
        String first = job().obtain(tenant, null).value();
        fixture.kuaishou.tokens().expireAll(SHOP);
        String second = job().obtain(tenant, first).value(); // rotates the refresh token again

        StoredTokens restored = job(); // e.g. restored from a savepoint taken before the rotation
        assertThat(restored.obtain(tenant, null).value()).isEqualTo(second);
        fixture.kuaishou.tokens().expireAll(SHOP);
        assertThat(restored.obtain(tenant, second).value()).isNotEqualTo(second);
        assertThat(tokenRequests())
                .extracting(Accounting.TokenRequestEntry::outcome)
                .containsExactly("ok", "ok", "ok");
    }

    @Test
    void aRefusedRefreshTokenMarksTheTenantRevokedInsteadOfRetrying() throws Exception {
        Tenant tenant = shop("ChJvYXV0aC5yZWZyZXNoVG9rZW4-never-issued");
        StoredTokens job = job();

        assertThatThrownBy(() -> job.obtain(tenant, null)).hasMessageContaining(SHOP);
        assertThat(store.revokedTenants).containsExactly(SHOP);
        assertThat(revoked).singleElement().asString().contains("authorization revoked");
        assertThat(store.rows.get(SHOP).claimedBy()).as("the claim was released").isNull();

        int requests = tokenRequests().size();
        assertThatThrownBy(() -> job.obtain(tenant, null))
                .hasMessageContaining("revoked")
                .hasMessageContaining("authorized again");
        assertThat(tokenRequests()).as("no request with a revoked token").hasSize(requests);
    }

    @Test
    void aReauthorizedTenantStartsOverFromTheRegistrysNewRefreshToken() throws Exception {
        StoredTokens job = job();
        String before = job.obtain(shop(fixture.kuaishou.issueRefreshToken(SHOP)), null).value();
        fixture.kuaishou.tokens().expireAll(SHOP);

        // the user's flow re-authorized the shop: a new refresh token in the registry
        Tenant reauthorized = shop(fixture.kuaishou.issueRefreshToken(SHOP));
        String after = job.obtain(reauthorized, before).value();

        assertThat(after).isNotEqualTo(before);
        assertThat(tokenRequests())
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.outcome()).isEqualTo("ok"));
        assertThat(store.rows.get(SHOP).authorizationFingerprint())
                .isEqualTo(
                        TokenCoordinator.fingerprint(reauthorized.property("refresh-token").get()));
    }
}
