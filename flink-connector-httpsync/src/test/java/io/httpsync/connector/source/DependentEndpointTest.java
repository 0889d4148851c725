package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A dependent endpoint read from options, the ids read from a parent, a parent's version. */
class DependentEndpointTest {
    private static Map<String, String> detail() {
        Map<String, String> o = new TreeMap<>();
        o.put("url", "http://localhost/detail");
        o.put("request.param.id", "${tenant.record.id}");
        o.put("response.records-path", "/data");
        o.put("response.single-record", "true");
        o.put("dependent.ids-path", "/org/id");
        return o;
    }

    @Test
    void optionsDescribeADetailApiPerIdWithItsDedupeSettings() {
        Map<String, String> o = detail();
        o.put("dependent.ttl", "1 d");
        DependentEndpoint d = DependentEndpoint.fromOptions(o);
        assertThat(d.kind()).isEqualTo(DependentEndpoint.Kind.DETAIL);
        assertThat(d.idsPath()).isEqualTo("/org/id");
        assertThat(d.ttl()).isEqualTo(Duration.ofDays(1));
        assertThat(d.endpoint().toOptions()).containsEntry("url", "http://localhost/detail");
        assertThat(DependentEndpoint.isKey("dependent.max-in-flight")).isTrue();
        assertThat(DependentEndpoint.isKey("table")).isFalse();
    }

    @Test
    void aDescriptionThatCannotWorkIsRefusedNamingItsOption() {
        Map<String, String> noIds = detail();
        noIds.remove("dependent.ids-path");
        assertThatThrownBy(() -> DependentEndpoint.fromOptions(noIds))
                .hasMessageContaining("'dependent.ids-path' is required");
        Map<String, String> notSingle = detail();
        notSingle.remove("response.single-record");
        assertThatThrownBy(() -> DependentEndpoint.fromOptions(notSingle))
                .hasMessageContaining("'response.single-record' must be true");
        Map<String, String> listWithoutIds = detail();
        listWithoutIds.put("dependent.kind", "list");
        assertThatThrownBy(() -> DependentEndpoint.fromOptions(listWithoutIds))
                .hasMessageContaining("'response.record.id-path' is required");
    }

    @Test
    void idsAreAValueOrTheValuesOfAnArrayAndAChangedParentIsANewVersion() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertThat(ChildIds.ids(json.readTree("{\"a\":[1,\"x\",null,1]}").at("/a")))
                .containsExactly("1", "x");
        assertThat(ChildIds.ids(json.readTree("{\"a\":7}").at("/a"))).containsExactly("7");
        assertThat(ChildIds.ids(json.readTree("{}").at("/a"))).isEmpty();

        RawRecord parent = new RawRecord(new RecordMeta("t", "p", 5, 0, 1, 9), "{\"v\":1}");
        RawRecord sameAgain = new RawRecord(new RecordMeta("t", "p", 5, 0, 1, 10), "{\"v\":1}");
        RawRecord changed = new RawRecord(new RecordMeta("t", "p", 5, 0, 1, 10), "{\"v\":2}");
        assertThat(ChildIds.version(sameAgain)).isEqualTo(ChildIds.version(parent));
        assertThat(ChildIds.version(changed)).isNotEqualTo(ChildIds.version(parent));
    }

    private static final String KUAISHOU = "http://127.0.0.1:9/kuaishou";

    /** Kuaishou's order detail with tokens from refresh tokens that rotate (single use). */
    private static DependentEndpoint rotatingDetail(String tokenUrl) {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrderDetail(KUAISHOU));
        o.putAll(EndpointPresets.kuaishouRefreshTokens(KUAISHOU));
        o.put("auth.token.url", tokenUrl);
        return DependentEndpoint.detailPerId(EndpointSpec.fromOptions(o), "/oid").build();
    }

    /** The order list source with the same token request, and a tenant registry if given. */
    private static HttpSyncSource<RawRecord> source(Map<String, String> registry) {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrders(KUAISHOU));
        o.putAll(EndpointPresets.kuaishouRefreshTokens(KUAISHOU));
        o.put("scan.start", "2024-01-01T00:00:00Z");
        o.put("scan.mode", "continuous");
        o.putAll(registry);
        if (registry.isEmpty()) o.put("tenants", "shop-1");
        return HttpSyncSource.<RawRecord>builder()
                .setConfiguration(Configuration.fromMap(o))
                .setDeserializer(RecordDeserializer.raw())
                .build();
    }

    private static DataStream<RawRecord> parents() {
        return StreamExecutionEnvironment.getExecutionEnvironment()
                .fromData(new RawRecord(new RecordMeta("shop-1", "1", 0, 0, 1, 0), "{\"oid\":1}"));
    }

    @Test
    void aChildSpendingARotatingRefreshTokenWithoutATokenStoreIsRefusedNamingWhatToConfigure() {
        DependentEndpoint detail = rotatingDetail(KUAISHOU + "/oauth2/refresh_token");
        List<Tenant> tenants = List.of(Tenant.of("shop-1", Map.of("refresh-token", "r")));
        for (Runnable build :
                List.<Runnable>of(
                        () -> HttpSyncStreams.dependent(parents(), detail, tenants, "d"),
                        () -> HttpSyncStreams.dependent(parents(), detail, source(Map.of()), "d"),
                        () ->
                                HttpSyncStreams.dependent(
                                        parents(),
                                        detail,
                                        source(
                                                Map.of(
                                                        "tenants.registry.url",
                                                        "jdbc:postgresql://db/app",
                                                        "tenants.registry.token-store",
                                                        "false")),
                                        "d"))) {
            assertThatThrownBy(build::run)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dependent endpoint 'kuaishou/open.order.detail'")
                    .hasMessageContaining("'auth.token.refresh-token-path' is set")
                    .hasMessageContaining("'tenants.registry.url'")
                    .hasMessageContaining("'tenants.registry.token-store' = true");
        }
    }

    @Test
    void aChildSharingTheSourcesTokenStoreMustAskForTokensAsTheSourceDoes() {
        HttpSyncSource<RawRecord> withStore =
                source(Map.of("tenants.registry.url", "jdbc:postgresql://db/app"));
        HttpSyncStreams.dependent(
                parents(), rotatingDetail(KUAISHOU + "/oauth2/refresh_token"), withStore, "same");
        assertThatThrownBy(
                        () ->
                                HttpSyncStreams.dependent(
                                        parents(),
                                        rotatingDetail("http://127.0.0.1:9/other/token"),
                                        withStore,
                                        "other"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shares the source's tenant tokens")
                .hasMessageContaining("[auth.token.url]")
                .hasMessageNotContaining("127.0.0.1");
    }
}
