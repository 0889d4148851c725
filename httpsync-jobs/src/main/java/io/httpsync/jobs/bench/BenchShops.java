package io.httpsync.jobs.bench;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The benchmarks' Kuaishou shops, all under one app key: {@code shop-1}, {@code shop-2}, … */
final class BenchShops {
    private BenchShops() {}

    /**
     * Adds one shop per entry of {@code orders} (its number of orders, spread over {@code
     * spanMillis} before now) to the simulator; returns the tenants to sync them.
     */
    static List<Tenant> add(KuaishouSim kuaishou, long spanMillis, int... orders) {
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 1; i <= orders.length; i++)
            tenants.add(
                    add(
                            kuaishou,
                            "shop-" + i,
                            DataSpec.of(orders[i - 1], spanMillis).seed(i).timeResolutionMillis(1),
                            Map.of()));
        return tenants;
    }

    /** The tenants to sync the first {@code shops} shops {@link #add} added. */
    static List<Tenant> tenants(int shops) {
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 1; i <= shops; i++) tenants.add(tenant("shop-" + i, Map.of()));
        return tenants;
    }

    /**
     * Adds the shop {@code shop} with the orders of {@code data}; returns the tenant to sync it,
     * with the app's credentials and {@code properties} (e.g. the shop's own rate limit).
     */
    static Tenant add(
            KuaishouSim kuaishou, String shop, DataSpec data, Map<String, String> properties) {
        kuaishou.addTenant(
                shop, KuaishouSim.credentials("bench-key", "bench-secret", "bench-sign"), data);
        return tenant(shop, properties);
    }

    /** The tenant to sync {@code shop} with the app's credentials and {@code properties}. */
    private static Tenant tenant(String shop, Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.put("app-key", "bench-key");
        all.put("app-secret", "bench-secret");
        all.put("sign-secret", "bench-sign");
        return Tenant.of(shop, all);
    }
}
