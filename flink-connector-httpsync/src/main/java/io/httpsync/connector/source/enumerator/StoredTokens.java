package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.StoredToken;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenFetchException;
import io.httpsync.connector.auth.TokenStore;
import io.httpsync.connector.http.EndpointTokenProvider;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The job's side of a {@link TokenStore}: one token per tenant shared with every other job (and
 * restart) that uses the store, refreshed by one party at a time. For a tenant it needs a token of,
 * it reads the stored row and:
 *
 * <ul>
 *   <li>uses the stored access token if it is still valid (and not the one a reader just saw
 *       refused);
 *   <li>waits, reading again, while another party's claim on the row holds;
 *   <li>else claims the row by compare-and-set on its version, presents the stored refresh token
 *       (only the claim's holder does, so a single-use refresh token is spent once), and stores the
 *       answer by compare-and-set, releasing the claim. Losing a race at any step means reading
 *       again.
 * </ul>
 *
 * A row is seeded from the registry's refresh token the first time; when the registry lists another
 * refresh token than the one the row was seeded from (a re-authorization), the row starts over from
 * it. A refusal of the stored refresh token by the token endpoint means the authorization was
 * revoked: the store marks the tenant disabled ({@link TokenStore#markRevoked}) and {@code
 * onRevoked} hears of it; the job goes on with its other tenants.
 *
 * <p>A job restored from an old savepoint reads the store too, so it uses the newest token, never
 * the spent refresh token its checkpoint may hold.
 *
 * <p><b>Threads.</b> {@link #issued} may be called from any thread and never blocks: the work runs
 * on this object's own pool (store I/O and waiting for another party's claim block there), and the
 * fetch over the given {@link EndpointTokenProvider} factory's transport. The maps are concurrent;
 * one fetch per tenant is in flight in this job at a time.
 */
@Internal
final class StoredTokens implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoredTokens.class);

    /** How long a claim holds: longer than a token request may take, with its retries. */
    static final Duration DEFAULT_CLAIM = Duration.ofSeconds(60);

    private static final long WAIT_STEP_MILLIS = 50;

    /** Creates a provider that fetches once: each refresh presents the stored refresh token. */
    interface OneShotFetcher {
        EndpointTokenProvider create();
    }

    private final TokenStore store;
    private final OneShotFetcher fetchers;
    private final String refreshTokenProperty;
    private final boolean rotates;
    private final Clock clock;
    private final Duration claim;
    private final String owner;
    private final BiConsumer<String, String> onRevoked;
    private final ExecutorService pool;

    private final Map<String, CompletableFuture<EndpointTokenProvider.Issued>> current =
            new ConcurrentHashMap<>();

    /**
     * The fingerprint of the registered refresh token of each tenant found revoked: until the
     * registry lists another one (a re-authorization), no token request is sent for the tenant.
     */
    private final Map<String, String> revoked = new ConcurrentHashMap<>();

    /**
     * @param onRevoked told the tenant id and reason when a tenant's authorization was revoked (on
     *     a pool thread)
     */
    StoredTokens(
            TokenStore store,
            OneShotFetcher fetchers,
            String refreshTokenProperty,
            boolean rotates,
            Clock clock,
            Duration claim,
            BiConsumer<String, String> onRevoked) {
        this.store = store;
        this.fetchers = fetchers;
        this.refreshTokenProperty = refreshTokenProperty;
        this.rotates = rotates;
        this.clock = clock;
        this.claim = claim;
        this.onRevoked = onRevoked;
        this.owner = "httpsync-" + UUID.randomUUID();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads =
                r -> {
                    Thread t = new Thread(r, "httpsync-token-store-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                };
        this.pool = Executors.newFixedThreadPool(4, threads);
    }

    /** The unique id this job's enumerator claims rows with. */
    String owner() {
        return owner;
    }

    /**
     * The tenant's token: the one at hand if it is still valid and not {@code rejected}, else one
     * read from or refreshed through the store.
     */
    CompletableFuture<EndpointTokenProvider.Issued> issued(
            Tenant tenant, @Nullable String rejected) {
        CompletableFuture<EndpointTokenProvider.Issued>[] started = newArray();
        CompletableFuture<EndpointTokenProvider.Issued> f =
                current.compute(
                        tenant.id(),
                        (id, old) -> {
                            if (old != null && (!old.isDone() || usable(old, rejected))) return old;
                            started[0] = new CompletableFuture<>();
                            return started[0];
                        });
        if (started[0] != null) {
            CompletableFuture<EndpointTokenProvider.Issued> promise = started[0];
            pool.execute(
                    () -> {
                        try {
                            promise.complete(obtain(tenant, rejected));
                        } catch (Throwable e) {
                            promise.completeExceptionally(e);
                        }
                    });
        }
        return f;
    }

    /** Forgets the token at hand (the tenant's credentials changed). */
    void forget(String tenant) {
        current.remove(tenant);
    }

    /** How many tenants wait for a token now. Any thread. */
    int waiting() {
        int n = 0;
        for (CompletableFuture<?> f : current.values()) if (!f.isDone()) n++;
        return n;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<EndpointTokenProvider.Issued>[] newArray() {
        return new CompletableFuture[1];
    }

    private boolean usable(
            CompletableFuture<EndpointTokenProvider.Issued> f, @Nullable String rejected) {
        if (f.isCompletedExceptionally()) return false;
        EndpointTokenProvider.Issued issued = f.join();
        return clock.millis() < issued.refreshAtMillis() && !issued.value().equals(rejected);
    }

    /** Pool thread: the protocol of the class comment, until a token is had or refused. */
    @VisibleForTesting
    EndpointTokenProvider.Issued obtain(Tenant tenant, @Nullable String rejected) throws Exception {
        String registered = tenant.property(refreshTokenProperty).orElse(null);
        String fingerprint = TokenCoordinator.fingerprint(registered == null ? "" : registered);
        if (fingerprint.equals(revoked.get(tenant.id()))) {
            throw new TokenFetchException(
                    "token store: the authorization of tenant '"
                            + tenant.id()
                            + "' was revoked; it needs to be authorized again",
                    null,
                    401);
        }
        long deadline = clock.millis() + 3 * claim.toMillis();
        while (true) {
            if (clock.millis() > deadline) {
                throw new TokenFetchException(
                        "token store: tenant '"
                                + tenant.id()
                                + "' stayed claimed by another party for "
                                + 3 * claim.toSeconds()
                                + " s",
                        null);
            }
            long now = clock.millis();
            Optional<StoredToken> read = store.read(tenant.id());
            if (read.isEmpty()) {
                store.compareAndSet(StoredToken.seed(tenant.id(), registered, fingerprint));
                continue; // whoever seeded it, read it again
            }
            StoredToken row = read.get();
            if (!row.authorizationFingerprint().equals(fingerprint) && !row.claimedAt(now)) {
                if (store.compareAndSet(row.reauthorized(registered, fingerprint)))
                    LOG.info(
                            "Tenant {} was re-authorized in the registry: its stored tokens start over from the"
                                    + " registry's refresh token",
                            tenant.id());
                continue;
            }
            if (row.accessTokenUsableAt(now) && !row.accessToken().equals(rejected)) {
                return new EndpointTokenProvider.Issued(
                        row.accessToken(), row.accessTokenValidUntilMillis());
            }
            if (row.claimedAt(now)) {
                Thread.sleep(WAIT_STEP_MILLIS); // another party refreshes: its answer comes soon
                continue;
            }
            StoredToken claimed = row.claimed(owner, now + claim.toMillis());
            if (!store.compareAndSet(claimed)) continue; // someone else was first
            return refresh(tenant, claimed);
        }
    }

    /**
     * Pool thread: we hold the claim on {@code claimed}; spend its refresh token, store the answer.
     */
    private EndpointTokenProvider.Issued refresh(Tenant tenant, StoredToken claimed)
            throws Exception {
        Tenant presenting = tenant;
        if (claimed.refreshToken() != null) {
            Map<String, String> properties = new java.util.TreeMap<>(tenant.properties());
            properties.put(refreshTokenProperty, claimed.refreshToken());
            presenting = Tenant.of(tenant.id(), properties);
        }
        EndpointTokenProvider provider = fetchers.create();
        EndpointTokenProvider.Issued issued;
        try {
            issued =
                    provider.issued(presenting)
                            .get(claim.toMillis() - WAIT_STEP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause =
                    e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            handleFailure(tenant, claimed, cause);
            throw cause instanceof Exception ex
                    ? ex
                    : new TokenFetchException(String.valueOf(cause), cause);
        }
        String newRefresh =
                rotates
                        ? provider.refreshTokens().getOrDefault(tenant.id(), claimed.refreshToken())
                        : claimed.refreshToken();
        if (!store.compareAndSet(
                claimed.refreshed(issued.value(), issued.refreshAtMillis(), newRefresh))) {
            // our claim expired and someone changed the row: the token we hold is still good, but
            // the refresh token it came with is lost unless the row already has a newer one
            LOG.warn(
                    "Tenant {}: the token store's row changed while this job held its claim (the claim"
                            + " expired); the fetched token is used, the row is left as the other party wrote it",
                    tenant.id());
        }
        return issued;
    }

    /**
     * Pool thread: a refresh failed; the claim is released, and a refused refresh token revokes.
     */
    private void handleFailure(Tenant tenant, StoredToken claimed, Throwable cause)
            throws Exception {
        boolean refused =
                cause instanceof TokenFetchException tfe
                        && tfe.answerStatus() >= 200
                        && tfe.answerStatus() < 500
                        && tfe.answerStatus() != 408
                        && tfe.answerStatus() != 429;
        store.compareAndSet(claimed.released());
        if (refused && claimed.refreshToken() != null) {
            String reason =
                    "authorization revoked: the token endpoint refused the tenant's newest refresh token ("
                            + cause.getMessage()
                            + ")";
            LOG.warn("Tenant {}: {}; marked disabled in the registry", tenant.id(), reason);
            revoked.put(
                    tenant.id(),
                    TokenCoordinator.fingerprint(tenant.property(refreshTokenProperty).orElse("")));
            store.markRevoked(tenant.id(), reason);
            onRevoked.accept(tenant.id(), reason);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
