package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.enumerator.SyncPlan;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lag of a bounded source: its end must lie that far in the past when the sync starts. */
class HttpSyncSourceBuilderTest {
    static HttpSyncSourceBuilder<RawRecord> builder() {
        return HttpSyncSource.<RawRecord>builder()
                .setEndpoint(
                        EndpointSpec.fromOptions(
                                EndpointPresets.kuaishouOrders("http://localhost:1")))
                .setTenants(List.of(Tenant.of("shop-1", Map.of())))
                .setDeserializer(RecordDeserializer.raw());
    }

    @Test
    void aBoundedEndWithinTheDefaultLagIsRefusedNamingTheLag() {
        long now = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();
        Instant end = Instant.ofEpochMilli(now - 10_000);
        SyncPlan plan = builder().setBounded(end.minus(Duration.ofDays(1)), end).build().plan;

        assertThatThrownBy(() -> plan.checkTimeRange(now))
                .hasMessageContaining(
                        "option 'scan.end': " + end + " is later than now minus 'scan.lag'")
                .hasMessageContaining(TimeUtils.formatWithHighestUnit(SyncPlan.DEFAULT_LAG));
    }

    @Test
    void aTenantRegistryNeedsNoFixedTenantsButAContinuousScanAndHidesItsOptions() {
        Map<String, String> options = EndpointPresets.kuaishouOrders("http://localhost:1");
        options.put("scan.start", "2026-01-01T00:00:00Z");
        options.put("tenants.registry.url", "jdbc:postgresql://db:5432/app?password=Secret-123");
        options.put("tenants.registry.password", "Secret-456");
        options.put("tenants.registry.poll-interval", "5 s");
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setConfiguration(Configuration.fromMap(options))
                        .setDeserializer(RecordDeserializer.raw())
                        .build();
        assertThat(source.tenants).isEmpty();
        assertThat(source.registry.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(source.registry.toString()).doesNotContain("Secret");

        options.put("scan.mode", "bounded");
        options.put("scan.end", "2026-01-02T00:00:00Z");
        assertThatThrownBy(
                        () ->
                                HttpSyncSource.<RawRecord>builder()
                                        .setConfiguration(Configuration.fromMap(options))
                                        .setDeserializer(RecordDeserializer.raw())
                                        .build())
                .hasMessageContaining("option 'tenants.registry.url' needs continuous mode");
    }

    @Test
    void aBoundedSourceOfFixedTenantsMayTakeTheirTokensFromARegistrysStoreButNeedsTenants() {
        Map<String, String> options = EndpointPresets.kuaishouOrders("http://localhost:1");
        options.put("scan.start", "2026-01-01T00:00:00Z");
        options.put("scan.mode", "bounded");
        options.put("scan.end", "2026-01-02T00:00:00Z");
        // the options name the registry; the job replaces it with its token store alone, as the
        // config-file job's full-pass does
        options.put("tenants.registry.url", "jdbc:postgresql://db:5432/app");
        TenantRegistrySpec tokensOnly =
                TenantRegistrySpec.jdbc(
                                Map.of("url", "jdbc:postgresql://db:5432/app"),
                                Duration.ofSeconds(30))
                        .forTokensOnly();
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setConfiguration(Configuration.fromMap(options))
                        .setTenants(List.of(Tenant.of("shop-1")))
                        .setTenantRegistry(tokensOnly)
                        .setDeserializer(RecordDeserializer.raw())
                        .build();
        assertThat(source.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
        assertThat(source.registry.readsTenants()).isFalse();
        assertThat(source.registry.usesTokenStore()).isTrue();

        assertThatThrownBy(
                        () ->
                                HttpSyncSource.<RawRecord>builder()
                                        .setConfiguration(Configuration.fromMap(options))
                                        .setTenantRegistry(tokensOnly)
                                        .setDeserializer(RecordDeserializer.raw())
                                        .build())
                .as("a registry serving only its token store gives no tenants")
                .hasMessageContaining("must name at least one tenant");
    }

    @Test
    void aScanSourceWithoutRecordIdOrTimePathsIsRefusedNamingTheOption() {
        for (String option : List.of("response.record.id-path", "response.record.time-path")) {
            Map<String, String> o = EndpointPresets.kuaishouOrders("http://localhost:1");
            o.remove(option);
            HttpSyncSourceBuilder<RawRecord> b =
                    builder()
                            .setEndpoint(EndpointSpec.fromOptions(o))
                            .setBounded(
                                    Instant.parse("2026-01-01T00:00:00Z"),
                                    Instant.parse("2026-01-02T00:00:00Z"));
            assertThatThrownBy(b::build)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(
                            "option '" + option + "' is required with a scan source");
        }
    }

    @Test
    void aUserClassThatCannotBeUsedIsRefusedByBuildNamingTheOption() {
        Map<String, String> o = EndpointPresets.kuaishouOrders("http://localhost:1");
        o.put("response.transformer", "com.acme.tickets.NoSuchTransformer");
        HttpSyncSourceBuilder<RawRecord> missing =
                builder()
                        .setEndpoint(EndpointSpec.fromOptions(o))
                        .setBounded(
                                Instant.parse("2026-01-01T00:00:00Z"),
                                Instant.parse("2026-01-02T00:00:00Z"));
        assertThatThrownBy(missing::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "option 'response.transformer': class 'com.acme.tickets.NoSuchTransformer'"
                                + " cannot be loaded by the job's class loader");

        o.remove("response.transformer");
        o.put("request.signer", "com.acme.tickets.Misfits$NotATransformer");
        HttpSyncSourceBuilder<RawRecord> wrongType =
                builder()
                        .setEndpoint(EndpointSpec.fromOptions(o))
                        .setBounded(
                                Instant.parse("2026-01-01T00:00:00Z"),
                                Instant.parse("2026-01-02T00:00:00Z"));
        assertThatThrownBy(wrongType::build)
                .hasMessageContaining("option 'request.signer'")
                .hasMessageContaining("does not implement io.httpsync.connector.auth.CustomSigner");

        o.put("request.signer", "com.acme.tickets.SignTicketRequest");
        assertThatCode(
                        () ->
                                builder()
                                        .setEndpoint(EndpointSpec.fromOptions(o))
                                        .setBounded(
                                                Instant.parse("2026-01-01T00:00:00Z"),
                                                Instant.parse("2026-01-02T00:00:00Z"))
                                        .build())
                .doesNotThrowAnyException();
    }

    @Test
    void aBoundedSourceTakesTheLagItIsGiven() {
        long now = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();
        Instant end = Instant.ofEpochMilli(now - 10_000);
        SyncPlan plan =
                builder()
                        .setBounded(end.minus(Duration.ofDays(1)), end, Duration.ofSeconds(5))
                        .build()
                        .plan;

        assertThatCode(() -> plan.checkTimeRange(now)).doesNotThrowAnyException();
        assertThatThrownBy(
                        () ->
                                builder()
                                        .setBounded(
                                                end.minus(Duration.ofDays(1)),
                                                end,
                                                Duration.ofSeconds(-1))
                                        .build())
                .hasMessageContaining("option 'scan.lag' must not be negative");
    }
}
