package io.httpsync.connector.endpoint;

import io.httpsync.connector.endpoint.pagination.PageContent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shape checks of a response: where the records are, and whether each record has an id and a
 * time.
 */
class ResponseExtractorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResponseExtractor extractor(Map<String, String> more) {
        Map<String, String> o = new HashMap<>();
        o.put("url", "https://example.com/orders");
        o.put("response.records-path", "/data/list");
        o.put("response.total-path", "/data/total");
        o.put("response.has-next-path", "/data/more");
        o.putAll(more);
        return new ResponseExtractor(EndpointSpec.fromOptions(o));
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void aRecordsPathThatMatchesNothingIsAnErrorThatShowsWhereTheResponseLeavesIt()
            throws Exception {
        ResponseExtractor x = extractor(Map.of());
        assertThatThrownBy(() -> x.extract(json("{\"data\":{\"items\":[{\"id\":1}],\"total\":1}}")))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessage(
                        "option 'response.records-path' /data/list matches nothing in the response ('/data' has the fields"
                                + " [items, total]); if the platform leaves the records out of empty pages, set"
                                + " 'response.records-may-be-absent' = true");
        assertThatThrownBy(() -> x.extract(json("{\"result\":{}}")))
                .hasMessageContaining("(the top level has the fields [result])");
        assertThatThrownBy(() -> x.extract(json("{\"data\":{\"list\":null}}")))
                .hasMessageContaining("matches nothing");
        assertThat(x.extract(json("{\"data\":{\"list\":[],\"total\":0}}")).records()).isEmpty();
    }

    @Test
    void withTheOptInAMissingArrayIsAnEmptyPageUnlessTotalOrHasNextSayOtherwise() throws Exception {
        ResponseExtractor x = extractor(Map.of("response.records-may-be-absent", "true"));
        PageContent empty = x.extract(json("{\"data\":{\"total\":0,\"more\":false}}"));
        assertThat(empty.records()).isEmpty();
        assertThat(x.extract(json("{\"data\":{}}")).records()).isEmpty();
        assertThatThrownBy(() -> x.extract(json("{\"data\":{\"items\":[{}],\"total\":150}}")))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessage(
                        "the response has no records at 'response.records-path' /data/list, but its total at '/data/total' is 150");
        assertThatThrownBy(() -> x.extract(json("{\"data\":{\"more\":true}}")))
                .hasMessageContaining("has-next flag at '/data/more' is true");
    }

    @Test
    void withTheOptInAPageBeyondTheTotalIsEmptyWithoutTheArray() throws Exception {
        ResponseExtractor x = extractor(Map.of("response.records-may-be-absent", "true"));
        // TOP: page 5 of 40 after a record left the window (total 159), or read to prove the end
        assertThat(x.extract(json("{\"data\":{\"total\":159}}"), 160).records()).isEmpty();
        assertThatThrownBy(() -> x.extract(json("{\"data\":{\"total\":159}}"), 120))
                .hasMessage(
                        "the response has no records at 'response.records-path' /data/list, but its total at"
                                + " '/data/total' is 159, more than the 120 records before this page");
    }

    @Test
    void aDetailApiReadsAMissingRecordAsNotFound() throws Exception {
        ResponseExtractor x = extractor(Map.of("response.single-record", "true"));
        assertThat(x.extract(json("{\"data\":{}}")).records()).isEmpty();
        assertThat(x.extract(json("{\"data\":{\"list\":{\"id\":7}}}")).records()).hasSize(1);
    }

    @Test
    void recordFieldsSayWhichOptionCannotBeRead() throws Exception {
        Map<String, String> o = new HashMap<>();
        o.put("url", "https://example.com/orders");
        o.put("response.records-path", "/list");
        o.put("response.record.id-path", "/id");
        o.put("response.record.time-path", "/t");
        o.put("time.format", "yyyy-MM-dd HH:mm:ss");
        RecordFields fields = new RecordFields(EndpointSpec.fromOptions(o));
        assertThat(fields.unreadable(json("{\"id\":\"a\",\"t\":\"2024-05-01 10:00:00\"}")))
                .isNull();
        assertThat(fields.unreadable(json("{\"t\":\"2024-05-01 10:00:00\"}")))
                .isEqualTo("a record has no id at '/id' (option 'response.record.id-path')");
        assertThat(fields.unreadable(json("{\"id\":{\"x\":1},\"t\":\"2024-05-01 10:00:00\"}")))
                .contains("no id");
        assertThat(fields.unreadable(json("{\"id\":\"a\"}")))
                .isEqualTo("a record has no time at '/t' (option 'response.record.time-path')");
        assertThat(fields.unreadable(json("{\"id\":\"a\",\"t\":\"yesterday\"}")))
                .isEqualTo(
                        "the record time at '/t' (option 'response.record.time-path'): 'yesterday' does not match the time format 'yyyy-MM-dd HH:mm:ss'");
    }
}
