package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * At most {@code maxTenants} tenants with requests in flight at once, and at most {@code
 * maxPerTenant} requests of one tenant in flight at once (0: no limit). Shared in the JVM by every
 * limiter of one namespace, so that all subtasks of a job count together. A caller that cannot
 * enter leaves a callback that runs once something is released, and then tries again. Thread-safe;
 * the callbacks run on the releasing thread and must only hand off.
 */
@Internal
final class ConcurrencyLimits {
    /** The limits of a namespace in this JVM, held while a limiter of the namespace is open. */
    static final JvmShared<Key, ConcurrencyLimits> SHARED =
            new JvmShared<>(
                    key -> new ConcurrencyLimits(key.maxTenants(), key.maxPerTenant()),
                    limits -> {});

    /**
     * Limiters share counters only when they agree on the numbers too; a changed configuration gets
     * its own.
     */
    record Key(String namespace, int maxTenants, int maxPerTenant) {}

    private final int maxTenants;
    private final int maxPerTenant;
    private final Map<String, Integer> inFlight = new HashMap<>();
    private List<Runnable> parked = new ArrayList<>();

    ConcurrencyLimits(int maxTenants, int maxPerTenant) {
        this.maxTenants = maxTenants;
        this.maxPerTenant = maxPerTenant;
    }

    boolean unlimited() {
        return maxTenants == 0 && maxPerTenant == 0;
    }

    /**
     * Enters one request of {@code tenant}, or parks {@code retry} until a release and returns
     * false.
     */
    synchronized boolean tryEnter(String tenant, Runnable retry) {
        int current = inFlight.getOrDefault(tenant, 0);
        boolean tenantFull = maxPerTenant > 0 && current >= maxPerTenant;
        boolean tenantsFull = maxTenants > 0 && current == 0 && inFlight.size() >= maxTenants;
        if (tenantFull || tenantsFull) {
            parked.add(retry);
            return false;
        }
        inFlight.put(tenant, current + 1);
        return true;
    }

    void exit(String tenant) {
        List<Runnable> wake;
        synchronized (this) {
            Integer current = inFlight.get(tenant);
            if (current == null) return;
            if (current <= 1) inFlight.remove(tenant);
            else inFlight.put(tenant, current - 1);
            wake = parked;
            parked = new ArrayList<>();
        }
        wake.forEach(Runnable::run);
    }

    synchronized int tenantsInFlight() {
        return inFlight.size();
    }

    synchronized int inFlight(String tenant) {
        return inFlight.getOrDefault(tenant, 0);
    }
}
