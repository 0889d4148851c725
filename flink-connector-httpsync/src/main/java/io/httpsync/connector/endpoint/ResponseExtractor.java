package io.httpsync.connector.endpoint;

import io.httpsync.connector.endpoint.pagination.PageContent;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the pagination and the error classifier need from a parsed response: records, cursor,
 * end flag, total, error code and message, at the pointers of the endpoint description. Immutable
 * and thread-safe.
 */
@Internal
public final class ResponseExtractor {
    private static final int MAX_NAMES_SHOWN = 20;
    private final EndpointSpec.ResponseSettings settings;
    private final JsonPointer records;
    private final JsonPointer cursor;
    private final JsonPointer hasNext;
    private final JsonPointer lastPage;
    private final JsonPointer total;
    private final List<JsonPointer> codes;
    private final List<JsonPointer> messages;

    public ResponseExtractor(EndpointSpec spec) {
        this.settings = spec.response();
        this.records = JsonPointer.compile(settings.recordsPath());
        this.cursor = compileOrNull(settings.cursorPath());
        this.hasNext = compileOrNull(settings.hasNextPath());
        this.lastPage = compileOrNull(settings.lastPagePath());
        this.total = compileOrNull(settings.totalPath());
        this.codes = settings.errorCodePaths().stream().map(JsonPointer::compile).toList();
        this.messages = settings.errorMessagePaths().stream().map(JsonPointer::compile).toList();
    }

    private static JsonPointer compileOrNull(String p) {
        return p == null ? null : JsonPointer.compile(p);
    }

    /**
     * The platform's code: the first present of {@code response.error-code-path}, as text; null if
     * none.
     */
    public String code(JsonNode body) {
        JsonNode n = JsonPointers.firstPresent(body, codes);
        return n == null ? null : n.asText();
    }

    /**
     * The platform's message: the first present of {@code response.error-message-path}; null if
     * none.
     */
    public String message(JsonNode body) {
        JsonNode n = JsonPointers.firstPresent(body, messages);
        return n == null ? null : n.isValueNode() ? n.asText() : n.toString();
    }

    /**
     * The page's content. A records node that is missing (or null) is an error, so that a path that
     * matches nothing cannot read every window as empty; unless {@code
     * response.records-may-be-absent} says the platform leaves the array out of empty pages (TOP
     * omits {@code trades}), and neither the total nor the end flag says there are records. For a
     * detail API ({@code response.single-record}) a missing record is "not found". The same as
     * {@code extract(body, 0)}: a page at the start of the window.
     *
     * @throws ResponseFormatException if the records are missing (as above) or not an array (nor
     *     one object with 'response.single-record'), or the total or has-next is not readable
     */
    public PageContent extract(JsonNode body) {
        return extract(body, 0);
    }

    /**
     * The content of a page that starts after {@code recordsBefore} records of the window: with
     * {@code response.records-may-be-absent}, a missing array says "no records" unless the total
     * counts records at or after that position (a page beyond the last one, read to prove the end
     * or after records left the window, is empty while the total is not 0).
     */
    public PageContent extract(JsonNode body, long recordsBefore) {
        JsonNode r = JsonPointers.present(body, records);
        Long pageTotal = total(body);
        Boolean more = flag(body, hasNext, settings.hasNextPath());
        Boolean last = flag(body, lastPage, settings.lastPagePath());
        List<JsonNode> list = new ArrayList<>();
        if (r == null) {
            if (!settings.singleRecord())
                checkRecordsMayBeAbsent(body, pageTotal, more, last, recordsBefore);
        } else if (r.isObject() && settings.singleRecord()) {
            list.add(r);
        } else {
            if (!r.isArray()) {
                throw new ResponseFormatException(
                        "'"
                                + settings.recordsPath()
                                + "' is a "
                                + r.getNodeType().name().toLowerCase()
                                + ", not an array of records");
            }
            r.forEach(list::add);
        }
        return new PageContent(list, cursor(body), more, pageTotal, last);
    }

    private void checkRecordsMayBeAbsent(
            JsonNode body, Long pageTotal, Boolean more, Boolean last, long recordsBefore) {
        String path =
                "'" + EndpointOptions.RESPONSE_RECORDS_PATH.key() + "' " + settings.recordsPath();
        if (!settings.recordsMayBeAbsent()) {
            throw new ResponseFormatException(
                    "option "
                            + path
                            + " matches nothing in the response ("
                            + nearestPresent(body)
                            + "); if the platform leaves the records out of empty pages, set '"
                            + EndpointOptions.RESPONSE_RECORDS_MAY_BE_ABSENT.key()
                            + "' = true");
        }
        if (pageTotal != null && pageTotal > recordsBefore) {
            throw new ResponseFormatException(
                    "the response has no records at "
                            + path
                            + ", but its total at '"
                            + settings.totalPath()
                            + "' is "
                            + pageTotal
                            + (recordsBefore == 0
                                    ? ""
                                    : ", more than the "
                                            + recordsBefore
                                            + " records before this page"));
        }
        if (Boolean.TRUE.equals(more)) {
            throw new ResponseFormatException(
                    "the response has no records at "
                            + path
                            + ", but its has-next flag at '"
                            + settings.hasNextPath()
                            + "' is true");
        }
        if (Boolean.FALSE.equals(last)) {
            throw new ResponseFormatException(
                    "the response has no records at "
                            + path
                            + ", but its last-page flag at '"
                            + settings.lastPagePath()
                            + "' is false");
        }
    }

    /**
     * Where the records path leaves the response: its longest present prefix and the field names
     * there (no values).
     */
    private String nearestPresent(JsonNode body) {
        String path = settings.recordsPath();
        String[] steps = path.isEmpty() ? new String[0] : path.substring(1).split("/", -1);
        String prefix = "";
        JsonNode node = body;
        for (String step : steps) {
            JsonNode next = JsonPointers.present(body, JsonPointer.compile(prefix + "/" + step));
            if (next == null) break;
            prefix = prefix + "/" + step;
            node = next;
        }
        String where = prefix.isEmpty() ? "the top level" : "'" + prefix + "'";
        if (!node.isObject()) return where + " is a " + node.getNodeType().name().toLowerCase();
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        if (names.size() > MAX_NAMES_SHOWN) names = List.copyOf(names.subList(0, MAX_NAMES_SHOWN));
        return where + " has " + (names.isEmpty() ? "no fields" : "the fields " + names);
    }

    private String cursor(JsonNode body) {
        JsonNode n = JsonPointers.present(body, cursor);
        return n == null ? null : n.asText();
    }

    /**
     * A boolean flag at {@code pointer} (true/false, 1/0, "true"/"false"), or null if absent or not
     * configured.
     */
    private static Boolean flag(JsonNode body, JsonPointer pointer, String path) {
        JsonNode n = JsonPointers.present(body, pointer);
        if (n == null) return null;
        if (n.isBoolean()) return n.booleanValue();
        if (n.isNumber()) return n.asLong() != 0;
        String s = n.asText().trim();
        if (s.equalsIgnoreCase("true") || s.equals("1")) return true;
        if (s.equalsIgnoreCase("false") || s.equals("0")) return false;
        throw new ResponseFormatException("'" + path + "' is '" + s + "', not a boolean");
    }

    private Long total(JsonNode body) {
        JsonNode n = JsonPointers.present(body, total);
        if (n == null) return null;
        if (n.isIntegralNumber()) return n.asLong();
        try {
            return Long.parseLong(n.asText().trim());
        } catch (NumberFormatException e) {
            throw new ResponseFormatException(
                    "'" + settings.totalPath() + "' is '" + n.asText() + "', not a number");
        }
    }
}
