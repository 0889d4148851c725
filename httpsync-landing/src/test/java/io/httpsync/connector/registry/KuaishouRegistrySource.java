package io.httpsync.connector.registry;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The Kuaishou order source of the registry tests, as a config file or SQL table would describe it:
 * tenants from a registry table in PostgreSQL or MariaDB, their tokens from single-use refresh
 * tokens in the registry's token store.
 */
final class KuaishouRegistrySource {
    private KuaishouRegistrySource() {}

    /**
     * @param start the scan's start (epoch millis)
     * @param tenantTable the registry's table of tenants
     * @param tokenTable the registry's token store
     */
    static Map<String, String> options(
            String base, SqlDatabase db, long start, String tenantTable, String tokenTable) {
        Map<String, String> options = new HashMap<>(EndpointPresets.kuaishouOrders(base));
        options.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        options.put("retry.initial-backoff", "20 ms");
        options.put("retry.max-backoff", "200 ms");
        options.put("scan.start", String.valueOf(start));
        options.put("scan.lag", "2 s");
        options.put("scan.discovery-interval", "300 ms");
        options.put("scan.window.step", "12 h");
        registryOptions(db, tenantTable, tokenTable)
                .forEach((k, v) -> options.put("tenants.registry." + k, v));
        options.put("tenants.registry.poll-interval", "200 ms");
        options.put("metrics.per-tenant", "false");
        return options;
    }

    /** The options of a registry in {@code db}, as {@code tenants.registry.*} without prefix. */
    static Map<String, String> registryOptions(SqlDatabase db, String table, String tokenTable) {
        JdbcConnectionOptions c = db.connectionOptions();
        Map<String, String> options = new HashMap<>();
        options.put("url", c.getDbURL());
        c.getUsername().ifPresent(u -> options.put("username", u));
        options.put("table", table);
        options.put("token-table", tokenTable);
        return options;
    }

    /**
     * Starts {@code sim} with its Kuaishou serving {@code shops} of one app, each with {@code
     * orders} orders over the last day (seeded by its position), its refresh tokens working exactly
     * once; then creates each of {@code tenantTables} in {@code db} anew as a registry table of
     * every shop, enabled, with the refresh token the simulator issued for it (the same in every
     * table). The app's credentials are derived from {@code app}, so that the registry's rows and
     * the simulator name the same app.
     */
    static KuaishouSim startShops(
            Simulator sim,
            SqlDatabase db,
            String app,
            int orders,
            List<String> shops,
            List<String> tenantTables)
            throws Exception {
        String appKey = "ks-app-" + app;
        String appSecret = "AppSecret-" + app + "-0123";
        String signSecret = "SignSecret-" + app + "-3210";
        KuaishouSim kuaishou = sim.add(KuaishouSim::new);
        for (int i = 0; i < shops.size(); i++)
            kuaishou.addTenant(
                    shops.get(i),
                    KuaishouSim.credentials(appKey, appSecret, signSecret),
                    DataSpec.of(orders, Duration.ofDays(1).toMillis()).seed(i));
        kuaishou.refreshGraceMillis(0).latency(5, 0);
        sim.start(0);
        for (String table : tenantTables) {
            db.execute("DROP TABLE IF EXISTS " + table);
            db.execute(JdbcTenantRegistry.tenantTableDdl(table, false));
        }
        for (String shop : shops) {
            String properties =
                    tenantProperties(
                            appKey, appSecret, signSecret, kuaishou.issueRefreshToken(shop));
            for (String table : tenantTables) register(db, table, shop, properties);
        }
        return kuaishou;
    }

    /** A shop's properties in the registry table (JSON), as the app's authorization flow writes. */
    static String tenantProperties(
            String appKey, String appSecret, String signSecret, String refreshToken) {
        return "{\"app-key\":\""
                + appKey
                + "\",\"app-secret\":\""
                + appSecret
                + "\",\"sign-secret\":\""
                + signSecret
                + "\",\"refresh-token\":\""
                + refreshToken
                + "\"}";
    }

    /**
     * Adds {@code shop} to the registry's table {@code table}, enabled, with {@code properties}
     * ({@link #tenantProperties}).
     */
    static void register(SqlDatabase db, String table, String shop, String properties)
            throws SQLException {
        db.execute(
                "INSERT INTO "
                        + table
                        + " (tenant_id, properties, enabled) VALUES ('"
                        + shop
                        + "', '"
                        + properties
                        + "', TRUE)");
    }

    /** The token requests the simulator saw for {@code shop}, refused ones included. */
    static List<Accounting.TokenRequestEntry> tokenRequests(Simulator sim, String shop) {
        return sim.accounting().tokenRequests().stream()
                .filter(e -> shop.equals(e.tenant()))
                .toList();
    }

    /** Waits (up to 90 s: the machine may be loaded) until {@code condition} holds. */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (!condition.call()) {
            if (System.currentTimeMillis() > deadline)
                throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(100);
        }
    }
}
