package io.httpsync.jobs.pipeline;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.DetailApiCheck;
import io.httpsync.connector.source.FullPasses;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.enumerator.SyncPlan;
import io.httpsync.connector.table.HttpSyncDynamicTableFactory;
import io.httpsync.jobs.demo.Demo;

import org.apache.flink.configuration.Configuration;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One source, described by the same options on every surface (a SQL table, a DataStream job's
 * setConfiguration, a config file under its prefix, a config file in the keys of earlier versions)
 * and by the builder's own defaults, comes out the same: endpoint, tenants, sync plan (lag,
 * discovery interval, window widths, failed-window retries), exception policy and windows in
 * flight. A default that differs on one surface fails here.
 */
class SourceSurfacesTest {
    private static final String BASE = "http://localhost:1/kuaishou";
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant END = Instant.parse("2026-01-02T00:00:00Z");

    /**
     * The parts of a source that do not come from options: how records are decoded, whether
     * positions are emitted, and the id its job budget is found by (new for every source object, so
     * that a dependent endpoint joins the budget of its own source only).
     */
    private static final String[] NOT_FROM_OPTIONS = {
        "deserializer", "emitTenantPositions", "budgetId"
    };

    /**
     * The least a source needs: an endpoint, two tenants, a start; every other setting at its
     * default.
     */
    private static Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>(Demo.kuaishouSimulatorOptions(BASE));
        o.put("tenants", "shop-1;shop-2");
        o.put("tenant.shop-1.app-key", "key-1");
        o.put("tenant.shop-2.app-key", "key-2");
        o.put("scan.start", START.toString());
        return o;
    }

    private static Map<String, String> bounded() {
        Map<String, String> o = options();
        o.put("scan.mode", "bounded");
        o.put("scan.end", END.toString());
        return o;
    }

    @Test
    void aContinuousSourceIsTheSameOnEverySurface() {
        HttpSyncSource<RawRecord> builder =
                builder()
                        .setContinuous(
                                START, SyncPlan.DEFAULT_LAG, SyncPlan.DEFAULT_DISCOVERY_INTERVAL)
                        .build();

        assertSameSource(fromSql(options()), builder);
        assertSameSource(fromConfiguration(options()), builder);
        assertSameSource(fromFile(options()), builder);
        assertSameSource(fromLegacyFile(false), builder);
    }

    @Test
    void aBoundedSourceIsTheSameOnEverySurface() {
        HttpSyncSource<RawRecord> builder = builder().setBounded(START, END).build();

        assertSameSource(fromSql(bounded()), builder);
        assertSameSource(fromConfiguration(bounded()), builder);
        assertSameSource(fromFile(bounded()), builder);
        assertSameSource(fromLegacyFile(true), builder);
    }

    @Test
    void aFileThatGivesAKeyTheOldAndTheNewWayIsRefusedNamingBoth() {
        Map<String, String> file = file(options());
        file.put("httpsync.scan.lag", "5 s");
        file.put("source.lag", "5 s");

        assertThatThrownBy(() -> new SyncPipeline(file))
                .hasMessageContaining(
                        "sync job settings 'httpsync.scan.lag' and 'source.lag' both set 'httpsync.scan.lag'");
    }

    @Test
    void aMisspelledSourceKeyInAFileIsRefusedWithTheKeyItMeant() {
        Map<String, String> file = file(options());
        file.put("httpsync.scan.strat", START.toString());

        assertThatThrownBy(() -> new SyncPipeline(file))
                .hasMessageContaining(
                        "unknown sync job setting 'httpsync.scan.strat'; did you mean 'httpsync.scan.start'?");
    }

    @Test
    void aChangelogPassInAFileIsRefusedPointingToTheFullPassCommand() {
        Map<String, String> file = file(options());
        file.put("httpsync.pass.interval", "1 h");

        assertThatThrownBy(() -> new SyncPipeline(file))
                .hasMessageContaining("sync job setting 'httpsync.pass.interval'")
                .hasMessageContaining("full-pass command");
    }

    @Test
    void aChangelogSourceWithADetailCheckIsTheSameInSqlSetConfigurationAndTheBuilder() {
        Map<String, String> o = options();
        o.put("changelog.mode", "delete");
        o.put("pass.interval", "1 h");
        Map<String, String> detail = EndpointPresets.kuaishouOrderDetail(BASE);
        detail.forEach((k, v) -> o.put("pass.check.endpoint." + k, v));
        o.put("pass.check.not-found-codes", "2001; 2002");
        o.put("pass.check.not-found-message", "订单不存在");
        HttpSyncSourceBuilder<RawRecord> b = builder();
        HttpSyncSource<RawRecord> builder =
                b.setContinuous(START, SyncPlan.DEFAULT_LAG, SyncPlan.DEFAULT_DISCOVERY_INTERVAL)
                        .setFullPasses(
                                FullPasses.every(Duration.ofHours(1))
                                        .withCheck(
                                                new DetailApiCheck(
                                                        EndpointSpec.fromOptions(detail),
                                                        TENANTS,
                                                        Set.of("2001", "2002"),
                                                        "订单不存在")))
                        .build();

        assertThat(builder.fullPasses().check()).isNotNull();
        assertSameSource(fromSql(o), builder);
        assertSameSource(fromConfiguration(o), builder);
    }

    @Test
    void aDetailCheckWithoutItsNotFoundCodesIsRefusedNamingTheOption() {
        Map<String, String> o = options();
        o.put("changelog.mode", "delete");
        o.put("pass.interval", "1 h");
        EndpointPresets.kuaishouOrderDetail(BASE)
                .forEach((k, v) -> o.put("pass.check.endpoint." + k, v));

        assertThatThrownBy(() -> fromConfiguration(o))
                .hasMessageContaining("'pass.check.not-found-codes' is required");
    }

    @Test
    void aChangelogPassCheckInAFileIsRefusedPointingToTheFullPassCommand() {
        Map<String, String> file = file(options());
        file.put("httpsync.pass.check.endpoint.url", BASE);

        assertThatThrownBy(() -> new SyncPipeline(file))
                .hasMessageContaining("sync job setting 'httpsync.pass.check.endpoint.url'")
                .hasMessageContaining("full-pass command");
    }

    private static final List<Tenant> TENANTS =
            List.of(
                    Tenant.of("shop-1", Map.of("app-key", "key-1")),
                    Tenant.of("shop-2", Map.of("app-key", "key-2")));

    private static io.httpsync.connector.source.HttpSyncSourceBuilder<RawRecord> builder() {
        Map<String, String> endpoint = Demo.kuaishouSimulatorOptions(BASE);
        return HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(endpoint))
                .setTenants(TENANTS)
                .setDeserializer(RecordDeserializer.raw());
    }

    private static HttpSyncSource<RawRecord> fromSql(Map<String, String> options) {
        Map<String, String> table = new LinkedHashMap<>(options);
        table.put("connector", "httpsync");
        table.put("format", "json");
        return HttpSyncDynamicTableFactory.scanSource(table);
    }

    private static HttpSyncSource<RawRecord> fromConfiguration(Map<String, String> options) {
        return HttpSyncSource.<RawRecord>builder()
                .setConfiguration(Configuration.fromMap(options))
                .setDeserializer(RecordDeserializer.raw())
                .build();
    }

    private static HttpSyncSource<RawRecord> fromFile(Map<String, String> options) {
        return new SyncPipeline(file(options)).source();
    }

    private static Map<String, String> file(Map<String, String> options) {
        Map<String, String> file = new LinkedHashMap<>();
        file.put("source.name", "orders");
        file.put("jdbc.url", "jdbc:postgresql://localhost:1/orders");
        options.forEach((k, v) -> file.put(SyncJobOptions.SOURCE_PREFIX + k, v));
        return file;
    }

    /**
     * A file as written before the source's keys were the connector's: {@code source.*}, tenants
     * separated by ','.
     */
    private static HttpSyncSource<RawRecord> fromLegacyFile(boolean bounded) {
        Map<String, String> file = new LinkedHashMap<>();
        file.put("source.name", "orders");
        Demo.kuaishouSimulatorOptions(BASE).forEach((k, v) -> file.put("source.endpoint." + k, v));
        file.put("source.tenants", "shop-1, shop-2");
        file.put("source.tenant.shop-1.app-key", "key-1");
        file.put("source.tenant.shop-2.app-key", "key-2");
        file.put("source.start", START.toString());
        if (bounded) {
            file.put("source.mode", "bounded");
            file.put("source.end", END.toString());
        }
        return new SyncPipeline(file).source();
    }

    private static void assertSameSource(
            HttpSyncSource<RawRecord> actual, HttpSyncSource<RawRecord> expected) {
        assertThat(actual)
                .usingRecursiveComparison()
                .usingOverriddenEquals()
                .ignoringFields(NOT_FROM_OPTIONS)
                .isEqualTo(expected);
    }
}
