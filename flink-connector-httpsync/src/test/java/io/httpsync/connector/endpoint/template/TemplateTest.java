package io.httpsync.connector.endpoint.template;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.TimeFormat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

    /** 2024-01-01T00:00:00+08:00. */
    private static final long NEW_YEAR = 1_704_038_400_000L;

    @Test
    void textTemplatesInsertValuesAsTheyAre() {
        Template t = Template.text("https://${tenant.host}/api?x=${page}&y=$${literal}");
        assertThat(t.placeholders()).containsExactly("tenant.host", "page");
        assertThat(t.render(Map.of("tenant.host", "h.example", "page", "3")::get))
                .isEqualTo("https://h.example/api?x=3&y=${literal}");
    }

    @Test
    void jsonTemplatesEscapeValuesInsideStringsOnly() throws Exception {
        Template t =
                Template.json(
                        "{\"cursor\":\"${cursor}\",\"size\":${pageSize},\"note\":\"a \\\"${x}\\\" b\"}");
        String nasty = "he said \"hi\"\\\n\u0001";
        String rendered = t.render(Map.of("cursor", nasty, "pageSize", "50", "x", "q\"")::get);
        JsonNode doc = JSON.readTree(rendered);
        assertThat(doc.get("cursor").asText()).isEqualTo(nasty);
        assertThat(doc.get("size").asInt()).isEqualTo(50);
        assertThat(doc.get("note").asText()).isEqualTo("a \"q\"\" b");
        assertThat(t.unquotedPlaceholders()).containsExactly("pageSize");
    }

    @Test
    void malformedPlaceholdersAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> Template.text("abc ${page"))
                .hasMessage("unterminated placeholder '${page' at index 4");
        assertThatThrownBy(() -> Template.text("a${}b"))
                .hasMessageStartingWith("malformed placeholder '${}' at index 1");
        assertThatThrownBy(() -> Template.text("${a b}"))
                .hasMessageStartingWith("malformed placeholder '${a b}'");
    }

    @Test
    void timesAreFormattedPerTimeFormatAndZone() {
        Tenant tenant = Tenant.of("shop-1", Map.of("app-key", "ks1"));
        TemplateVariables millis =
                TemplateVariables.forListRequest(
                        tenant,
                        NEW_YEAR + 5,
                        TimeFormat.of("epoch-millis"),
                        SHANGHAI,
                        NEW_YEAR,
                        NEW_YEAR + 1000,
                        Map.of("page", "1"),
                        "tok");
        assertThat(millis.apply("window.start")).isEqualTo("1704038400000");
        assertThat(millis.apply("window.end")).isEqualTo("1704038401000");
        assertThat(millis.apply("now.epoch-seconds")).isEqualTo("1704038400");
        assertThat(millis.apply("now")).isEqualTo("1704038400005");
        assertThat(millis.apply("tenant.app-key")).isEqualTo("ks1");
        assertThat(millis.apply("tenant.id")).isEqualTo("shop-1");
        assertThat(millis.apply("page")).isEqualTo("1");

        TemplateVariables pattern =
                TemplateVariables.forListRequest(
                        tenant,
                        NEW_YEAR,
                        TimeFormat.of("yyyy-MM-dd HH:mm:ss"),
                        SHANGHAI,
                        NEW_YEAR,
                        NEW_YEAR + 1999,
                        Map.of(),
                        null);
        assertThat(pattern.apply("window.start")).isEqualTo("2024-01-01 00:00:00");
        assertThat(pattern.apply("window.end")).isEqualTo("2024-01-01 00:00:01");
        TemplateVariables seconds =
                TemplateVariables.forTokenRequest(
                        tenant, NEW_YEAR + 999, TimeFormat.of("epoch-seconds"), SHANGHAI);
        assertThat(seconds.apply("now")).isEqualTo("1704038400");
    }

    @Test
    void inclusiveEndsAreSentOneUnitEarlier() {
        EndpointSpec taobao = EndpointSpec.fromOptions(EndpointPresets.taobaoTradesIncrement());
        EndpointSpec kuaishou = EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders());
        assertThat(taobao.timeFormat().format(taobao.windowEndSent(NEW_YEAR), SHANGHAI))
                .isEqualTo("2023-12-31 23:59:59");
        assertThat(kuaishou.windowEndSent(NEW_YEAR)).isEqualTo(NEW_YEAR);
    }

    @Test
    void unavailableValuesNameTheTenantAndPropertyButNoValue() {
        Tenant tenant = Tenant.of("shop-1", Map.of("app-secret", "s3cr3t-value"));
        TemplateVariables v =
                TemplateVariables.forTokenRequest(
                        tenant, NEW_YEAR, TimeFormat.of("epoch-millis"), SHANGHAI);
        assertThatThrownBy(() -> v.apply("tenant.app-key"))
                .hasMessageContaining("tenant 'shop-1' has no property 'app-key'")
                .hasMessageContaining("app-secret")
                .hasMessageNotContaining("s3cr3t-value");
        assertThatThrownBy(() -> v.apply("token")).hasMessageContaining("${token} has no value");
    }

    @Test
    void timeFormatsReadBackWhatTheyWrite() {
        TimeFormat pattern = TimeFormat.of("yyyy-MM-dd HH:mm:ss");
        assertThat(pattern.parse("2024-01-01 00:00:01", SHANGHAI)).isEqualTo(NEW_YEAR + 1000);
        assertThat(pattern.unitMillis()).isEqualTo(1000);
        assertThat(TimeFormat.of("yyyy-MM-dd HH:mm").unitMillis()).isEqualTo(60_000);
        assertThat(TimeFormat.of("yyyy-MM-dd'T'HH:mm:ss.SSS").unitMillis()).isEqualTo(1);
        assertThat(TimeFormat.of("yyyyMMdd").parse("20240101", SHANGHAI)).isEqualTo(NEW_YEAR);
        assertThat(
                        TimeFormat.of("epoch-seconds")
                                .parse(JSON.getNodeFactory().textNode("1704038400"), SHANGHAI))
                .isEqualTo(NEW_YEAR);
        assertThat(
                        TimeFormat.of("epoch-millis")
                                .parse(JSON.getNodeFactory().numberNode(NEW_YEAR), SHANGHAI))
                .isEqualTo(NEW_YEAR);
        assertThatThrownBy(() -> pattern.parse("01/01/2024", SHANGHAI))
                .hasMessageContaining("does not match the time format");
    }
}
