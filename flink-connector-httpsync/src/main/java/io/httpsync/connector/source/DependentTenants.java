package io.httpsync.connector.source;

import io.httpsync.connector.auth.RegisteredTenant;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistry;
import io.httpsync.connector.auth.TenantRegistryOptions;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.auth.TokenStore;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.TokenHttpClient;
import io.httpsync.connector.source.enumerator.StoredTokenProvider;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who a {@link DependentFetchOperator} or a SQL lookup join asks for, and with which tokens: the
 * tenants of the parents' source or of the lookup table (its fixed list, and its tenant registry if
 * it has one) and their tenant tokens.
 *
 * <p><b>Tokens.</b> With the source's token store (a tenant registry with {@code
 * tenants.registry.token-store} on), the dependent requests read and refresh their tokens through
 * that store ({@link StoredTokenProvider}), the very rows the source's enumerator uses: one token
 * per tenant for the source and every parallel instance, a single-use refresh token spent once.
 * Without a store each parallel instance fetches its own tokens; {@link #check} refuses that for a
 * token request that spends a rotating refresh token ({@code auth.token.refresh-token-path}), which
 * the source and the instances would present one after another.
 *
 * <p>The description ({@link Spec}) is serializable and built where the job is; {@link #open} makes
 * the live object in the task (the registry is created there, through the job's class loader).
 *
 * <p>Thread contract: {@link #tenant} (which may read the registry, blocking) and {@link #close}
 * run on the operator's (or lookup function's) task thread only; the token provider is thread-safe
 * (the fetcher's I/O threads use it).
 */
@Internal
public final class DependentTenants implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DependentTenants.class);

    /** An unknown tenant reads the registry again at most this often (it may have just come). */
    private static final long UNKNOWN_TENANT_REREAD_MILLIS = 1_000;

    /**
     * {@link #tenantReadAgain} reads the registry again unless it was read this recently: a tenant
     * added or enabled before that read is found, and a stream of such keys reads it at most ten
     * times a second.
     */
    private static final long READ_AGAIN_MILLIS = 100;

    /**
     * What the operator needs to know of the parents' source (or a lookup of its table);
     * serializable.
     *
     * @param sourceEndpoint the endpoint whose token request refreshes the stored tokens, as the
     *     source's, or null
     */
    public record Spec(
            Map<String, Tenant> fixed,
            @Nullable TenantRegistrySpec registry,
            @Nullable EndpointSpec sourceEndpoint)
            implements Serializable {
        @Serial private static final long serialVersionUID = 1L;

        public Spec {
            fixed = Map.copyOf(fixed);
        }

        static Spec of(List<Tenant> tenants) {
            return of(tenants, null, null);
        }

        /**
         * A table's tenants: its fixed list and its tenant registry (null: none), the tokens those
         * of {@code endpoint}'s token request.
         */
        public static Spec of(
                List<Tenant> tenants,
                @Nullable TenantRegistrySpec registry,
                @Nullable EndpointSpec endpoint) {
            Map<String, Tenant> byId = new HashMap<>();
            tenants.forEach(t -> byId.put(t.id(), t));
            return new Spec(byId, registry, endpoint);
        }

        static Spec of(HttpSyncSource<?> source) {
            return of(source.tenants, source.registry, source.endpoint);
        }

        /** Whether the child's tokens are the source's token store's. */
        boolean sharesTokenStore(EndpointSpec child) {
            return registry != null
                    && registry.usesTokenStore()
                    && child.usesToken()
                    && child.auth().tokenRequest() != null;
        }
    }

    /**
     * Refuses, where the job is built, a dependent endpoint that could not share the source's
     * tokens: one whose token request spends a rotating refresh token without a token store, and
     * one whose token request differs from the source's while both use the store's rows.
     *
     * @throws IllegalArgumentException naming the endpoint, the options and what to do
     */
    static void check(DependentEndpoint child, Spec spec) {
        check(
                child.endpoint(),
                spec,
                "dependent endpoint '" + child.endpoint().name() + "'",
                "build the dependent endpoint from that source"
                        + " (HttpSyncStreams.dependent(parents, child, source, name))");
    }

    /**
     * {@link #check(DependentEndpoint, Spec)} for any endpoint that asks for the source's tenants,
     * e.g. a full pass's detail API ({@link DetailApiCheck}).
     *
     * @param what names the endpoint in the message
     * @param how says how to give it the source's tenants
     */
    static void check(EndpointSpec endpoint, Spec spec, String what, String how) {
        if (!endpoint.usesToken() || endpoint.auth().tokenRequest() == null) return;
        if (endpoint.auth().rotatesRefreshTokens() && !spec.sharesTokenStore(endpoint)) {
            throw new IllegalArgumentException(
                    what
                            + ": its token request spends a rotating refresh token ('"
                            + EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH.key()
                            + "' is set), which a platform may accept only once; without a token"
                            + " store the source and each parallel instance of this endpoint would"
                            + " present it on their own, and all but the first would be refused."
                            + " Keep the tenants' tokens in a token store: give the source a tenant"
                            + " registry ('"
                            + TenantRegistryOptions.URL.key()
                            + "', with '"
                            + TenantRegistryOptions.TOKEN_STORE.key()
                            + "' = true) and "
                            + how);
        }
        if (spec.sharesTokenStore(endpoint)
                && spec.sourceEndpoint() != null
                && spec.sourceEndpoint().usesToken()
                && spec.sourceEndpoint().auth().tokenRequest() != null) {
            Map<String, String> mine = tokenOptions(endpoint);
            Map<String, String> source = tokenOptions(spec.sourceEndpoint());
            if (!mine.equals(source)) {
                TreeSet<String> differing = new TreeSet<>(mine.keySet());
                differing.addAll(source.keySet());
                differing.removeIf(k -> Objects.equals(mine.get(k), source.get(k)));
                throw new IllegalArgumentException(
                        what
                                + " shares the source's tenant tokens (one per tenant in the token"
                                + " store), so its token request must be the source's; these options"
                                + " differ: "
                                + differing);
            }
        }
    }

    /** The options that describe the token request (values compared, never shown). */
    private static Map<String, String> tokenOptions(EndpointSpec endpoint) {
        Map<String, String> out = new TreeMap<>();
        endpoint.toOptions()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith("auth.token.")) out.put(k, v);
                        });
        return out;
    }

    private final Spec spec;
    private final EndpointSpec endpoint;
    @Nullable private final TenantRegistry registry;
    @Nullable private final TokenHttpClient http;
    @Nullable private final StoredTokenProvider tokens;

    /** The registry's tenants as last read (task thread). */
    private Map<String, RegisteredTenant> listed = Map.of();

    private long readAt = Long.MIN_VALUE / 2;

    /** Why the last read of the registry failed, or null if it did not (task thread). */
    @Nullable private String readFailure;

    private DependentTenants(
            Spec spec,
            EndpointSpec endpoint,
            @Nullable TenantRegistry registry,
            @Nullable TokenHttpClient http,
            @Nullable StoredTokenProvider tokens) {
        this.spec = spec;
        this.endpoint = endpoint;
        this.registry = registry;
        this.http = http;
        this.tokens = tokens;
    }

    /**
     * Task thread: creates the registry (if the source has one) through {@code classLoader}, and
     * the token store's provider if the tokens are shared.
     *
     * @throws IllegalStateException if the tokens must be shared and the registry keeps no store
     */
    public static DependentTenants open(Spec spec, EndpointSpec endpoint, ClassLoader classLoader)
            throws IOException {
        if (spec.registry() == null) return new DependentTenants(spec, endpoint, null, null, null);
        TenantRegistry registry = spec.registry().create(classLoader);
        if (!spec.sharesTokenStore(endpoint))
            return new DependentTenants(spec, endpoint, registry, null, null);
        TokenStore store = registry.tokenStore();
        if (store == null) {
            if (endpoint.auth().rotatesRefreshTokens()) {
                closeQuietly(registry);
                throw new IllegalStateException(
                        "endpoint '"
                                + endpoint.name()
                                + "': tenant registry "
                                + spec.registry()
                                + " keeps no token store, and its token request spends a rotating"
                                + " refresh token ('"
                                + EndpointOptions.AUTH_TOKEN_REFRESH_TOKEN_PATH.key()
                                + "') that only a token store can share with the source");
            }
            return new DependentTenants(spec, endpoint, registry, null, null);
        }
        TokenHttpClient http =
                new TokenHttpClient("httpsync-dependent-token-http", endpoint.requestTimeout());
        StoredTokenProvider tokens =
                new StoredTokenProvider(
                        endpoint,
                        store,
                        http,
                        (tenant, reason) ->
                                LOG.warn(
                                        "{}: tenant {}'s authorization was revoked: {}",
                                        endpoint.name(),
                                        tenant,
                                        reason));
        return new DependentTenants(spec, endpoint, registry, http, tokens);
    }

    /** The provider of the shared tokens, or null: the fetcher fetches its own. Any thread. */
    @Nullable
    public TokenProvider tokens() {
        return tokens;
    }

    /** A tenant to ask for, or why there is none. */
    public record Found(@Nullable Tenant tenant, @Nullable String problem) {}

    /**
     * Task thread: the tenant's credentials as the source has them now; reads the registry every
     * poll interval, and sooner for a tenant it does not know yet.
     */
    public Found tenant(String id) {
        // as the source's enumerator: a tenant of the fixed list and the registry is the list's
        Tenant fixed = spec.fixed().get(id);
        if (fixed != null) return new Found(fixed, null);
        if (registry != null) {
            long now = System.currentTimeMillis();
            long since = now - readAt;
            if (since >= spec.registry().pollInterval().toMillis()
                    || (!listed.containsKey(id) && since >= UNKNOWN_TENANT_REREAD_MILLIS))
                read(now);
            RegisteredTenant r = listed.get(id);
            if (r != null) {
                if (r.enabled()) return new Found(r.tenant(), null);
                return new Found(
                        null,
                        "tenant "
                                + id
                                + " is disabled in the tenant registry"
                                + (r.disabledReason() == null ? "" : ": " + r.disabledReason()));
            }
        }
        return new Found(
                null,
                "no credentials for tenant "
                        + id
                        + " (not among the fixed tenants"
                        + (registry != null ? " nor in its tenant registry" : "")
                        + ")"
                        + (readFailure == null
                                ? ""
                                : "; the last read of the tenant registry failed: " + readFailure));
    }

    /**
     * Task thread: {@link #tenant}, but before it answers that a tenant is unknown or disabled, it
     * reads the registry again unless it read it in the last 100 ms: for a caller that fails on
     * that answer, so that a tenant added or enabled a moment ago does not fail it.
     */
    public Found tenantReadAgain(String id) {
        Found found = tenant(id);
        if (found.tenant() != null || registry == null) return found;
        long now = System.currentTimeMillis();
        if (now - readAt < READ_AGAIN_MILLIS) return found;
        read(now);
        return tenant(id);
    }

    private void read(long now) {
        readAt = now;
        readFailure = null;
        try {
            Map<String, RegisteredTenant> next = new HashMap<>();
            for (RegisteredTenant r : registry.tenants()) next.put(r.id(), r);
            if (tokens != null)
                for (RegisteredTenant r : next.values()) {
                    RegisteredTenant old = listed.get(r.id());
                    if (old != null && !old.tenant().equals(r.tenant())) tokens.forget(r.id());
                }
            listed = next;
        } catch (Exception e) {
            // the registry's message names its table, never a credential; the last list stays
            readFailure = String.valueOf(e.getMessage());
            LOG.warn(
                    "{}: reading the tenant registry {} failed; the tenants read before are used",
                    endpoint.name(),
                    spec.registry(),
                    e);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (tokens != null) tokens.close();
        } finally {
            try {
                if (http != null) http.close();
            } finally {
                if (registry != null) registry.close();
            }
        }
    }

    private static void closeQuietly(TenantRegistry registry) {
        try {
            registry.close();
        } catch (Exception e) {
            LOG.debug("closing the tenant registry failed", e);
        }
    }
}
