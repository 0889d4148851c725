package io.httpsync.jobs.bench;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import java.util.ArrayList;
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
        for (int i = 1; i <= orders.length; i++) {
            kuaishou.addTenant(
                    "shop-" + i,
                    KuaishouSim.credentials("bench-key", "bench-secret", "bench-sign"),
                    DataSpec.of(orders[i - 1], spanMillis).seed(i).timeResolutionMillis(1));
        }
        return tenants(orders.length);
    }

    /** The tenants to sync the first {@code shops} shops {@link #add} added. */
    static List<Tenant> tenants(int shops) {
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 1; i <= shops; i++) {
            tenants.add(
                    Tenant.of(
                            "shop-" + i,
                            Map.of(
                                    "app-key", "bench-key",
                                    "app-secret", "bench-secret",
                                    "sign-secret", "bench-sign")));
        }
        return tenants;
    }
}
