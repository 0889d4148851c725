package io.httpsync.simulator.platform;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.limit.LimitRule;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A platform whose data is a list of business records per tenant (orders, trades): the tenants,
 * their credentials, their live data, ground truth, and mutations while clients page.
 */
public abstract class OrderPlatformSim extends PlatformSim {
    /**
     * A tenant's credentials; their meaning is the platform's (app key and secret, sign secret,
     * session).
     */
    public record Credentials(
            String appKey, String appSecret, String signSecret, String accessToken) {}

    private final Map<String, TenantData> data = new LinkedHashMap<>();
    private final Map<String, Credentials> credentials = new LinkedHashMap<>();
    private final Map<String, MutationRates> perPage = new LinkedHashMap<>();
    private final ScheduledExecutorService mutator =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "simulator-mutations");
                        t.setDaemon(true);
                        return t;
                    });
    private final Map<String, ScheduledFuture<?>> continuous = new HashMap<>();
    private long nextFirstId;

    protected OrderPlatformSim(
            String name, PlatformContext ctx, List<LimitRule> defaultLimits, long firstId) {
        super(name, ctx, defaultLimits);
        this.nextFirstId = firstId;
    }

    /**
     * Adds a tenant with generated data. The credentials are the platform's, see each platform's
     * javadoc.
     */
    public synchronized TenantData addTenant(String tenantId, Credentials creds, DataSpec spec) {
        if (data.containsKey(tenantId))
            throw new IllegalArgumentException(name + ": tenant '" + tenantId + "' exists already");
        TenantData d = new TenantData(tenantId, clock, spec, nextFirstId);
        nextFirstId += 10_000_000L;
        data.put(tenantId, d);
        credentials.put(tenantId, creds);
        onTenantAdded(tenantId, creds);
        return d;
    }

    /**
     * Hook for platforms that hand out a token on authorization (a session key, a fixed access
     * token).
     */
    protected void onTenantAdded(String tenantId, Credentials creds) {}

    public synchronized TenantData tenant(String tenantId) {
        TenantData d = data.get(tenantId);
        if (d == null) throw new IllegalArgumentException(name + ": no tenant '" + tenantId + "'");
        return d;
    }

    protected synchronized TenantData tenantOrNull(String tenantId) {
        return tenantId == null ? null : data.get(tenantId);
    }

    public synchronized Credentials credentials(String tenantId) {
        return credentials.get(tenantId);
    }

    /**
     * The tenant whose credentials match {@code predicate}-style lookups by app key; first match or
     * null.
     */
    protected synchronized String tenantByAppKey(String appKey) {
        for (Map.Entry<String, Credentials> e : credentials.entrySet()) {
            if (e.getValue().appKey().equals(appKey)) return e.getKey();
        }
        return null;
    }

    @Override
    public synchronized List<String> tenantIds() {
        return new ArrayList<>(data.keySet());
    }

    /** How the list API renders one record. */
    public abstract ObjectNode render(SimRecord record);

    /** The record's id as the list API renders it. */
    public abstract String renderId(SimRecord record);

    @Override
    public List<String> entities() {
        return List.of("orders");
    }

    @Override
    public GroundTruth groundTruth(String tenantId, String entity) {
        if (!entity.equals("orders"))
            throw new IllegalArgumentException(
                    name + " has no entity '" + entity + "'; it has orders");
        return groundTruth(tenantId);
    }

    /** What the platform holds for the tenant now. */
    public GroundTruth groundTruth(String tenantId) {
        TenantData d = tenant(tenantId);
        TenantData.Snapshot s = d.snapshot();
        List<GroundTruth.TruthRecord> live = new ArrayList<>(s.live().size());
        for (SimRecord r : s.live()) {
            ObjectNode content = render(r);
            live.add(
                    new GroundTruth.TruthRecord(
                            renderId(r), r.updateTime(), Json.contentHash(content), content));
        }
        List<String> deleted =
                s.deletedIds().stream().map(id -> renderId(d.deletedRecord(id))).toList();
        return new GroundTruth(tenantId, "orders", live, deleted);
    }

    /**
     * Starts background mutations of the tenant at these rates per second, replacing earlier ones;
     * {@link MutationRates#NONE} stops them.
     */
    public synchronized void mutateContinuously(String tenantId, MutationRates rates) {
        TenantData d = tenant(tenantId);
        ScheduledFuture<?> earlier = continuous.remove(tenantId);
        if (earlier != null) earlier.cancel(false);
        if (rates.isNone()) return;
        long periodMicros = 10_000; // 100 ticks a second; fractional rates accumulate
        double[] owed = new double[3];
        continuous.put(
                tenantId,
                mutator.scheduleAtFixedRate(
                        () -> {
                            owed[0] += rates.updates() / 100;
                            owed[1] += rates.inserts() / 100;
                            owed[2] += rates.deletes() / 100;
                            for (; owed[0] >= 1; owed[0]--) d.updateRandom();
                            for (; owed[1] >= 1; owed[1]--) d.insert();
                            for (; owed[2] >= 1; owed[2]--) d.deleteRandom();
                        },
                        periodMicros,
                        periodMicros,
                        TimeUnit.MICROSECONDS));
    }

    /**
     * After each list page served for the tenant, mutate this many records: updates and deletes
     * pick records of the window just queried, so the next page of that window shifts, as it does
     * on a live shop.
     */
    public synchronized void mutatePerPage(String tenantId, MutationRates rates) {
        tenant(tenantId);
        perPage.put(tenantId, rates);
    }

    /** Called by list handlers after serving a page of {@code window} for the tenant. */
    protected void afterPage(TenantData d, List<SimRecord> window) {
        MutationRates rates;
        synchronized (this) {
            rates = perPage.get(d.tenantId());
        }
        if (rates == null || window.isEmpty()) return;
        for (int i = 0; i < (int) rates.updates(); i++)
            d.update(window.get(random.nextInt(window.size())).id());
        for (int i = 0; i < (int) rates.inserts(); i++) d.insert();
        for (int i = 0; i < (int) rates.deletes(); i++)
            d.delete(window.get(random.nextInt(window.size())).id());
    }

    @Override
    public void close() {
        mutator.shutdownNow();
    }
}
