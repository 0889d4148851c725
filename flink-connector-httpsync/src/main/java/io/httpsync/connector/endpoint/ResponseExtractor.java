package io.httpsync.connector.endpoint;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.httpsync.connector.endpoint.pagination.PageContent;
import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads what the pagination and the error classifier need from a parsed response: records, cursor, has-next, total,
 * error code and message, at the pointers of the endpoint description. Immutable and thread-safe.
 */
@Internal
public final class ResponseExtractor {
    private final EndpointSpec.ResponseSettings settings;
    private final JsonPointer records;
    private final JsonPointer cursor;
    private final JsonPointer hasNext;
    private final JsonPointer total;
    private final List<JsonPointer> codes;
    private final List<JsonPointer> messages;

    public ResponseExtractor(EndpointSpec spec) {
        this.settings = spec.response();
        this.records = JsonPointer.compile(settings.recordsPath());
        this.cursor = compileOrNull(settings.cursorPath());
        this.hasNext = compileOrNull(settings.hasNextPath());
        this.total = compileOrNull(settings.totalPath());
        this.codes = settings.errorCodePaths().stream().map(JsonPointer::compile).toList();
        this.messages = settings.errorMessagePaths().stream().map(JsonPointer::compile).toList();
    }

    private static JsonPointer compileOrNull(String p) {
        return p == null ? null : JsonPointer.compile(p);
    }

    /** The platform's code: the first present of {@code response.error-code-path}, as text; null if none. */
    public String code(JsonNode body) {
        JsonNode n = JsonPointers.firstPresent(body, codes);
        return n == null ? null : n.asText();
    }

    /** The platform's message: the first present of {@code response.error-message-path}; null if none. */
    public String message(JsonNode body) {
        JsonNode n = JsonPointers.firstPresent(body, messages);
        return n == null ? null : n.isValueNode() ? n.asText() : n.toString();
    }

    /**
     * The page's content. A missing records node is an empty page (TOP omits {@code trades} when there are none).
     *
     * @throws ResponseFormatException if records are not an array (nor one object with 'response.single-record'), or the total or has-next is not readable
     */
    public PageContent extract(JsonNode body) {
        JsonNode r = JsonPointers.present(body, records);
        List<JsonNode> list = new ArrayList<>();
        if (r != null && r.isObject() && settings.singleRecord()) {
            list.add(r);
        } else if (r != null) {
            if (!r.isArray()) {
                throw new ResponseFormatException("'" + settings.recordsPath() + "' is a " + r.getNodeType().name().toLowerCase()
                        + ", not an array of records");
            }
            r.forEach(list::add);
        }
        return new PageContent(list, cursor(body), hasNext(body), total(body));
    }

    private String cursor(JsonNode body) {
        JsonNode n = JsonPointers.present(body, cursor);
        return n == null ? null : n.asText();
    }

    private Boolean hasNext(JsonNode body) {
        JsonNode n = JsonPointers.present(body, hasNext);
        if (n == null) return null;
        if (n.isBoolean()) return n.booleanValue();
        if (n.isNumber()) return n.asLong() != 0;
        String s = n.asText().trim();
        if (s.equalsIgnoreCase("true") || s.equals("1")) return true;
        if (s.equalsIgnoreCase("false") || s.equals("0")) return false;
        throw new ResponseFormatException("'" + settings.hasNextPath() + "' is '" + s + "', not a boolean");
    }

    private Long total(JsonNode body) {
        JsonNode n = JsonPointers.present(body, total);
        if (n == null) return null;
        if (n.isIntegralNumber()) return n.asLong();
        try {
            return Long.parseLong(n.asText().trim());
        } catch (NumberFormatException e) {
            throw new ResponseFormatException("'" + settings.totalPath() + "' is '" + n.asText() + "', not a number");
        }
    }
}
