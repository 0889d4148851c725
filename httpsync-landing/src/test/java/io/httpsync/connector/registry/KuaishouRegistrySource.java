package io.httpsync.connector.registry;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import java.sql.SQLException;
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
