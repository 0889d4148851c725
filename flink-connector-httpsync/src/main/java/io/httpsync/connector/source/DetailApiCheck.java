package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.domain.CandidateCheck;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.http.RequestFailedException;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.enumerator.PassOptions;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link CandidateCheck} against the platform's detail API: one request per row, through the same
 * {@link PageFetcher} as the source (templates, signing, tokens, retries, the endpoint's rate
 * limits). The row's id is given to the templates as the tenant property {@value #ID_PROPERTY},
 * written {@code ${tenant.record.id}} (e.g. {@code 'request.biz-param.template' =
 * '{"oid":"${tenant.record.id}"}'}), and the endpoint says {@code response.single-record = true}.
 *
 * <p>A record is gone when the platform answers without the record (the single record missing from
 * a successful answer), or fails the request for good ({@link ResponseKind#FATAL}) with one of the
 * platform's not-found codes and, if given, a message containing the not-found text (Kuaishou: code
 * {@code 2001}, "订单不存在"). Any other answer, or a request that fails after its retries, leaves the
 * row live and is logged.
 *
 * <p>The tenants: those given, or, once a source with a tenant registry runs the check ({@link
 * HttpSyncSourceBuilder#build} binds it, {@link #askingFor}), the source's as a dependent endpoint
 * has them ({@link DependentTenants}): its fixed list, then the registry's enabled tenants, with
 * the tokens of the registry's token store ({@link
 * io.httpsync.connector.source.enumerator.StoredTokenProvider}) if it keeps one, so a single-use
 * refresh token is spent once for the source and every check.
 *
 * <p>Two ways to ask: {@link #gone} for a batch, blocking (the full passes of {@code
 * httpsync-landing}), and a {@link Session} ({@link #open}) whose answers complete asynchronously,
 * one {@link Answer} per record ({@link PassChangelog}, on the task thread of a running job).
 *
 * <p>Thread contract: immutable once built. {@link #gone} blocks its caller until every answer is
 * in; the requests run concurrently on the fetcher's I/O threads under the endpoint's rate limit,
 * through one session per call, closed before it returns. A session bound to a registry reads it on
 * the thread that asks (under the session's lock), as a dependent endpoint does on its task thread.
 */
@PublicEvolving
public final class DetailApiCheck implements CandidateCheck {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DetailApiCheck.class);

    /** The tenant property that carries the id of the row asked about. */
    public static final String ID_PROPERTY = "record.id";

    private final EndpointSpec endpoint;
    private final Map<String, Tenant> tenants = new HashMap<>();
    private final Set<String> notFoundCodes;
    @Nullable private final String notFoundMessage;

    /** The source's tenants and token store to ask for, or null: {@link #tenants} alone. */
    @Nullable private final DependentTenants.Spec source;

    /**
     * @param endpoint the detail API ({@code response.single-record = true})
     * @param tenants the tenants' credentials, as the source has them
     * @param notFoundCodes the platform's codes (at {@code response.error-code-path}) that can mean
     *     "no such record"
     * @param notFoundMessage text the message must contain for such a code to mean it (null: the
     *     code alone)
     */
    public DetailApiCheck(
            EndpointSpec endpoint,
            List<Tenant> tenants,
            Set<String> notFoundCodes,
            @Nullable String notFoundMessage) {
        if (!endpoint.response().singleRecord()) {
            throw new IllegalArgumentException(
                    "the detail API "
                            + endpoint.name()
                            + " of a full pass's check needs"
                            + " 'response.single-record' = true");
        }
        this.endpoint = endpoint;
        tenants.forEach(t -> this.tenants.put(t.id(), t));
        this.notFoundCodes = Set.copyOf(notFoundCodes);
        this.notFoundMessage = notFoundMessage;
        this.source = null;
    }

    private DetailApiCheck(DetailApiCheck check, DependentTenants.Spec source) {
        this.endpoint = check.endpoint;
        this.tenants.putAll(check.tenants);
        this.notFoundCodes = check.notFoundCodes;
        this.notFoundMessage = check.notFoundMessage;
        this.source = source;
    }

    /**
     * This check asking for the tenants of a source with a tenant registry: its fixed tenants (and
     * those given to this check), then the registry's, with the registry's token store if it keeps
     * one and the detail API's token request is the source's.
     *
     * @throws IllegalArgumentException if the detail API cannot share the source's tokens: its
     *     token request spends a rotating refresh token without a token store, or differs from the
     *     source's while both would use the store's rows
     */
    DetailApiCheck askingFor(
            List<Tenant> sourceTenants, TenantRegistrySpec registry, EndpointSpec sourceEndpoint) {
        Map<String, Tenant> fixed = new HashMap<>();
        sourceTenants.forEach(t -> fixed.put(t.id(), t));
        fixed.putAll(tenants);
        DependentTenants.Spec spec = new DependentTenants.Spec(fixed, registry, sourceEndpoint);
        DependentTenants.check(
                endpoint,
                spec,
                "the detail API '"
                        + endpoint.name()
                        + "' of '"
                        + PassOptions.CHECK_ENDPOINT_PREFIX
                        + "*'",
                "give the detail API the source's token request ('auth.token.*')");
        return new DetailApiCheck(this, spec);
    }

    /**
     * The check {@code options} describe ({@link PassOptions#CHECK_ENDPOINT_PREFIX}{@code *},
     * {@link PassOptions#CHECK_NOT_FOUND_CODES}, {@link PassOptions#CHECK_NOT_FOUND_MESSAGE}), for
     * {@code tenants}, or null if they configure no detail API. The one reader of these keys: SQL,
     * {@link HttpSyncSourceBuilder#setConfiguration} and the config-file job.
     *
     * @throws IllegalArgumentException naming the option that is missing or invalid
     */
    @Nullable
    public static DetailApiCheck fromOptions(Map<String, String> options, List<Tenant> tenants) {
        OptionReader r = new OptionReader(options);
        Map<String, String> endpoint = r.prefixed(PassOptions.CHECK_ENDPOINT_PREFIX);
        if (endpoint.isEmpty()) {
            for (ConfigOption<String> o :
                    List.of(PassOptions.CHECK_NOT_FOUND_CODES, PassOptions.CHECK_NOT_FOUND_MESSAGE))
                if (r.isSet(o))
                    throw OptionReader.invalid(
                            o,
                            "needs the detail API, '"
                                    + PassOptions.CHECK_ENDPOINT_PREFIX
                                    + "url'"
                                    + " and the other '"
                                    + PassOptions.CHECK_ENDPOINT_PREFIX
                                    + "*' options");
            return null;
        }
        Set<String> codes = new HashSet<>();
        for (String c : r.requiredString(PassOptions.CHECK_NOT_FOUND_CODES).split("[;,]"))
            if (!c.isBlank()) codes.add(c.trim());
        EndpointSpec spec;
        try {
            spec = EndpointSpec.fromOptions(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the detail API of '"
                            + PassOptions.CHECK_ENDPOINT_PREFIX
                            + "*': "
                            + e.getMessage(),
                    e);
        }
        return new DetailApiCheck(
                spec, tenants, codes, r.string(PassOptions.CHECK_NOT_FOUND_MESSAGE));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetailApiCheck other
                && other.endpoint.equals(endpoint)
                && other.tenants.equals(tenants)
                && other.notFoundCodes.equals(notFoundCodes)
                && Objects.equals(other.notFoundMessage, notFoundMessage)
                && Objects.equals(other.source, source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(endpoint, tenants, notFoundCodes, notFoundMessage, source);
    }

    /** The detail API asked. */
    public EndpointSpec endpoint() {
        return endpoint;
    }

    /** What the platform said about one record. */
    @PublicEvolving
    public enum Existence {
        /** It answered that the record does not exist. */
        GONE,
        /** It answered with the record. */
        EXISTS,
        /** Anything else: an error that is no not-found answer, a request failed for good. */
        UNCLEAR
    }

    /**
     * The answer about one record: what the platform said and, unless it was clear, why not (the
     * failed request's event if there was one).
     */
    @PublicEvolving
    public record Answer(
            String id, Existence existence, @Nullable String why, @Nullable ExceptionEvent event) {}

    @Override
    public Set<String> gone(String tenantId, List<String> ids) throws Exception {
        if (source == null) tenant(tenantId); // a registry's tenant may come: each id is UNCLEAR
        if (ids.isEmpty()) return Set.of();
        try (Session session = open(1)) {
            List<CompletableFuture<Answer>> answers = new ArrayList<>();
            for (String id : ids) answers.add(session.ask(tenantId, id));
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
            Set<String> gone = new TreeSet<>();
            for (CompletableFuture<Answer> a : answers) {
                Answer answer = a.join();
                if (answer.existence() == Existence.GONE) gone.add(answer.id());
                else if (answer.existence() == Existence.UNCLEAR)
                    LOG.warn(
                            "full pass check: the platform did not say whether record {} of tenant {} exists ({}); its row stays live",
                            answer.id(),
                            tenantId,
                            answer.why());
            }
            return gone;
        }
    }

    /**
     * Opens a session for asking record by record without blocking: one fetcher whose rate limiter
     * is one of {@code parallelInstances} (each keeps to its part of every bucket; with the Redis
     * backend all share one budget; see {@link HierarchicalRateLimiter#forParallelInstances}). A
     * check bound to a source's registry creates it through the caller's context class loader.
     *
     * @throws IOException if the source's tenant registry cannot be opened
     */
    public Session open(int parallelInstances) throws IOException {
        return open(parallelInstances, Thread.currentThread().getContextClassLoader());
    }

    /**
     * {@link #open(int)}, creating the source's tenant registry (if bound to one) through {@code
     * classLoader} (a task's user code class loader: the JDBC driver is the job's).
     */
    public Session open(int parallelInstances, ClassLoader classLoader) throws IOException {
        return new Session(parallelInstances, classLoader);
    }

    private Tenant tenant(String tenantId) {
        Tenant tenant = tenants.get(tenantId);
        if (tenant == null)
            throw new IllegalArgumentException(
                    "the detail API check has no credentials for tenant " + tenantId);
        return tenant;
    }

    /**
     * Asks about records one request each, through the same {@link PageFetcher} as the source
     * (templates, signing, tokens, retries, the endpoint's rate limits). Thread contract: {@link
     * #ask} may be called from any thread and never blocks; its answer completes on the fetcher's
     * I/O threads. {@link #close} cancels what is under way.
     */
    @PublicEvolving
    public final class Session implements AutoCloseable {
        private final HierarchicalRateLimiter limiter;
        private final PageFetcher fetcher;

        /** The source's tenants and tokens, or null; guarded by itself. */
        @Nullable private final DependentTenants sourceTenants;

        private Session(int parallelInstances, ClassLoader classLoader) throws IOException {
            sourceTenants =
                    source == null ? null : DependentTenants.open(source, endpoint, classLoader);
            limiter =
                    HierarchicalRateLimiter.forParallelInstances(
                            endpoint.rateLimits(), parallelInstances);
            try {
                fetcher =
                        PageFetcher.withActivityLog(
                                endpoint,
                                limiter,
                                sourceTenants == null ? null : sourceTenants.tokens());
            } catch (RuntimeException e) {
                limiter.close();
                closeQuietly(sourceTenants);
                throw e;
            }
        }

        /** The tenant's credentials now, or why there are none. */
        private DependentTenants.Found find(String tenantId) {
            if (sourceTenants == null) {
                Tenant tenant = tenants.get(tenantId);
                return tenant != null
                        ? new DependentTenants.Found(tenant, null)
                        : new DependentTenants.Found(
                                null,
                                "the detail API check has no credentials for tenant " + tenantId);
            }
            synchronized (sourceTenants) {
                return sourceTenants.tenant(tenantId);
            }
        }

        /**
         * Whether record {@code id} of {@code tenantId} exists; a tenant without credentials is an
         * {@link Existence#UNCLEAR} answer.
         */
        public CompletableFuture<Answer> ask(String tenantId, String id) {
            DependentTenants.Found found = find(tenantId);
            if (found.tenant() == null)
                return CompletableFuture.completedFuture(
                        new Answer(id, Existence.UNCLEAR, found.problem(), null));
            Map<String, String> properties = new HashMap<>(found.tenant().properties());
            properties.put(ID_PROPERTY, id);
            long now = System.currentTimeMillis();
            // a detail request has no window; the fetcher's window only fills window placeholders,
            // which it does not use
            return fetcher.fetch(
                            Tenant.of(tenantId, properties),
                            now - 1,
                            now,
                            fetcher.pagination().first())
                    .handle((page, error) -> answer(id, page, error));
        }

        @Override
        public void close() throws IOException {
            try {
                fetcher.close();
            } finally {
                try {
                    limiter.close();
                } finally {
                    closeQuietly(sourceTenants);
                }
            }
        }
    }

    private static void closeQuietly(@Nullable DependentTenants tenants) {
        if (tenants == null) return;
        try {
            tenants.close();
        } catch (Exception e) {
            LOG.warn("closing the detail API check's tenant registry failed", e);
        }
    }

    private Answer answer(String id, @Nullable Page page, @Nullable Throwable error) {
        if (error == null)
            return new Answer(
                    id, page.records().isEmpty() ? Existence.GONE : Existence.EXISTS, null, null);
        Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                        ? error.getCause()
                        : error;
        ExceptionEvent event = null;
        if (cause instanceof RequestFailedException failed) {
            event = failed.event();
            if (event.kind() == ResponseKind.FATAL
                    && event.platformCode() != null
                    && notFoundCodes.contains(event.platformCode())
                    && (notFoundMessage == null
                            || (event.message() != null
                                    && event.message().contains(notFoundMessage)))) {
                return new Answer(id, Existence.GONE, null, null);
            }
        }
        return new Answer(id, Existence.UNCLEAR, String.valueOf(cause.getMessage()), event);
    }
}
