package io.httpsync.connector.endpoint;

import io.httpsync.connector.endpoint.pagination.PageContent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Documents carried as strings ({@code response.json-string-paths}), decoded before extraction. */
class JsonStringDocumentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESULT = "/resp/queryResult";

    private static EndpointSpec spec(String paths, Map<String, String> more) {
        Map<String, String> o = new HashMap<>();
        o.put("name", "jd/rows");
        o.put("url", "https://example.com/routerjson");
        o.put("response.json-string-paths", paths);
        o.put("response.records-path", RESULT + "/data");
        o.put("response.has-next-path", RESULT + "/hasMore");
        o.putAll(more);
        return EndpointSpec.fromOptions(o);
    }

    private static JsonNode decoded(String paths, String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        new JsonStringDocuments(spec(paths, Map.of())).decode(json);
        return json;
    }

    /** A JSON string holding {@code document}, as a platform writes it into its answer. */
    private static String quoted(String document) throws Exception {
        return JSON.writeValueAsString(document);
    }

    @Test
    void everyResponsePointerReadsInsideTheDecodedDocument() throws Exception {
        EndpointSpec spec =
                spec(
                        RESULT,
                        Map.of(
                                "response.cursor-path", RESULT + "/next",
                                "response.total-path", RESULT + "/total",
                                "response.error-code-path", RESULT + "/code;/resp/code",
                                "response.error-message-path", RESULT + "/message"));
        JsonNode body =
                JSON.readTree(
                        "{\"resp\":{\"code\":\"0\",\"queryResult\":"
                                + quoted(
                                        "{\"code\":200,\"message\":\"success\",\"hasMore\":true,\"total\":7,"
                                                + "\"next\":\"c2\",\"data\":[{\"id\":\"1\"},{\"id\":\"2\"}]}")
                                + "}}");
        new JsonStringDocuments(spec).decode(body);
        ResponseExtractor x = new ResponseExtractor(spec);
        PageContent page = x.extract(body);
        assertThat(page.records()).extracting(r -> r.path("id").asText()).containsExactly("1", "2");
        assertThat(page.more()).isTrue();
        assertThat(page.total()).isEqualTo(7L);
        assertThat(page.cursor()).isEqualTo("c2");
        assertThat(x.code(body)).isEqualTo("200");
        assertThat(x.message(body)).isEqualTo("success");
    }

    @Test
    void anAbsentOrNullDocumentIsSkippedAndAnObjectIsLeftAsItIs() throws Exception {
        assertThat(decoded(RESULT, "{\"error_response\":{\"code\":\"13\"}}").toString())
                .isEqualTo("{\"error_response\":{\"code\":\"13\"}}");
        assertThat(decoded(RESULT, "{\"resp\":{\"queryResult\":null}}").toString())
                .isEqualTo("{\"resp\":{\"queryResult\":null}}");
        assertThat(decoded(RESULT, "{\"resp\":{\"queryResult\":{\"hasMore\":false}}}").toString())
                .isEqualTo("{\"resp\":{\"queryResult\":{\"hasMore\":false}}}");
    }

    @Test
    void aLaterPointerReadsInsideADocumentAnEarlierOneDecodedAndArrayItemsDecodeToo()
            throws Exception {
        String inner = quoted("{\"rows\":[" + quoted("{\"id\":9}") + "]}");
        JsonNode body =
                decoded(
                        RESULT + ";" + RESULT + "/rows/0",
                        "{\"resp\":{\"queryResult\":" + inner + "}}");
        assertThat(body.at(RESULT + "/rows/0/id").asInt()).isEqualTo(9);
    }

    @Test
    void aValueThatIsNotAStringFailsNamingTheOptionPointerAndEndpoint() {
        assertThatThrownBy(() -> decoded(RESULT, "{\"resp\":{\"queryResult\":42}}"))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessage(
                        "option 'response.json-string-paths' of endpoint 'jd/rows': '/resp/queryResult'"
                                + " is a number, not a string");
    }

    @Test
    void malformedInnerJsonFailsNamingThePointerAndShowingTheStart() {
        assertThatThrownBy(
                        () ->
                                decoded(
                                        RESULT,
                                        "{\"resp\":{\"queryResult\":\"{\\\"code\\\":200,\\\"data\\\":[\"}}"))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageStartingWith(
                        "option 'response.json-string-paths' of endpoint 'jd/rows': '/resp/queryResult'"
                                + " is a string that is not valid JSON (")
                .hasMessageEndingWith("): '{\"code\":200,\"data\":['");
        assertThatThrownBy(() -> decoded(RESULT, "{\"resp\":{\"queryResult\":\"success\"}}"))
                .hasMessageContaining("is a string that is not valid JSON");
        assertThatThrownBy(() -> decoded(RESULT, "{\"resp\":{\"queryResult\":\"\"}}"))
                .hasMessageEndingWith(
                        "is a string holding nothing, not a JSON object or array: (empty)");
        assertThatThrownBy(() -> decoded(RESULT, "{\"resp\":{\"queryResult\":\"17\"}}"))
                .hasMessageEndingWith(
                        "is a string holding a JSON number, not a JSON object or array: '17'");
    }

    @Test
    void theOptionTakesJsonPointersAndIsKeptInTheOptions() {
        assertThatThrownBy(() -> spec("$.resp.queryResult", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("response.json-string-paths")
                .hasMessageContaining("not a valid JSON pointer");
        assertThat(spec(RESULT, Map.of()).toOptions())
                .containsEntry("response.json-string-paths", RESULT);
    }
}
