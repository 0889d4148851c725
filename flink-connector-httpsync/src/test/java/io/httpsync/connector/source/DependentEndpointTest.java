package io.httpsync.connector.source;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
}
