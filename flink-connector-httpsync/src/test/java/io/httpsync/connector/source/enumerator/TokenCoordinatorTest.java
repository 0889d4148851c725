package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.Accounting;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_KEY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_SECRET;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enumerator's token coordination against the simulator's Kuaishou OAuth endpoints, over the
 * coordinator's own async HTTP client: readers share one token per tenant, a token dead for several
 * readers is refreshed once, answers go only to readers that speak, and rotated single-use refresh
 * tokens survive a restore through the checkpoint.
 */
class TokenCoordinatorTest {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final int READERS = 3;

    private KuaishouSimulatorFixture fixture;
    private final List<EnumeratorHarness> harnesses = new ArrayList<>();

    @BeforeEach
    void start() {
        fixture = new KuaishouSimulatorFixture(10);
        fixture.kuaishou.latency(
                150, 0); // a fetch is still in flight when the request has been handled
    }

    @AfterEach
    void stop() throws Exception {
        for (EnumeratorHarness h : harnesses) h.enumerator.close();
        fixture.close();
    }

    private SyncPlan plan() {
        return SyncPlan.builder()
                .tenants(SHOP)
                .startTime(START)
                .endTime(START.plus(Duration.ofHours(2)))
                .step(Duration.ofHours(1))
                .clock(new ManualClock(START.plus(Duration.ofDays(1))))
                .build();
    }

    /**
     * An enumerator with a token coordinator for the endpoint, tenants and restored state given.
     */
    private EnumeratorHarness harness(
            Map<String, String> options,
            List<Tenant> tenants,
            @Nullable HttpSyncEnumState restored) {
        EndpointSpec spec = EndpointSpec.fromOptions(options);
        EnumeratorHarness h =
                new EnumeratorHarness(
                        plan(),
                        READERS,
                        restored,
                        context ->
                                TokenCoordinator.of(
                                        spec,
                                        tenants,
                                        restored == null ? List.of() : restored.refreshTokens(),
                                        context));
        harnesses.add(h);
        return h;
    }

    private EnumeratorHarness codeGrant() {
        return harness(fixture.options(), List.of(fixture.tenant()), null);
    }

    private Map<String, String> refreshGrantOptions() {
        Map<String, String> o = fixture.options();
        o.putAll(EndpointPresets.kuaishouRefreshTokens(fixture.base));
        return o;
    }

    private static Tenant withRefreshToken(String refreshToken) {
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

    private static void ask(EnumeratorHarness h, int reader, @Nullable String rejected) {
        h.enumerator.handleSourceEvent(reader, new TokenRequestEvent(SHOP, rejected));
    }

    /** The token answers the reader got since it last looked. */
    private static List<TokenEvent> answers(EnumeratorHarness h, int reader) {
        return h.newEvents(reader).stream()
                .filter(e -> e instanceof TokenEvent)
                .map(e -> (TokenEvent) e)
                .toList();
    }

    /** Polls as the reader does until it gets a token answer. */
    private static TokenEvent pollForAnswer(EnumeratorHarness h, int reader)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            h.poll(reader);
            List<TokenEvent> got = answers(h, reader);
            if (!got.isEmpty()) {
                assertThat(got).hasSize(1);
                return got.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("reader " + reader + " got no token answer within 30 s");
    }

    private List<String> tokenRequests() {
        return fixture.sim.accounting().tokenRequests().stream()
                .map(Accounting.TokenRequestEntry::outcome)
                .toList();
    }

    @Test
    void readersShareOneFetchedTokenAndGetItOnlyWhenTheySpeak() throws Exception {
        EnumeratorHarness h = codeGrant();
        for (int reader = 0; reader < READERS; reader++) ask(h, reader, null);
        for (int reader = 0; reader < READERS; reader++) {
            assertThat(answers(h, reader))
                    .as("the fetch is in flight: nothing to answer yet")
                    .isEmpty();
        }
        Thread.sleep(500); // the token arrives; nothing may go out until a reader speaks
        for (int reader = 0; reader < READERS; reader++) assertThat(answers(h, reader)).isEmpty();

        TokenEvent first = pollForAnswer(h, 0);
        assertThat(first.token()).isNotEmpty();
        assertThat(first.validForMillis())
                .isBetween(Duration.ofHours(47).toMillis(), Duration.ofHours(48).toMillis());
        for (int reader = 1; reader < READERS; reader++)
            assertThat(pollForAnswer(h, reader).token()).isEqualTo(first.token());

        ask(h, 1, null);
        assertThat(answers(h, 1))
                .as("a token at hand is answered at once")
                .extracting(TokenEvent::token)
                .containsExactly(first.token());
        assertThat(tokenRequests()).containsExactly("ok");
    }

    @Test
    void aTokenRejectedByEveryReaderIsRefreshedOnceAndALateRejectionIsIgnored() throws Exception {
        EnumeratorHarness h = codeGrant();
        ask(h, 0, null);
        String dead = pollForAnswer(h, 0).token();

        for (int reader = 0; reader < READERS; reader++) ask(h, reader, dead);
        String fresh = pollForAnswer(h, 0).token();
        assertThat(fresh).isNotEqualTo(dead);
        for (int reader = 1; reader < READERS; reader++)
            assertThat(pollForAnswer(h, reader).token()).isEqualTo(fresh);

        ask(h, 2, dead); // a request that was in flight with the dead token came back later
        assertThat(answers(h, 2)).extracting(TokenEvent::token).containsExactly(fresh);
        assertThat(tokenRequests()).containsExactly("ok", "ok");
    }

    @Test
    void rotatedSingleUseRefreshTokensGoIntoTheCheckpointAndARestoredEnumeratorPresentsTheNewest()
            throws Exception {
        fixture.kuaishou.refreshGraceMillis(0);
        String configured = fixture.kuaishou.issueRefreshToken(SHOP);
        List<Tenant> tenants = List.of(withRefreshToken(configured));
        EnumeratorHarness first = harness(refreshGrantOptions(), tenants, null);
        ask(first, 0, null);
        String token = pollForAnswer(first, 0).token();
        ask(first, 1, token);
        assertThat(pollForAnswer(first, 1).token()).isNotEqualTo(token);

        HttpSyncEnumState state = first.checkpoint(1);
        assertThat(state.refreshTokens())
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.tenant()).isEqualTo(SHOP);
                            assertThat(r.refreshToken()).isNotEqualTo(configured);
                            assertThat(r.configuredFingerprint())
                                    .isEqualTo(TokenCoordinator.fingerprint(configured));
                        });
        assertThat(state.toString())
                .doesNotContain(state.refreshTokens().get(0).refreshToken())
                .contains("******");
        HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
        HttpSyncEnumState stored =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
        first.enumerator.close();

        EnumeratorHarness restored = harness(refreshGrantOptions(), tenants, stored);
        ask(restored, 2, null);
        assertThat(pollForAnswer(restored, 2).token()).isNotEmpty();
        assertThat(tokenRequests()).containsExactly("ok", "ok", "ok");

        // without the checkpoint, the configuration's refresh token is the one presented: spent
        // long ago
        EnumeratorHarness fromConfiguration = harness(refreshGrantOptions(), tenants, null);
        ask(fromConfiguration, 0, null);
        TokenEvent refused = pollForAnswer(fromConfiguration, 0);
        assertThat(refused.token()).isNull();
        assertThat(refused.failure())
                .contains("tenant 'shop-1'")
                .contains("refreshToken.discarded")
                .doesNotContain(configured);
        assertThat(tokenRequests()).containsExactly("ok", "ok", "ok", "refreshToken.discarded");
    }

    @Test
    void aReauthorizedConfigurationWinsOverTheCheckpointsRefreshToken() throws Exception {
        String before = fixture.kuaishou.issueRefreshToken(SHOP);
        HttpSyncEnumState state =
                new HttpSyncEnumState(List.of(), List.of(), List.of(), List.of(), List.of())
                        .withRefreshTokens(
                                List.of(
                                        new RotatedRefreshToken(
                                                SHOP,
                                                TokenCoordinator.fingerprint(before),
                                                "revoked-long-ago")));
        String reauthorized = fixture.kuaishou.issueRefreshToken(SHOP);

        EnumeratorHarness h =
                harness(refreshGrantOptions(), List.of(withRefreshToken(reauthorized)), state);
        ask(h, 0, null);
        assertThat(pollForAnswer(h, 0).token()).isNotEmpty();
        assertThat(tokenRequests()).containsExactly("ok");
        assertThat(h.checkpoint(1).refreshTokens())
                .singleElement()
                .satisfies(
                        r ->
                                assertThat(r.configuredFingerprint())
                                        .isEqualTo(TokenCoordinator.fingerprint(reauthorized)));
    }

    @Test
    void unknownTenantsAndRefusedFetchesAreAnsweredWithAFailureThatHoldsNoSecret()
            throws Exception {
        String wrongSecret = "WrongAppSecret-4242";
        EnumeratorHarness h =
                harness(
                        fixture.options(),
                        List.of(
                                Tenant.of(
                                        SHOP,
                                        Map.of("app-key", APP_KEY, "app-secret", wrongSecret))),
                        null);
        h.enumerator.handleSourceEvent(1, new TokenRequestEvent("shop-9", null));
        assertThat(answers(h, 1))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e.failure())
                                        .isEqualTo(
                                                "tenant 'shop-9' is not configured for this source"));

        ask(h, 0, null);
        TokenEvent refused = pollForAnswer(h, 0);
        assertThat(refused.token()).isNull();
        assertThat(refused.failure())
                .contains("token endpoint for tenant 'shop-1'")
                .contains("unauthorized_client")
                .doesNotContain(wrongSecret);
        assertThat(refused.toString()).doesNotContain(wrongSecret);
    }

    @Test
    void aRestartedReaderIsNotAnsweredWhatItsPredecessorAskedFor() throws Exception {
        EnumeratorHarness h = codeGrant();
        ask(h, 1, null);
        h.enumerator.addReader(1); // failed and restarted before the token came
        Thread.sleep(500);
        h.poll(1);
        assertThat(answers(h, 1)).isEmpty();
        ask(h, 1, null);
        assertThat(answers(h, 1))
                .as("its own request is answered, with the token fetched meanwhile")
                .hasSize(1);
        assertThat(tokenRequests()).containsExactly("ok");
    }
}
