package io.httpsync.connector.registry;

import io.httpsync.connector.endpoint.EndpointPresets;

import java.util.HashMap;
import java.util.Map;

/**
 * The Kuaishou order source of the registry tests, as a config file or SQL table would describe it:
 * tenants from a registry table in PostgreSQL, their tokens from single-use refresh tokens in the
 * registry's token store.
 */
final class KuaishouRegistrySource {
    private KuaishouRegistrySource() {}

    /**
     * @param start the scan's start (epoch millis)
     * @param tenantTable the registry's table of tenants
     * @param tokenTable the registry's token store
     */
    static Map<String, String> options(
            String base, String jdbcUrl, long start, String tenantTable, String tokenTable) {
        Map<String, String> options = new HashMap<>(EndpointPresets.kuaishouOrders(base));
        options.putAll(EndpointPresets.kuaishouRefreshTokens(base));
        options.put("retry.initial-backoff", "20 ms");
        options.put("retry.max-backoff", "200 ms");
        options.put("scan.start", String.valueOf(start));
        options.put("scan.lag", "2 s");
        options.put("scan.discovery-interval", "300 ms");
        options.put("scan.window.step", "12 h");
        options.put("tenants.registry.url", jdbcUrl);
        options.put("tenants.registry.username", "postgres");
        options.put("tenants.registry.table", tenantTable);
        options.put("tenants.registry.token-table", tokenTable);
        options.put("tenants.registry.poll-interval", "200 ms");
        options.put("metrics.per-tenant", "false");
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
}
