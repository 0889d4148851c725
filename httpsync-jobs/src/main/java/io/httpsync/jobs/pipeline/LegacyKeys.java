package io.httpsync.jobs.pipeline;

import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.source.enumerator.ScanOptions;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the source keys of earlier config files as today's ({@link SyncJobOptions#SOURCE_PREFIX}
 * and the options of the httpsync connector), warning once per key with its new spelling, so that
 * existing files keep working. A file that gives a key both ways is refused, naming both.
 * Stateless.
 */
@Internal
final class LegacyKeys {
    private static final Logger LOG = LoggerFactory.getLogger(LegacyKeys.class);
    private static final String P = SyncJobOptions.SOURCE_PREFIX;

    /** Old key to new key. */
    private static final Map<String, String> RENAMED = new LinkedHashMap<>();

    /** Old prefix to new prefix. */
    private static final Map<String, String> RENAMED_PREFIXES = new LinkedHashMap<>();

    static {
        RENAMED.put("source.tenants", P + TenantOptions.TENANTS.key());
        RENAMED.put("source.mode", P + ScanOptions.MODE.key());
        RENAMED.put("source.start", P + ScanOptions.START.key());
        RENAMED.put("source.end", P + ScanOptions.END.key());
        RENAMED.put("source.lag", P + ScanOptions.LAG.key());
        RENAMED.put("source.discovery-interval", P + ScanOptions.DISCOVERY_INTERVAL.key());
        RENAMED.put("source.window-step", P + ScanOptions.WINDOW_STEP.key());
        RENAMED.put("source.exception-policy", P + ScanOptions.EXCEPTION_POLICY.key());
        RENAMED.put(
                "source.failed-window.retry-delay",
                P + ScanOptions.FAILED_WINDOW_RETRY_DELAY.key());
        RENAMED.put(
                "source.failed-window.max-failures",
                P + ScanOptions.FAILED_WINDOW_MAX_FAILURES.key());
        RENAMED_PREFIXES.put("source.endpoint.", P);
        RENAMED_PREFIXES.put("source.tenant.", P + TenantOptions.TENANT_PREFIX);
    }

    private LegacyKeys() {}

    /** {@code config} with every old key written the new way. */
    static Map<String, String> translate(Map<String, String> config) {
        Map<String, String> out = new TreeMap<>();
        Map<String, String> origin = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(config).entrySet()) {
            String key = e.getKey();
            String newKey = newKey(key);
            String value = e.getValue();
            if (newKey == null) {
                newKey = key;
            } else {
                LOG.warn(
                        "sync job setting '{}' is deprecated and will be removed; write '{}'{}",
                        key,
                        newKey,
                        key.equals("source.tenants") ? " (tenant ids separated by ';')" : "");
                // the old file separated tenant ids by ',', the connector's list options by ';'
                if (key.equals("source.tenants")) value = value.replace(',', ';');
            }
            String before = origin.put(newKey, key);
            if (before != null) {
                throw new IllegalArgumentException(
                        "sync job settings '"
                                + before
                                + "' and '"
                                + key
                                + "' both set '"
                                + newKey
                                + "'; keep '"
                                + newKey
                                + "'");
            }
            out.put(newKey, value);
        }
        return out;
    }

    private static String newKey(String key) {
        String renamed = RENAMED.get(key);
        if (renamed != null) return renamed;
        for (Map.Entry<String, String> p : RENAMED_PREFIXES.entrySet()) {
            if (key.startsWith(p.getKey()) && key.length() > p.getKey().length()) {
                return p.getValue() + key.substring(p.getKey().length());
            }
        }
        return null;
    }
}
