package io.httpsync.simulator.platform;

import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Json;
import io.httpsync.simulator.SimClock;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.fault.FaultPlan;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitDecision;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.RateLimits;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * One simulated platform, served under {@code /<name>/...}. Subclasses implement the platform's
 * endpoints; this class runs every data request through the same gateway steps, in the order a
 * platform gateway applies them:
 *
 * <ol>
 *   <li>limits: counted in {@link Accounting}; a refused request gets the platform's rate-limit
 *       answer;
 *   <li>injected faults ({@link FaultPlan}): 5xx, HTML pages, early token death, timeouts,
 *       malformed bodies;
 *   <li>the platform's own handler: signature, token, parameter checks, then data;
 *   <li>latency.
 * </ol>
 */
public abstract class PlatformSim {
    protected final String name;
    protected final SimClock clock;
    protected final Accounting accounting;
    protected final Tokens tokens;
    protected final RateLimits limits;
    protected final FaultPlan faults;
    protected final Random random;
    private volatile long latencyMillis;
    private volatile long latencyJitterMillis;

    protected PlatformSim(String name, PlatformContext ctx, List<LimitRule> defaultLimits) {
        this.name = name;
        this.clock = ctx.clock();
        this.accounting = ctx.accounting();
        this.tokens = new Tokens(clock);
        this.limits = new RateLimits(defaultLimits);
        this.faults = new FaultPlan(ctx.seed() ^ name.hashCode());
        this.random = new Random(ctx.seed() ^ (name.hashCode() * 31L));
    }

    /** The path prefix and the name used in accounting keys. */
    public String name() {
        return name;
    }

    public RateLimits limits() {
        return limits;
    }

    public FaultPlan faults() {
        return faults;
    }

    public Tokens tokens() {
        return tokens;
    }

    /**
     * Every response is held back this long (plus up to {@code jitter}), as a remote platform
     * answers.
     */
    public PlatformSim latency(long millis, long jitterMillis) {
        this.latencyMillis = millis;
        this.latencyJitterMillis = jitterMillis;
        return this;
    }

    /** Answers a request whose path is below this platform's prefix. */
    public abstract SimResponse handle(SimRequest request);

    /** The tenants this platform holds. */
    public abstract List<String> tenantIds();

    /**
     * The kinds of entity its list APIs return ({@code orders}; {@code departments}, {@code
     * users}).
     */
    public abstract List<String> entities();

    /**
     * What the platform holds now for one tenant and entity; the reference a sink is compared with.
     */
    public abstract GroundTruth groundTruth(String tenant, String entity);

    /**
     * Runs a data request through limits and faults, then {@code handler}. The handler receives the
     * drawn fault (null if none) so it can honour {@link Fault#LYING_TOTAL}; the others are applied
     * here.
     *
     * @param api the API name used for limits and accounting
     * @param app the calling app (app key), for app-scoped limits
     * @param tenant the tenant the request is for, as far as it can be told before authentication
     * @param rateLimited renders the platform's answer to a refused request
     */
    protected final SimResponse gateway(
            SimRequest request,
            String api,
            String app,
            String tenant,
            Function<LimitDecision, SimResponse> rateLimited,
            Function<Fault, SimResponse> handler) {
        LimitDecision decision = admit(request, api, app, tenant);
        if (!decision.accepted()) {
            return withLatency(rateLimited.apply(decision));
        }
        Fault fault = faults.draw();
        if (fault == Fault.TOKEN_EXPIRED && tenant != null) tokens.expireAll(tenant);
        SimResponse response =
                switch (fault == null ? Fault.LYING_TOTAL : fault) {
                    case SERVER_ERROR ->
                            SimResponse.html(
                                    random.nextBoolean() ? 502 : 503,
                                    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>");
                    case HTML_PAGE ->
                            SimResponse.html(
                                    200,
                                    "<!DOCTYPE html><html><head><title>系统维护中</title></head><body><h1>系统维护中，请稍后再试</h1></body></html>");
                    default -> handler.apply(fault);
                };
        if (fault == Fault.MALFORMED_JSON && response.status() == 200)
            response = response.truncated();
        if (fault == Fault.TIMEOUT) response = response.withDelay(faults.timeoutDelayMillis());
        return withLatency(response);
    }

    /**
     * The limits step of {@link #gateway} on its own: checks the request against the limits and
     * records it in {@link Accounting}. For endpoints that a platform limits but does not fault,
     * such as token endpoints that count towards a per-IP or per-API quota.
     */
    protected final LimitDecision admit(SimRequest request, String api, String app, String tenant) {
        long now = clock.now();
        String ip = request.clientIp();
        String appKey = app == null ? "?" : app;
        String tenantKey = tenant == null ? "?" : tenant;
        LimitDecision decision = limits.check(now, appKey, tenantKey, api, ip);
        accounting.record(
                name + "/" + api,
                limits.keys(appKey, tenantKey, api, ip).stream().map(k -> name + "/" + k).toList(),
                now,
                !decision.accepted());
        if (tenant != null) accounting.recordTenant(name, tenant, now);
        return decision;
    }

    /**
     * Logs a token request in {@link Accounting#tokenRequests()} and returns its response
     * unchanged.
     *
     * @param tenant the tenant the request named, or null if none the platform knows
     * @param outcome "ok" or the platform's error, read from the answer's JSON body
     */
    protected final SimResponse loggedTokenRequest(
            String grant, String tenant, SimResponse response, Function<JsonNode, String> outcome) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("the simulator's own token answer is not JSON", e);
        }
        accounting.logTokenRequest(
                new Accounting.TokenRequestEntry(
                        name, grant, tenant, outcome.apply(body), clock.now()));
        return response;
    }

    /** Applies the configured latency to any response (also token endpoints and errors). */
    protected final SimResponse withLatency(SimResponse response) {
        long jitter = latencyJitterMillis;
        long delay = latencyMillis + (jitter > 0 ? (long) (random.nextDouble() * jitter) : 0);
        return delay > 0 ? response.withDelay(delay) : response;
    }

    /** Stops background work (mutations). */
    public void close() {}

    /** Logs a list request for tests that count pages. */
    protected final void logRequest(String api, String tenant, String position, String outcome) {
        accounting.log(
                new Accounting.RequestLogEntry(
                        name + "/" + api, tenant, position, outcome, clock.now()));
    }
}
