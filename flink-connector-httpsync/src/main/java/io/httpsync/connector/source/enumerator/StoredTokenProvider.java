package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.auth.TokenStore;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.EndpointTokenProvider;
import io.httpsync.connector.http.TokenTransport;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The tokens of a {@link TokenStore} as a {@link TokenProvider}: what a party outside the source (a
 * dependent endpoint's fetch operator, in a TaskManager) uses to share the source's tenant tokens.
 * It follows the store's protocol ({@link StoredTokens}: claim by compare-and-set, only the claim's
 * holder spends the refresh token, everyone else reads the stored answer), so a single-use refresh
 * token is presented once whoever needs a new token first: the source's enumerator, another
 * parallel instance, or another job.
 *
 * <p>Threads: every method may be called from any thread and returns at once (the store's I/O runs
 * on {@link StoredTokens}' own pool, token requests over {@code transport}); {@link #close} once,
 * by the owner.
 */
@Internal
public final class StoredTokenProvider implements TokenProvider, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoredTokenProvider.class);

    private final StoredTokens stored;

    /**
     * @param spec the endpoint whose token request refreshes the stored tokens ({@code
     *     auth.token.*})
     * @param transport sends the token requests
     * @param onRevoked told the tenant and reason when the token endpoint refused a tenant's newest
     *     refresh token (the store marks the tenant revoked)
     */
    public StoredTokenProvider(
            EndpointSpec spec,
            TokenStore store,
            TokenTransport transport,
            BiConsumer<String, String> onRevoked) {
        Clock clock = Clock.systemUTC();
        this.stored =
                new StoredTokens(
                        store,
                        () ->
                                new EndpointTokenProvider(
                                        spec,
                                        transport,
                                        clock,
                                        tenant ->
                                                LOG.info(
                                                        "{}: refreshed the stored token of tenant {} for every party sharing the store",
                                                        spec.name(),
                                                        tenant)),
                        spec.auth().refreshTokenProperty(),
                        spec.auth().rotatesRefreshTokens(),
                        clock,
                        StoredTokens.DEFAULT_CLAIM,
                        onRevoked);
    }

    @Override
    public CompletableFuture<String> token(Tenant tenant) {
        return stored.issued(tenant, null).thenApply(EndpointTokenProvider.Issued::value);
    }

    /**
     * Reads the store again for a token other than {@code token} (refreshing it if the store holds
     * no other): the next {@link #token} call gets the answer. A token that is no longer the one at
     * hand changes nothing.
     */
    @Override
    public void invalidate(Tenant tenant, String token) {
        stored.issued(tenant, token);
    }

    @Override
    public boolean canRefresh() {
        return true;
    }

    /** Forgets the token at hand of a tenant whose credentials changed. */
    public void forget(String tenant) {
        stored.forget(tenant);
    }

    @Override
    public void close() {
        stored.close();
    }
}
