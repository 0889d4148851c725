package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.source.enumerator.SyncPlan;
import org.apache.flink.annotation.PublicEvolving;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an {@link HttpSyncSource}. Every setting is checked in {@link #build()}, with a message that names it.
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
    public static final int DEFAULT_SPLITS_IN_FLIGHT = 4;
    /** How far behind the present a window must end unless a lag is given ({@link #setBounded(Instant, Instant)}). */
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
    private Integer maxWindowFailures;
    private Clock clock;
    private Double permitsPerSecond;
    private Integer burst;
    private RecordDeserializer<T> deserializer;
    private ExceptionPolicy exceptionPolicy = ExceptionPolicy.RECORD_AND_RETRY;
    private int splitsInFlight = DEFAULT_SPLITS_IN_FLIGHT;
    private boolean emitTenantPositions;

    HttpSyncSourceBuilder() {}

    /** The API to sync: request, paging, response paths, errors, authentication, platform limits. Required. */
    public HttpSyncSourceBuilder<T> setEndpoint(EndpointSpec endpoint) {
        this.endpoint = endpoint;
        return this;
    }

    /** The tenants (shops, corps) to sync, each with its credentials. At least one. */
    public HttpSyncSourceBuilder<T> setTenants(List<Tenant> tenants) {
        this.tenants.clear();
        this.tenants.addAll(tenants);
        return this;
    }

    /**
     * A backfill: sync the records updated in {@code [start, end)}, then finish. The end must lie at least the default
     * lag ({@link #DEFAULT_LAG}) in the past.
     */
    public HttpSyncSourceBuilder<T> setBounded(Instant start, Instant end) {
        return setBounded(start, end, DEFAULT_LAG);
    }

    /**
     * A backfill whose end must lie at least {@code lag} in the past: how late the platform may list a change (a
     * record updated just before {@code end} but listed only later would be missed).
     */
    public HttpSyncSourceBuilder<T> setBounded(Instant start, Instant end, Duration lag) {
        this.start = start;
        this.end = end;
        this.continuous = false;
        this.lag = lag;
        return this;
    }

    /**
     * Follow the platform: sync from {@code start} up to now minus {@code lag}, planning new windows every
     * {@code discoveryInterval}.
     */
    public HttpSyncSourceBuilder<T> setContinuous(Instant start, Duration lag, Duration discoveryInterval) {
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
     * Hot windows are halved down to this width, and no narrower window is planned where avoidable (default: the time
     * resolution of the endpoint's time format; twice that when the endpoint's window end is inclusive).
     */
    public HttpSyncSourceBuilder<T> setMinWindowWidth(Duration width) {
        this.minWindowWidth = width;
        return this;
    }

    /** How long a failed window waits before it is tried again (policy {@link ExceptionPolicy#RECORD_AND_RETRY}). */
    public HttpSyncSourceBuilder<T> setFailedWindowRetryDelay(Duration delay) {
        this.failedWindowRetryDelay = delay;
        return this;
    }

    /**
     * How many times in a row a window of a bounded sync may fail with the same lasting cause (a refused request, an
     * unknown error code, a body that is not the described JSON; not an unavailable or rate-limiting platform) before
     * the job fails with that cause, without restarts (default {@value SyncPlan#DEFAULT_MAX_WINDOW_FAILURES}). A
     * continuous sync keeps retrying such a window, and never passes it.
     */
    public HttpSyncSourceBuilder<T> setMaxWindowFailures(int failures) {
        this.maxWindowFailures = failures;
        return this;
    }

    /**
     * Requests per second per tenant, over all subtasks, and the burst a tenant's bucket allows; overrides the
     * endpoint's {@code rate-limit.*} options.
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

    /** How many windows one reader pages at the same time (each with at most one request in flight). */
    public HttpSyncSourceBuilder<T> setSplitsInFlightPerReader(int splits) {
        this.splitsInFlight = splits;
        return this;
    }

    /**
     * Also emit each tenant's sync position when it advances ({@link SyncElement#position}, split off by
     * {@link HttpSyncStreams#TENANT_POSITIONS}), e.g. to complete a full pass per tenant inside a running job. Off by
     * default.
     */
    public HttpSyncSourceBuilder<T> setEmitTenantPositions(boolean emit) {
        this.emitTenantPositions = emit;
        return this;
    }

    /** The clock for "now" (must be serializable); tests replace it. */
    public HttpSyncSourceBuilder<T> setClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    public HttpSyncSource<T> build() {
        require(endpoint != null, "endpoint", "is required (setEndpoint)");
        endpoint.requireScanFields();
        require(deserializer != null, "deserializer", "is required (setDeserializer), e.g. RecordDeserializer.raw()");
        require(!tenants.isEmpty(), "tenants", "must name at least one tenant (setTenants)");
        require(start != null, "start", "is required: call setBounded(start, end) or setContinuous(start, lag, interval)");
        EndpointSpec effective = endpoint;
        if (permitsPerSecond != null || burst != null) {
            require(permitsPerSecond == null || (permitsPerSecond > 0 && Double.isFinite(permitsPerSecond)),
                    "rate-limit.permits-per-second", "must be a positive number, was " + permitsPerSecond);
            require(burst == null || burst >= 1, "rate-limit.burst", "must be >= 1, was " + burst);
            EndpointSpec.Builder b = EndpointSpec.builder().options(endpoint.toOptions());
            if (permitsPerSecond != null) b.set(EndpointOptions.RATE_LIMIT_PERMITS_PER_SECOND, permitsPerSecond);
            if (burst != null) b.set(EndpointOptions.RATE_LIMIT_BURST, burst);
            effective = b.build();
        }
        require(splitsInFlight >= 1, "splits-in-flight", "must be >= 1, was " + splitsInFlight);
        require(exceptionPolicy != null, "exception-policy", "must not be null");

        SyncPlan.Builder plan = SyncPlan.builder()
                .tenants(tenants.stream().map(Tenant::id).toList())
                .startTime(start)
                .endTime(continuous ? null : end)
                .maxWindowWidth(endpoint.limits().windowMaxWidth())
                .lookBack(endpoint.limits().windowLookBack())
                .timeResolution(Duration.ofMillis(endpoint.timeFormat().unitMillis()));
        if (step != null) plan.step(step);
        if (minWindowWidth != null) {
            plan.minWindowWidth(minWindowWidth);
        } else if (endpoint.windowEndInclusive()) {
            // an inclusive end one time unit after the start is an empty range, which platforms refuse
            plan.minWindowWidth(Duration.ofMillis(2 * endpoint.timeFormat().unitMillis()));
        }
        plan.lag(lag);
        if (continuous) plan.discoveryInterval(discoveryInterval);
        if (failedWindowRetryDelay != null) plan.failedWindowRetryDelay(failedWindowRetryDelay);
        if (maxWindowFailures != null) plan.maxWindowFailures(maxWindowFailures);
        if (clock != null) plan.clock(clock);
        SyncPlan built;
        try {
            built = plan.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("invalid sync plan: " + e.getMessage(), e);
        }
        return new HttpSyncSource<>(effective, tenants, built, deserializer, exceptionPolicy, splitsInFlight, emitTenantPositions);
    }

    private static void require(boolean ok, String setting, String message) {
        if (!ok) throw new IllegalArgumentException("HttpSyncSource setting '" + setting + "' " + message);
    }
}
