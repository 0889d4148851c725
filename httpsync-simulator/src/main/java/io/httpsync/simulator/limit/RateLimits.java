package io.httpsync.simulator.limit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Enforces a platform's limits. A request is accepted only if every rule covering it has room; then
 * it is counted under all of them (a refused request is counted under none, as on the platforms,
 * where a refused call costs no quota). A platform raises single tenants' limits (a Kuaishou shop
 * from 10 to 100 requests per second): {@link #setTenantLimit} overrides a per-tenant rule's limit
 * for one tenant. Thread-safe; each key is checked under its own lock, and all keys of one request
 * under a global order.
 */
public final class RateLimits {
    private final List<LimitRule> rules = new CopyOnWriteArrayList<>();
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** Rule name → tenant → that tenant's own limit under the rule. */
    private final Map<String, Map<String, Integer>> tenantLimits = new ConcurrentHashMap<>();

    public RateLimits(List<LimitRule> initial) {
        rules.addAll(initial);
    }

    public List<LimitRule> rules() {
        return List.copyOf(rules);
    }

    /** Replaces the rule of the same name (or adds it), and forgets its counters. */
    public void set(LimitRule rule) {
        rules.removeIf(r -> r.name().equals(rule.name()));
        rules.add(rule);
        windows.keySet().removeIf(k -> k.startsWith(rule.name() + ":"));
    }

    /** Removes every rule and every tenant's own limit. */
    public void clear() {
        rules.clear();
        windows.clear();
        tenantLimits.clear();
    }

    /**
     * Gives {@code tenant} its own {@code limit} under the rule named {@code ruleName}, which must
     * count per tenant ({@link LimitScope#TENANT} or {@link LimitScope#TENANT_API}); other tenants
     * keep the rule's limit. Kept when the rule is set again; a refusal names the tenant's limit.
     */
    public void setTenantLimit(String ruleName, String tenant, int limit) {
        LimitRule rule =
                rules.stream()
                        .filter(r -> r.name().equals(ruleName))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "no limit rule named '" + ruleName + "'"));
        if (rule.scope() != LimitScope.TENANT && rule.scope() != LimitScope.TENANT_API)
            throw new IllegalArgumentException(
                    "rule '" + ruleName + "' counts per " + rule.scope() + ", not per tenant");
        rule.withLimit(limit); // checks the limit
        tenantLimits.computeIfAbsent(ruleName, k -> new ConcurrentHashMap<>()).put(tenant, limit);
    }

    /** {@code rule} with {@code tenant}'s own limit, if it has one. */
    private LimitRule forTenant(LimitRule rule, String tenant) {
        Map<String, Integer> own = tenantLimits.get(rule.name());
        Integer limit = own == null ? null : own.get(tenant);
        return limit == null ? rule : rule.withLimit(limit);
    }

    /** The keys a request is counted under, one per rule. */
    public List<String> keys(String app, String tenant, String api, String ip) {
        List<String> keys = new ArrayList<>(rules.size());
        for (LimitRule r : rules) if (r.covers(api)) keys.add(r.keyFor(app, tenant, api, ip));
        return keys;
    }

    public LimitDecision check(long now, String app, String tenant, String api, String ip) {
        List<LimitRule> current =
                rules().stream().filter(r -> r.covers(api)).map(r -> forTenant(r, tenant)).toList();
        // all-or-nothing over several keys: a global lock is simplest and the simulator's
        // throughput allows it
        synchronized (this) {
            for (LimitRule r : current) {
                String key = r.keyFor(app, tenant, api, ip);
                Window w = windows.computeIfAbsent(key, k -> new Window());
                LimitDecision refused = w.refusal(r, key, now);
                if (refused != null) return refused;
            }
            for (LimitRule r : current) {
                Window w = windows.get(r.keyFor(app, tenant, api, ip));
                w.accepted.addLast(now);
                w.peak = Math.max(w.peak, w.accepted.size());
            }
            return LimitDecision.ACCEPTED;
        }
    }

    /**
     * The most requests a rule's busiest key accepted within one of the rule's periods, at any
     * moment since the rule was set (0 if none): the peak rate the platform saw, in the rule's own
     * window, e.g. per IP per 20 s. At most the rule's limit, by construction; a test compares it
     * with the limit to see how close a client came.
     */
    public int peak(String ruleName) {
        synchronized (this) {
            int peak = 0;
            for (Map.Entry<String, Window> e : windows.entrySet()) {
                if (e.getKey().startsWith(ruleName + ":")) peak = Math.max(peak, e.getValue().peak);
            }
            return peak;
        }
    }

    /** Sliding log of accepted request times for one key, and the end of its current ban. */
    private static final class Window {
        final ArrayDeque<Long> accepted = new ArrayDeque<>();
        long bannedUntil;

        /** The most accepted requests within one period so far. */
        int peak;

        LimitDecision refusal(LimitRule rule, String key, long now) {
            if (now < bannedUntil) return new LimitDecision(rule, key, bannedUntil - now, true);
            long periodMillis = rule.period().toMillis();
            while (!accepted.isEmpty() && accepted.peekFirst() <= now - periodMillis)
                accepted.pollFirst();
            if (accepted.size() < rule.limit()) return null;
            if (!rule.ban().isZero()) {
                bannedUntil = now + rule.ban().toMillis();
                return new LimitDecision(rule, key, rule.ban().toMillis(), false);
            }
            return new LimitDecision(rule, key, accepted.peekFirst() + periodMillis - now, false);
        }
    }
}
