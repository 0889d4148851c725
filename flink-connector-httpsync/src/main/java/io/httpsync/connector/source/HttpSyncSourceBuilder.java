package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.auth.TenantRegistryOptions;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.endpoint.UserClasses;
import io.httpsync.connector.source.enumerator.PassOptions;
import io.httpsync.connector.source.enumerator.ScanOptions;
import io.httpsync.connector.source.enumerator.SyncPlan;
import io.httpsync.connector.source.reader.SplitsInFlight;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ReadableConfig;

import javax.annotation.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * Builds an {@link HttpSyncSource}. Every setting is checked in {@link #build()}, with a message
 * that names it.
 *
 * <pre>{@code
 * HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder()
 *     .setEndpoint(EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders(baseUrl)))
 *     .setTenants(List.of(new Tenant("shop-1", Map.of("app-key", "...", "sign-secret", "..."))))
 *     .setContinuous(Instant.now().minus(Duration.ofDays(3)), Duration.ofSeconds(30), Duration.ofSeconds(10))
 *     .setWindowStep(Duration.ofHours(6))
 *     .setRateLimit(10, 10)
 *     .setDeserializer(RecordDeserializer.raw())
 *     .build();
 * }</pre>
 */
@PublicEvolving
public final class HttpSyncSourceBuilder<T> {
    /**
     * The default of option {@code scan.max-splits-in-flight} ({@link
     * ScanOptions#MAX_SPLITS_IN_FLIGHT}): the most windows a reader pages at once unless a fixed
     * number is set.
     */
    public static final int DEFAULT_MAX_SPLITS_IN_FLIGHT =
            ScanOptions.MAX_SPLITS_IN_FLIGHT.defaultValue();

    /**
     * How far behind the present a window must end unless a lag is given ({@link
     * #setBounded(Instant, Instant)}).
     */
    public static final Duration DEFAULT_LAG = SyncPlan.DEFAULT_LAG;

    private EndpointSpec endpoint;
    private final List<Tenant> tenants = new ArrayList<>();
    private Instant start;
    private Instant end;
    private boolean continuous;
    private Duration lag;
    private Duration discoveryInterval;
    private Duration step;
    private Duration minWindowWidth;
    private Duration failedWindowRetryDelay;
    private Duration recentSpan;
    private Double historyShare;
    private Integer maxWindowFailures;
    private Clock clock;
    private Double permitsPerSecond;
    private Integer burst;
    private RecordDeserializer<T> deserializer;
    private ExceptionPolicy exceptionPolicy = SourceConfigReader.exceptionPolicy(Map.of());

    /** A fixed number of windows per reader, or null: sized (see {@link SplitsInFlight}). */
    private Integer splitsInFlight;

    private int maxSplitsInFlight = DEFAULT_MAX_SPLITS_IN_FLIGHT;
    private boolean emitTenantPositions;
    private TenantRegistrySpec registry;
    private boolean perTenantMetrics = TenantRegistryOptions.PER_TENANT_METRICS.defaultValue();
    private FullPasses fullPasses;

    HttpSyncSourceBuilder() {}

    /**
     * Everything the options in {@code config} describe, with the keys and defaults of a SQL
     * table's {@code WITH} clause: the endpoint ({@code EndpointOptions}, rate limits included),
     * the tenants ({@link TenantOptions}: {@code tenants} and {@code tenant.<id>.<property>}) and,
     * if {@code scan.start} is set, the scan ({@link ScanOptions}). A key that is none of these is
     * refused. Setters called afterwards override.
     *
     * <pre>{@code
     * Configuration config = Configuration.fromMap(EndpointPresets.kuaishouOrders(baseUrl));
     * config.set(TenantOptions.TENANTS, List.of("shop-1"));
     * config.setString("tenant.shop-1.app-key", "...");
     * config.set(ScanOptions.START, "2026-01-01T00:00:00Z");
     * HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder().setConfiguration(config)
     *     .setDeserializer(RecordDeserializer.raw()).build();
     * }</pre>
     *
     * @throws IllegalArgumentException naming the option that is unknown, missing or invalid
     */
    public HttpSyncSourceBuilder<T> setConfiguration(ReadableConfig config) {
        SourceConfigReader.configure(this, config.toMap());
        return this;
    }

    /**
     * The API to sync: request, paging, response paths, errors, authentication, platform limits.
     * Required.
     */
    public HttpSyncSourceBuilder<T> setEndpoint(EndpointSpec endpoint) {
        this.endpoint = endpoint;
        return this;
    }

    /**
     * The tenants (shops, corps) to sync, each with its credentials. At least one, unless a tenant
     * registry gives them ({@link #setTenantRegistry}).
     */
    public HttpSyncSourceBuilder<T> setTenants(List<Tenant> tenants) {
        this.tenants.clear();
        this.tenants.addAll(tenants);
        return this;
    }

    /**
     * Tenants read from a registry (a table the app's authorization flow fills) while the job runs,
     * besides those of {@link #setTenants} (which may then be empty): a new tenant is planned from
     * its start without a restart, a disabled or removed one is no longer planned (its windows in
     * flight finish, its position is kept), changed credentials take effect. Continuous mode only.
     * Options {@code tenants.registry.*} ({@link TenantRegistryOptions}) set it too. A registry
     * serving only its token store ({@link TenantRegistrySpec#forTokensOnly}) gives no tenants and
     * suits a bounded job too: the tenants of {@link #setTenants} take their tokens from its store.
     * Null: none.
     */
    public HttpSyncSourceBuilder<T> setTenantRegistry(TenantRegistrySpec registry) {
        this.registry = registry;
        return this;
    }

    /**
     * Whether each tenant gets metrics of its own (default true); false for thousands of tenants.
     * Option {@code metrics.per-tenant}.
     */
    public HttpSyncSourceBuilder<T> setPerTenantMetrics(boolean perTenant) {
        this.perTenantMetrics = perTenant;
        return this;
    }

    /**
     * A backfill: sync the records updated in {@code [start, end)}, then finish. The end must lie
     * at least the default lag ({@link #DEFAULT_LAG}) in the past.
     */
    public HttpSyncSourceBuilder<T> setBounded(Instant start, Instant end) {
        return setBounded(start, end, DEFAULT_LAG);
    }

    /**
     * A backfill whose end must lie at least {@code lag} in the past: how late the platform may
     * list a change (a record updated just before {@code end} but listed only later would be
     * missed).
     */
    public HttpSyncSourceBuilder<T> setBounded(Instant start, Instant end, Duration lag) {
        this.start = start;
        this.end = end;
        this.continuous = false;
        this.lag = lag;
        return this;
    }

    /**
     * Follow the platform: sync from {@code start} up to now minus {@code lag}, planning new
     * windows every {@code discoveryInterval}.
     */
    public HttpSyncSourceBuilder<T> setContinuous(
            Instant start, Duration lag, Duration discoveryInterval) {
        this.start = start;
        this.end = null;
        this.continuous = true;
        this.lag = lag;
        this.discoveryInterval = discoveryInterval;
        return this;
    }

    /** The width of planned windows; at most the platform's maximum window width (its default). */
    public HttpSyncSourceBuilder<T> setWindowStep(Duration step) {
        this.step = step;
        return this;
    }

    /**
     * Hot windows are halved down to this width, and no narrower window is planned where avoidable
     * (default: the time resolution of the endpoint's time format; twice that when the endpoint's
     * window end is inclusive).
     */
    public HttpSyncSourceBuilder<T> setMinWindowWidth(Duration width) {
        this.minWindowWidth = width;
        return this;
    }

    /**
     * Continuous mode: a tenant more than this behind the present (a new tenant with a long
     * history, one catching up after a pause) reads its most recent span first and its history
     * behind it (default: option {@code scan.recent.span}, 1 hour; zero: oldest first). Its sync
     * position still waits for the history.
     */
    public HttpSyncSourceBuilder<T> setRecentSpan(Duration span) {
        this.recentSpan = span;
        return this;
    }

    /**
     * The share (0 to 1) of a tenant's turns that go to its history while windows of its recent
     * span wait too (default: option {@code scan.recent.history-share}, 0.2).
     */
    public HttpSyncSourceBuilder<T> setHistoryShare(double share) {
        this.historyShare = share;
        return this;
    }

    /**
     * How long a failed window waits before it is tried again (policy {@link
     * ExceptionPolicy#RECORD_AND_RETRY}).
     */
    public HttpSyncSourceBuilder<T> setFailedWindowRetryDelay(Duration delay) {
        this.failedWindowRetryDelay = delay;
        return this;
    }

    /**
     * How many times in a row a window of a bounded sync may fail with the same lasting cause (a
     * refused request, an unknown error code, a body that is not the described JSON; not an
     * unavailable or rate-limiting platform) before the job fails with that cause, without restarts
     * (default {@value SyncPlan#DEFAULT_MAX_WINDOW_FAILURES}). A continuous sync keeps retrying
     * such a window, and never passes it.
     */
    public HttpSyncSourceBuilder<T> setMaxWindowFailures(int failures) {
        this.maxWindowFailures = failures;
        return this;
    }

    /**
     * Requests per second per tenant, over all subtasks, and the burst a tenant's bucket allows;
     * overrides the endpoint's {@code rate-limit.*} options.
     */
    public HttpSyncSourceBuilder<T> setRateLimit(double permitsPerSecond, int burst) {
        this.permitsPerSecond = permitsPerSecond;
        this.burst = burst;
        return this;
    }

    public HttpSyncSourceBuilder<T> setDeserializer(RecordDeserializer<T> deserializer) {
        this.deserializer = deserializer;
        return this;
    }

    public HttpSyncSourceBuilder<T> setExceptionPolicy(ExceptionPolicy policy) {
        this.exceptionPolicy = policy;
        return this;
    }

    /**
     * How many windows one reader pages at the same time (each with at most one request in flight),
     * fixed. Unset (or null): sized from the reader's share of the rate limit and the observed
     * request latency (Little's law), at most {@link #setMaxSplitsInFlightPerReader}.
     */
    public HttpSyncSourceBuilder<T> setSplitsInFlightPerReader(@Nullable Integer splits) {
        this.splitsInFlight = splits;
        return this;
    }

    /**
     * The most windows one reader pages at once when their number is sized (default {@value
     * #DEFAULT_MAX_SPLITS_IN_FLIGHT}).
     */
    public HttpSyncSourceBuilder<T> setMaxSplitsInFlightPerReader(@Nullable Integer max) {
        this.maxSplitsInFlight = max == null ? DEFAULT_MAX_SPLITS_IN_FLIGHT : max;
        return this;
    }

    /**
     * Also emit each tenant's sync position when it advances ({@link SyncElement#position}, split
     * off by {@link HttpSyncStreams#TENANT_POSITIONS}), e.g. to complete a full pass per tenant
     * inside a running job. Off by default.
     */
    public HttpSyncSourceBuilder<T> setEmitTenantPositions(boolean emit) {
        this.emitTenantPositions = emit;
        return this;
    }

    /**
     * Run periodic full passes per tenant, whose completion {@link PassChangelog} turns into
     * deletions (null: none, the default). Continuous syncs only.
     */
    public HttpSyncSourceBuilder<T> setFullPasses(FullPasses passes) {
        this.fullPasses = passes;
        return this;
    }

    /** The clock for "now" (must be serializable); tests replace it. */
    public HttpSyncSourceBuilder<T> setClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public HttpSyncSource<T> build() {
        checkArgument(
                endpoint != null,
                "HttpSyncSource needs an endpoint: setEndpoint or setConfiguration");
        endpoint.requireScanFields();
        // a class named in the description that cannot be used fails here, in the job's main,
        // not when the readers start on the cluster
        UserClasses.check(endpoint, Thread.currentThread().getContextClassLoader());
        checkArgument(
                deserializer != null,
                "HttpSyncSource needs a deserializer: setDeserializer, e.g. RecordDeserializer.raw()");
        boolean tenantsFromRegistry = registry != null && registry.readsTenants();
        if (tenants.isEmpty() && !tenantsFromRegistry)
            throw OptionReader.invalid(
                    TenantOptions.TENANTS,
                    "must name at least one tenant (setTenants), unless a tenant registry is set");
        if (tenantsFromRegistry && !continuous)
            throw OptionReader.invalid(
                    TenantRegistryOptions.URL,
                    "needs continuous mode (scan.mode 'continuous'): tenants come and go while the sync runs");
        if (start == null) {
            throw OptionReader.invalid(
                    ScanOptions.START,
                    "is required: set it, or call setBounded(start, end) or"
                            + " setContinuous(start, lag, interval)");
        }
        EndpointSpec effective =
                permitsPerSecond != null || burst != null
                        ? endpoint.withTenantRateLimit(permitsPerSecond, burst)
                        : endpoint;
        if (splitsInFlight != null && splitsInFlight < 1)
            throw OptionReader.invalid(
                    ScanOptions.SPLITS_IN_FLIGHT, "must be >= 1, was " + splitsInFlight);
        if (maxSplitsInFlight < 1)
            throw OptionReader.invalid(
                    ScanOptions.MAX_SPLITS_IN_FLIGHT, "must be >= 1, was " + maxSplitsInFlight);
        checkArgument(
                exceptionPolicy != null, "HttpSyncSource needs an exception policy, was null");
        if (fullPasses != null && !continuous)
            throw OptionReader.invalid(
                    PassOptions.INTERVAL,
                    "needs a continuous sync: full passes find deletions while it runs");

        FullPasses passes = fullPasses;
        if (passes != null && passes.check() != null && registry != null) {
            // the check asks for the source's tenants, with the registry's tokens
            passes = passes.withCheck(passes.check().askingFor(tenants, registry, effective));
        }

        SyncPlan.Builder plan =
                SyncPlan.builder()
                        .tenants(tenants.stream().map(Tenant::id).toList())
                        .tenantsFromRegistry(tenantsFromRegistry)
                        .startTime(start)
                        .endTime(continuous ? null : end)
                        .maxWindowWidth(endpoint.limits().windowMaxWidth())
                        .lookBack(endpoint.limits().windowLookBack())
                        .timeResolution(Duration.ofMillis(endpoint.timeFormat().unitMillis()));
        if (step != null) plan.step(step);
        if (minWindowWidth != null) {
            plan.minWindowWidth(minWindowWidth);
        } else if (endpoint.windowEndInclusive()) {
            // an inclusive end one time unit after the start is an empty range, which platforms
            // refuse
            plan.minWindowWidth(Duration.ofMillis(2 * endpoint.timeFormat().unitMillis()));
        }
        plan.lag(lag);
        if (continuous) plan.discoveryInterval(discoveryInterval);
        if (failedWindowRetryDelay != null) plan.failedWindowRetryDelay(failedWindowRetryDelay);
        if (maxWindowFailures != null) plan.maxWindowFailures(maxWindowFailures);
        if (recentSpan != null) plan.recentSpan(recentSpan);
        if (historyShare != null) plan.historyShare(historyShare);
        if (clock != null) plan.clock(clock);
        SyncPlan built;
        try {
            built = plan.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("invalid sync plan: " + e.getMessage(), e);
        }
        return new HttpSyncSource<>(
                effective,
                tenants,
                built,
                deserializer,
                exceptionPolicy,
                splitsInFlight == null
                        ? SplitsInFlight.sized(maxSplitsInFlight)
                        : SplitsInFlight.fixed(splitsInFlight),
                emitTenantPositions,
                registry,
                perTenantMetrics,
                passes);
    }
}
