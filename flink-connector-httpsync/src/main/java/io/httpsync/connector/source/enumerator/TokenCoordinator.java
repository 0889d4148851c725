package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.auth.TokenStore;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RenderedRequest;
import io.httpsync.connector.http.EndpointTokenProvider;
import io.httpsync.connector.http.TokenHttpClient;
import io.httpsync.connector.http.TokenTransport;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The job's one access token per tenant: the enumerator's side of token sharing. Readers do not
 * fetch tokens; they ask here ({@link TokenRequestEvent}) and get the job's current token ({@link
 * TokenEvent}). So a token is fetched once per tenant, not once per reader; a token-expired answer
 * seen by several readers causes one refresh (only a rejected token that is still the current one
 * is invalidated); and a single-use refresh token is presented once, because there is one {@link
 * EndpointTokenProvider} per job and it has at most one fetch per tenant in flight.
 *
 * <p><b>Refresh tokens across restarts.</b> With {@code auth.token.refresh-token-path} each token
 * answer may rotate the tenant's refresh token. {@link #snapshot} puts the newest ones into the
 * enumerator's checkpoint; a restored coordinator presents them instead of the configured ones,
 * which the job has spent. Each is stored with the fingerprint of the refresh token the
 * configuration held: if the configuration holds another one now, the tenant was re-authorized and
 * the configured token wins.
 *
 * <p><b>Only readers that speak are answered.</b> A request is answered at once if the token is at
 * hand; otherwise the fetch runs and {@link #answer} sends the token with the reader's next message
 * (split request, report or poll), never on the coordinator's initiative (see {@link
 * HttpSyncEnumerator}). Completed fetches need not be handed back to the coordinator thread: {@link
 * #answer} looks at the futures.
 *
 * <p><b>Token store.</b> With a tenant registry's {@link TokenStore}, tokens are not the job's
 * alone: {@link StoredTokens} reads and refreshes them through the store, shared with every job
 * that uses it, and nothing of them goes into the checkpoint (the store always holds the newest).
 *
 * <p><b>Tenants change.</b> A registry adds tenants and changes their credentials while the job
 * runs ({@link #updateTenant}); a changed tenant's token at hand is forgotten, so the next request
 * fetches one with the new credentials.
 *
 * <p><b>Threads.</b> Every method runs on the source coordinator thread and never blocks: token
 * requests are sent over an async HTTP client of its own (created in {@link #start}, closed in
 * {@link #close}), whose I/O thread completes the fetches. The provider it owns is thread-safe; the
 * maps here are the coordinator thread's.
 */
@Internal
public final class TokenCoordinator implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenCoordinator.class);

    private final SplitEnumeratorContext<?> context;
    private final Map<String, Tenant> tenants = new LinkedHashMap<>();
    private final EndpointTokenProvider provider;
    private final String refreshTokenProperty;
    private final Clock clock;
    private final Function<EndpointSpec, TokenTransport> transports;
    private final EndpointSpec spec;

    /** The tokens of the registry's store, or null: the job keeps its own ({@link #provider}). */
    @Nullable private final StoredTokens stored;

    /**
     * The transport once started; requests before {@link #start} fail (the enumerator starts before
     * readers speak).
     */
    @Nullable private TokenTransport transport;

    /**
     * Per reader, the tenants it asked for whose answer is not sent yet, with the fetch it waits
     * for.
     */
    private final Map<Integer, Map<String, CompletableFuture<EndpointTokenProvider.Issued>>>
            waiting = new HashMap<>();

    /**
     * The coordinator for an endpoint, or null if the endpoint fetches no tokens (a static token
     * needs none).
     *
     * @param restored the refresh tokens of the restored checkpoint (empty on a fresh start)
     */
    @Nullable
    public static TokenCoordinator of(
            EndpointSpec spec,
            List<Tenant> tenants,
            List<RotatedRefreshToken> restored,
            SplitEnumeratorContext<?> context) {
        return of(spec, tenants, restored, context, null, (tenant, reason) -> {});
    }

    /**
     * @param store the registry's token store, or null: the job keeps its tokens (and the restored
     *     refresh tokens) itself
     * @param onRevoked told (on a token-store thread) when a tenant's authorization was revoked
     */
    @Nullable
    public static TokenCoordinator of(
            EndpointSpec spec,
            List<Tenant> tenants,
            List<RotatedRefreshToken> restored,
            SplitEnumeratorContext<?> context,
            @Nullable TokenStore store,
            BiConsumer<String, String> onRevoked) {
        if (!spec.usesToken() || spec.auth().tokenRequest() == null) return null;
        return new TokenCoordinator(
                spec,
                tenants,
                restored,
                context,
                Clock.systemUTC(),
                s -> new TokenHttpClient("httpsync-enumerator-token-http", s.requestTimeout()),
                store,
                onRevoked);
    }

    @VisibleForTesting
    TokenCoordinator(
            EndpointSpec spec,
            List<Tenant> tenants,
            List<RotatedRefreshToken> restored,
            SplitEnumeratorContext<?> context,
            Clock clock,
            Function<EndpointSpec, TokenTransport> transports) {
        this(spec, tenants, restored, context, clock, transports, null, (tenant, reason) -> {});
    }

    @VisibleForTesting
    TokenCoordinator(
            EndpointSpec spec,
            List<Tenant> tenants,
            List<RotatedRefreshToken> restored,
            SplitEnumeratorContext<?> context,
            Clock clock,
            Function<EndpointSpec, TokenTransport> transports,
            @Nullable TokenStore store,
            BiConsumer<String, String> onRevoked) {
        this.spec = spec;
        this.context = context;
        this.clock = clock;
        this.transports = transports;
        this.refreshTokenProperty = spec.auth().refreshTokenProperty();
        tenants.forEach(t -> this.tenants.put(t.id(), t));
        this.provider =
                new EndpointTokenProvider(
                        spec,
                        this::send,
                        clock,
                        tenant ->
                                LOG.info(
                                        "Fetched a new access token for tenant {} ({})",
                                        tenant,
                                        spec.auth().rotatesRefreshTokens()
                                                ? "its refresh token rotated"
                                                : "shared by all readers"));
        this.stored =
                store == null
                        ? null
                        : new StoredTokens(
                                store,
                                () ->
                                        new EndpointTokenProvider(
                                                spec,
                                                this::send,
                                                clock,
                                                tenant ->
                                                        LOG.info(
                                                                "Refreshed the stored token of tenant {} for every job sharing the store",
                                                                tenant)),
                                refreshTokenProperty,
                                spec.auth().rotatesRefreshTokens(),
                                clock,
                                StoredTokens.DEFAULT_CLAIM,
                                onRevoked);
        // with a store, the store holds the newest refresh tokens, not the (maybe old) checkpoint
        if (stored == null && spec.auth().rotatesRefreshTokens())
            provider.useRefreshTokens(restoredRefreshTokens(restored));
    }

    /**
     * Coordinator thread: a tenant is new or its properties changed (a registry): a changed one's
     * token at hand is forgotten, so that the next request uses the new credentials.
     */
    public void updateTenant(Tenant tenant) {
        Tenant old = tenants.put(tenant.id(), tenant);
        if (old == null || old.equals(tenant)) return;
        if (stored != null) stored.forget(tenant.id());
        else provider.forget(tenant.id());
        LOG.info(
                "Tenant {}'s credentials changed: its next token is fetched with the new ones",
                tenant.id());
    }

    /** How many tenants wait for a token now (a fetch or the store in flight). Any thread. */
    public int waitingForToken() {
        return stored != null ? stored.waiting() : provider.waiting();
    }

    /**
     * The restored refresh tokens to present, of tenants still configured and not re-authorized
     * since.
     */
    private Map<String, String> restoredRefreshTokens(List<RotatedRefreshToken> restored) {
        Map<String, String> use = new HashMap<>();
        for (RotatedRefreshToken r : restored) {
            Tenant tenant = tenants.get(r.tenant());
            if (tenant == null) continue; // no longer synced
            if (r.configuredFingerprint().equals(configuredFingerprint(tenant))) {
                use.put(r.tenant(), r.refreshToken());
            } else {
                LOG.info(
                        "The configured refresh token of tenant {} changed since the checkpoint (re-authorized):"
                                + " the configured one is used, not the checkpoint's",
                        r.tenant());
            }
        }
        return use;
    }

    /** Coordinator thread: creates the HTTP client. */
    public void start() {
        transport = transports.apply(spec);
    }

    private CompletableFuture<TokenTransport.Answer> send(RenderedRequest request) {
        TokenTransport t = transport;
        return t == null
                ? CompletableFuture.failedFuture(
                        new IllegalStateException("the token coordinator is not started"))
                : t.send(request);
    }

    /**
     * Coordinator thread: a reader asks for a tenant's token (after the platform refused {@code
     * rejectedToken}, if not null). Answered at once if the token is at hand, else with the
     * reader's next message.
     */
    public void onRequest(int reader, TokenRequestEvent request) {
        Tenant tenant = tenants.get(request.tenant());
        if (tenant == null) {
            context.sendEventToSourceReader(
                    reader,
                    TokenEvent.failed(
                            request.tenant(),
                            "tenant '" + request.tenant() + "' is not configured for this source"));
            return;
        }
        // a token that is not the current one any more (another reader's report came first) is
        // ignored
        CompletableFuture<EndpointTokenProvider.Issued> issued;
        if (stored != null) {
            issued = stored.issued(tenant, request.rejectedToken());
        } else {
            if (request.rejectedToken() != null)
                provider.invalidate(tenant, request.rejectedToken());
            issued = provider.issued(tenant);
        }
        waiting.computeIfAbsent(reader, r -> new LinkedHashMap<>()).put(tenant.id(), issued);
        answer(reader);
    }

    /**
     * Coordinator thread: sends the reader the tokens it waits for that are at hand now. Only when
     * it spoke to us.
     */
    public void answer(int reader) {
        Map<String, CompletableFuture<EndpointTokenProvider.Issued>> asked = waiting.get(reader);
        if (asked == null) return;
        if (!context.registeredReaders().containsKey(reader)) {
            waiting.remove(reader); // failed after asking; its successor asks again
            return;
        }
        for (Iterator<Map.Entry<String, CompletableFuture<EndpointTokenProvider.Issued>>> it =
                        asked.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, CompletableFuture<EndpointTokenProvider.Issued>> e = it.next();
            if (!e.getValue().isDone()) continue;
            it.remove();
            context.sendEventToSourceReader(reader, answerOf(e.getKey(), e.getValue()));
        }
        if (asked.isEmpty()) waiting.remove(reader);
    }

    private TokenEvent answerOf(
            String tenant, CompletableFuture<EndpointTokenProvider.Issued> fetched) {
        try {
            EndpointTokenProvider.Issued issued = fetched.join();
            return TokenEvent.of(tenant, issued.value(), issued.refreshAtMillis() - clock.millis());
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // the provider's messages name the tenant and never a secret
            return TokenEvent.failed(
                    tenant,
                    cause.getMessage() == null
                            ? cause.getClass().getSimpleName()
                            : cause.getMessage(),
                    cause instanceof TokenFetchException refused ? refused.answerStatus() : -1);
        }
    }

    /**
     * Coordinator thread: a reader (re)started; what its predecessor waited for, it asks for again.
     */
    public void readerStarted(int reader) {
        waiting.remove(reader);
    }

    /**
     * Coordinator thread: the newest refresh tokens, for the enumerator's checkpoint, sorted by
     * tenant.
     */
    public List<RotatedRefreshToken> snapshot() {
        List<RotatedRefreshToken> out = new ArrayList<>();
        if (stored != null) return out; // the store holds them
        provider.refreshTokens()
                .forEach(
                        (tenant, token) -> {
                            Tenant configured = tenants.get(tenant);
                            if (configured != null)
                                out.add(
                                        new RotatedRefreshToken(
                                                tenant, configuredFingerprint(configured), token));
                        });
        return out;
    }

    private String configuredFingerprint(Tenant tenant) {
        return fingerprint(tenant.property(refreshTokenProperty).orElse(""));
    }

    /** SHA-256 of a secret, hex: tells whether the configured one changed, without keeping it. */
    @VisibleForTesting
    static String fingerprint(String secret) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Coordinator thread: closes the HTTP client; fetches in flight fail, and nobody waits for them
     * any more.
     */
    @Override
    public void close() throws IOException {
        waiting.clear();
        if (stored != null) stored.close();
        if (transport instanceof Closeable closeable) closeable.close();
    }
}
