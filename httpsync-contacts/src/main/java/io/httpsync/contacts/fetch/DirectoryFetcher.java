package io.httpsync.contacts.fetch;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TokenProvider;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.http.RequestFailedException;
import io.httpsync.connector.http.TokenHttpClient;
import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.ratelimit.RateLimitOptions;
import io.httpsync.connector.ratelimit.RateLimitSpec;
import io.httpsync.contacts.model.CorpDirectory;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;

/**
 * Reads one corp's whole directory from a platform: the department tree and every department's
 * members, through the connector's HTTP, token, retry and rate-limit machinery ({@link
 * ContactsEndpoints}). The requests of one phase (e.g. the members of every department) are in
 * flight together, paced by the APIs' buckets.
 *
 * <p>A corp's directory is complete only when every listing of it completed; {@link #fetch} then
 * returns it, otherwise a result without a directory and with the first failure (naming the API,
 * the department or user, and the corp; never a secret).
 *
 * <p>Thread contract: {@link #fetch} blocks its caller (never an I/O thread) until the corp's
 * listings are done; several threads may fetch different corps with one fetcher at once.
 */
@PublicEvolving
public abstract class DirectoryFetcher implements AutoCloseable {
    /**
     * A corp's fetch: its directory if every listing completed, else why not: the first failure as
     * a text and as an {@link ExceptionEvent} (see {@link #failureEvent}).
     */
    public record Result(
            String corpId,
            @Nullable CorpDirectory directory,
            @Nullable String failure,
            @Nullable ExceptionEvent failureEvent) {
        public Result(String corpId, @Nullable CorpDirectory directory, @Nullable String failure) {
            this(corpId, directory, failure, null);
        }

        public boolean complete() {
            return directory != null;
        }
    }

    private final TokenHttpClient tokenClient;

    /** Budgets the token requests: the platforms count them as requests of an API too. */
    private final HierarchicalRateLimiter tokenLimiter;

    protected final TokenProvider tokens;
    private final List<Listing> listings = new ArrayList<>();
    // filled while the subclass's constructor creates its listings, read by any thread later
    private final Map<String, BucketSpec> sharedBuckets = new ConcurrentSkipListMap<>();
    private final String namespace;
    private final RateLimitSpec rateLimits;
    private final FetchListener listener;
    private final Map<String, String> overrides;
    private final SharedBudgets budgets;

    /**
     * The platform's part of the APIs' names ({@code wecom}, ...), naming failures that are not one
     * API's.
     */
    private final String platform;

    protected DirectoryFetcher(
            Map<String, String> tokenSpecOptions,
            FetchListener listener,
            Map<String, String> overrides,
            SharedBudgets budgets) {
        this.overrides = Map.copyOf(overrides);
        this.budgets = budgets;
        EndpointSpec spec = EndpointSpec.fromOptions(withOverrides(tokenSpecOptions));
        this.listener = listener;
        this.rateLimits = spec.rateLimits();
        this.namespace = rateLimits.namespace();
        this.platform =
                spec.name().contains("/")
                        ? spec.name().substring(0, spec.name().indexOf('/'))
                        : spec.name();
        this.tokenClient =
                new TokenHttpClient(
                        "contacts-token-" + spec.name().replace('/', '-'), Duration.ofSeconds(30));
        // every platform counts its token endpoint as an API: against its per-IP limit over all
        // APIs (DingTalk), or with limits of its own per IP or corp as any API (WeCom, Feishu). So
        // a token request takes a permit as a data request does, from the same shared budgets
        // (per IP, per app) and from its own per-API ones; a job at the per-IP limit would
        // otherwise exceed it by its token requests, and DingTalk bans the IP for 5 minutes
        this.tokenLimiter =
                HierarchicalRateLimiter.sharedIn(
                        spec.rateLimits().withApi(tokenApi(platform)),
                        budgets.buckets(),
                        budgets.instances());
        this.tokens =
                PageFetcher.tokenProvider(
                        spec,
                        tokenClient,
                        Clock.systemUTC(),
                        listener::onTokenFetched,
                        tokenLimiter);
    }

    /** The name under which a platform's token requests are counted in API-scoped buckets. */
    static String tokenApi(String platform) {
        return platform + "/token";
    }

    /**
     * The fetcher of a platform at {@code baseUrl} (its gateway, or a simulator's {@code
     * http://host:port/<platform>}).
     *
     * @param overrides connector endpoint options set on every API of the platform (retries,
     *     timeouts, rate-limit utilization, ...), over {@link ContactsEndpoints}' values
     */
    public static DirectoryFetcher of(
            ContactsPlatform platform,
            String baseUrl,
            FetchListener listener,
            Map<String, String> overrides) {
        return of(platform, baseUrl, listener, overrides, new SharedBudgets(1));
    }

    /**
     * The fetcher of a platform whose shared budgets (per IP, per app) are {@code budgets}: every
     * fetcher given the same budgets (the platform's fetchers of one process, whatever their base
     * URL) draws from the same per-IP buckets.
     */
    public static DirectoryFetcher of(
            ContactsPlatform platform,
            String baseUrl,
            FetchListener listener,
            Map<String, String> overrides,
            SharedBudgets budgets) {
        return switch (platform) {
            case WECOM -> new WeComFetcher(baseUrl, listener, overrides, budgets);
            case DINGTALK -> new DingTalkFetcher(baseUrl, listener, overrides, budgets);
            case FEISHU -> new FeishuFetcher(baseUrl, listener, overrides, budgets);
        };
    }

    private Map<String, String> withOverrides(Map<String, String> options) {
        Map<String, String> o = new TreeMap<>(options);
        o.putAll(overrides);
        return boundingArrivals(o);
    }

    /**
     * How many of a corp's requests may be in flight at once ({@code
     * rate-limit.max-in-flight-per-tenant}) unless {@code contacts.endpoint.*} says otherwise.
     */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CORP = 8;

    /**
     * {@code options} (one API's, with the overrides) with at most {@code k} of a corp's requests
     * in flight ({@code rate-limit.max-in-flight-per-tenant}, default {@value
     * #DEFAULT_MAX_IN_FLIGHT_PER_CORP}) and every per-corp bucket granting {@code k} requests'
     * permits fewer per period than the platform's limit ({@code permits}, as configured), taken
     * from its burst.
     *
     * <p>Why: a platform counts requests when they arrive, a bucket paces them when it grants them,
     * and between the two a request waits for a connection, a thread, the network; the first
     * requests of a burst open new connections while later ones reuse pooled ones. So requests
     * granted over more than a period can arrive within one (60 DingTalk corps on a loaded machine:
     * 56 arrivals of one corp's {@code user/get} in a second of a 40-a-second limit, with grants
     * delayed by up to two seconds). A request that arrives in a window was either granted in it
     * (at most the bucket's permits) or granted before it and still unanswered when the window
     * began (at most {@code k}, since a request holds its place until its answer is in, which comes
     * after its arrival). So the platform sees at most the configured permits in any window,
     * however late requests arrive. The rate is kept: the {@code k} come off the burst (at least
     * one request's weight is left), which the requests in flight stand in for. Only per-corp
     * buckets (scope {@code tenant}, {@code tenant-api}): the per-IP ones are shared by every corp,
     * whose requests in flight are not bounded together; their periods are long (DingTalk's 20 s,
     * WeCom's minute), so the utilization's share of the period absorbs the delay. {@code 0}: no
     * bound on requests in flight, and the buckets as configured.
     */
    static Map<String, String> boundingArrivals(Map<String, String> options) {
        Map<String, String> o = new TreeMap<>(options);
        String key = RateLimitOptions.MAX_IN_FLIGHT.key();
        o.putIfAbsent(key, Integer.toString(DEFAULT_MAX_IN_FLIGHT_PER_CORP));
        int inFlight;
        try {
            inFlight = Integer.parseInt(o.get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "contacts.endpoint." + key + " must be a number, was '" + o.get(key) + "'");
        }
        if (inFlight < 0)
            throw new IllegalArgumentException(
                    "contacts.endpoint." + key + " must be at least 0, was " + inFlight);
        if (inFlight == 0) return o;
        for (BucketSpec b : EndpointSpec.fromOptions(o).rateLimits().buckets()) {
            if (b.scope() != BucketScope.TENANT && b.scope() != BucketScope.TENANT_API) continue;
            long inFlightPermits = inFlight * b.weight();
            if (b.permits() - inFlightPermits < b.weight())
                throw new IllegalArgumentException(
                        "contacts.endpoint."
                                + key
                                + " = "
                                + inFlight
                                + " leaves no permit of the per-corp bucket '"
                                + b.name()
                                + "' ("
                                + b.permits()
                                + " per "
                                + b.period()
                                + "): set it below "
                                + b.permits() / b.weight());
            String prefix = RateLimitOptions.BUCKET_PREFIX + b.name();
            o.put(prefix + ".permits", Long.toString(b.permits() - inFlightPermits));
            o.put(
                    prefix + ".burst",
                    Long.toString(Math.max(b.weight(), b.burst() - inFlightPermits)));
        }
        return o;
    }

    /** A listing of one API, sharing this fetcher's tokens. */
    protected final Listing listing(Map<String, String> options) {
        Map<String, String> o = withOverrides(options);
        Listing l = new Listing(o, tokens, listener, budgets);
        listings.add(l);
        RateLimitSpec limits = EndpointSpec.fromOptions(o).rateLimits();
        for (BucketSpec b : limits.buckets()) {
            if (b.scope() != BucketScope.TENANT && b.scope() != BucketScope.TENANT_API)
                sharedBuckets.putIfAbsent(b.name(), b);
        }
        return l;
    }

    /**
     * The buckets of this platform's APIs that all corps share (per IP, per app, per API across
     * corps), by name: what bounds how many corps may be in flight at once ({@link
     * CorpGate#derivedCap}).
     */
    public final Collection<BucketSpec> sharedBuckets() {
        return List.copyOf(sharedBuckets.values());
    }

    /**
     * The rate-limit namespace of the platform's APIs ({@code rate-limit.namespace}): one per app
     * key or egress IP.
     */
    public final String namespace() {
        return namespace;
    }

    /**
     * The platform's rate limiting as configured (its backend and Redis, namespace, ...): the
     * {@code rate-limit.*} options every API of the platform has in common.
     */
    public final RateLimitSpec rateLimits() {
        return rateLimits;
    }

    /** The platform's part of the APIs' names: {@code wecom}, {@code dingtalk}, {@code feishu}. */
    public final String platform() {
        return platform;
    }

    /**
     * The corp's directory. {@code corp} has the properties {@code app-key} and {@code app-secret}.
     */
    public final Result fetch(Tenant corp) {
        try {
            return new Result(corp.id(), read(corp), null);
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message = corp.redact(cause.getMessage());
            return new Result(corp.id(), null, message, failureEvent(corp, cause, message));
        } catch (RuntimeException e) {
            String message =
                    corp.redact(corp.id() + ": the directory could not be read: " + e.getMessage());
            return new Result(corp.id(), null, message, failureEvent(corp, e, message));
        }
    }

    /**
     * A failed fetch as an exception event: the API and the request that failed for good (its HTTP
     * status, platform code, kind, attempts, as the connector's page fetcher recorded them), the
     * corp as the tenant, and as position what was asked about (the department tree, a department,
     * a user) and the page. A listing has no time window: the event's window is {@code [0, 0)},
     * which the replay command skips. {@code message} is already redacted.
     */
    private ExceptionEvent failureEvent(Tenant corp, Throwable failure, String message) {
        Listing.ListingFailedException listing =
                find(failure, Listing.ListingFailedException.class);
        RequestFailedException request = find(failure, RequestFailedException.class);
        String api =
                listing != null
                        ? listing.api()
                        : request != null ? request.event().endpoint() : platform + "/directory";
        String about = listing != null ? listing.about() : "the directory";
        if (request == null)
            return ExceptionEvent.ofWindow(
                    api, corp.id(), 0, 0, about, message, System.currentTimeMillis());
        ExceptionEvent e = request.event();
        return new ExceptionEvent(
                api,
                corp.id(),
                0,
                0,
                about + ", page " + e.position(),
                e.httpStatus(),
                e.platformCode(),
                e.kind(),
                e.attempts(),
                message,
                e.timeMillis());
    }

    @Nullable
    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    /**
     * Reads the directory, joining each phase; a failed listing surfaces as a {@link
     * CompletionException}.
     */
    protected abstract CorpDirectory read(Tenant corp);

    /**
     * The directory as the platform's renderings show it: departments and users as this fetcher's
     * APIs (and the simulator's ground truth) render them.
     */
    public abstract CorpDirectory fromRenderings(
            String corpId, Collection<JsonNode> departments, Collection<JsonNode> users);

    /**
     * A per-request copy of the corp's tenant with one more property (the department or user asked
     * about).
     */
    protected static Tenant with(Tenant corp, String key, String value) {
        Map<String, String> properties = new TreeMap<>(corp.properties());
        properties.put(key, value);
        return Tenant.of(corp.id(), properties);
    }

    /**
     * The members of every department, listed at once, each department's list in order, one after
     * another.
     */
    protected static List<JsonNode> membersOfEach(
            Listing members, Tenant corp, Collection<String> departmentIds) {
        List<JsonNode> out = new ArrayList<>();
        each(departmentIds, id -> members.all(with(corp, "dept", id), "department " + id))
                .values()
                .forEach(out::addAll);
        return out;
    }

    /** Runs {@code request} for every key at once and waits for all, keeping the answers by key. */
    protected static <T> Map<String, T> each(
            Collection<String> keys, Function<String, CompletableFuture<T>> request) {
        Map<String, CompletableFuture<T>> futures = new TreeMap<>();
        for (String k : keys) futures.put(k, request.apply(k));
        CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).join();
        Map<String, T> out = new TreeMap<>();
        futures.forEach((k, f) -> out.put(k, f.join()));
        return out;
    }

    /** A text field, null when absent, null or empty. */
    @Nullable
    protected static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    protected static String required(JsonNode node, String field, String what) {
        String v = text(node, field);
        if (v == null)
            throw new IllegalArgumentException(what + " has no '" + field + "': " + node);
        return v;
    }

    protected static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) array.forEach(v -> out.add(v.asText()));
        return out;
    }

    @Override
    public void close() throws IOException {
        for (Listing l : listings) l.close();
        tokenClient.close();
        tokenLimiter.close();
    }
}
