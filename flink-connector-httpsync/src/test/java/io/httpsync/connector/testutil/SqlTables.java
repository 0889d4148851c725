package io.httpsync.connector.testutil;

import io.httpsync.connector.endpoint.EndpointPresets;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * DDL for SQL tests: {@code WITH} clauses from option maps, and the httpsync table options for the
 * Kuaishou fixture.
 */
public final class SqlTables {
    private SqlTables() {}

    /** A streaming table environment on a local MiniCluster with two slots per operator. */
    public static TableEnvironment streamingEnvironment() {
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "2");
        // G1 in dependencies.md: insert-only input into a primary-keyed sink needs this on Flink
        // 2.3
        conf.setString("table.exec.sink.require-on-conflict", "false");
        return TableEnvironment.create(
                EnvironmentSettings.newInstance()
                        .inStreamingMode()
                        .withConfiguration(conf)
                        .build());
    }

    /** {@code WITH ('k' = 'v', ...)}, quotes doubled. */
    public static String with(Map<String, String> options) {
        return options.entrySet().stream()
                .map(e -> "'" + quote(e.getKey()) + "' = '" + quote(e.getValue()) + "'")
                .collect(Collectors.joining(",\n  ", "WITH (\n  ", ")"));
    }

    private static String quote(String s) {
        return s.replace("'", "''");
    }

    /**
     * The simulator's Kuaishou {@code open.order.detail} as a lookup table of the fixture's shop:
     * one signed request per oid, the order's base info decoded, at most {@code permitsPerSecond}
     * requests per second, partially cached.
     */
    public static Map<String, String> kuaishouOrderDetails(
            KuaishouSimulatorFixture fixture, double permitsPerSecond) {
        Map<String, String> o = shopTable(fixture);
        Map<String, String> detail = EndpointPresets.kuaishouOrderDetail(fixture.base);
        o.keySet()
                .removeIf(
                        k ->
                                EndpointPresets.kuaishouOrders(fixture.base).containsKey(k)
                                        && !detail.containsKey(k));
        o.putAll(detail);
        o.put("request.biz-param.template", "{\"oid\":\"${tenant.lookup.oid}\"}");
        o.put("rate-limit.permits-per-second", Double.toString(permitsPerSecond));
        o.put("rate-limit.burst", "1");
        o.put("lookup.cache", "PARTIAL");
        o.put("lookup.partial-cache.max-rows", "10000");
        o.put("lookup.partial-cache.expire-after-write", "10 min");
        return o;
    }

    /**
     * The Kuaishou orders of the fixture's shop, a bounded sync of {@code [start, end)}, decoded
     * from orderBaseInfo.
     */
    public static Map<String, String> kuaishouOrders(
            KuaishouSimulatorFixture fixture, long start, long end) {
        Map<String, String> o = shopTable(fixture);
        o.put("scan.mode", "bounded");
        o.put("scan.start", Instant.ofEpochMilli(start).toString());
        o.put("scan.end", Instant.ofEpochMilli(end).toString());
        o.put("scan.window.step", "1 d");
        return o;
    }

    /**
     * An httpsync table of the fixture's shop: its endpoint options and tenant, orders decoded from
     * orderBaseInfo.
     */
    private static Map<String, String> shopTable(KuaishouSimulatorFixture fixture) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("connector", "httpsync");
        o.putAll(fixture.options());
        o.put("tenants", KuaishouSimulatorFixture.SHOP);
        fixture.tenant()
                .properties()
                .forEach((k, v) -> o.put("tenant." + KuaishouSimulatorFixture.SHOP + "." + k, v));
        o.put("format", "json");
        o.put("record.pointer", "/orderBaseInfo");
        return o;
    }
}
