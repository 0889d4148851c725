package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Decodes the JSON documents a response carries as strings ({@code response.json-string-paths}: JD
 * Union's {@code queryResult}, whose records, {@code hasMore} and inner {@code code} live in a
 * string), in place, so that every other response pointer reads inside them as if the platform had
 * nested them. It runs once per answer, before the answer is classified, so an error code inside
 * the document is classified like any other.
 *
 * <p>A pointer that is absent (or null) is skipped: a platform's error answer often has no
 * document. A value that is already an object or array is left as it is. Anything else (a number, a
 * string that is not JSON, or JSON that is not an object or array) is a {@link
 * ResponseFormatException} naming the option, the pointer and the endpoint: reading on would make
 * every pointer inside it match nothing, which looks like an empty page.
 *
 * <p>Immutable and thread-safe; {@link #decode} changes the tree it is given.
 */
@Internal
public final class JsonStringDocuments {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SNIPPET = 60;

    private final String endpoint;
    private final List<String> paths;
    private final List<JsonPointer> pointers;

    public JsonStringDocuments(EndpointSpec spec) {
        this.endpoint = spec.name();
        this.paths = spec.response().jsonStringPaths();
        this.pointers = paths.stream().map(JsonPointer::compile).toList();
    }

    /** Whether the description names any document to decode. */
    public boolean isEmpty() {
        return pointers.isEmpty();
    }

    /**
     * Replaces each named string in {@code body} by the document it holds, in the order of the
     * option.
     *
     * @throws ResponseFormatException if a named value is present but not a JSON object or array
     *     carried as a string
     */
    public void decode(JsonNode body) {
        for (int i = 0; i < pointers.size(); i++) {
            JsonPointer pointer = pointers.get(i);
            JsonNode value = body.at(pointer);
            if (value.isMissingNode() || value.isNull() || value.isContainerNode()) continue;
            if (!value.isTextual()) {
                throw problem(paths.get(i), "is a " + typeOf(value) + ", not a string");
            }
            JsonNode document = parse(paths.get(i), value.textValue());
            JsonNode parent = body.at(pointer.head());
            if (parent instanceof ObjectNode object) {
                object.set(pointer.last().getMatchingProperty(), document);
            } else if (parent instanceof ArrayNode array) {
                array.set(pointer.last().getMatchingIndex(), document);
            }
        }
    }

    private JsonNode parse(String path, String text) {
        JsonNode document;
        try {
            document = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw problem(
                    path,
                    "is a string that is not valid JSON ("
                            + e.getOriginalMessage()
                            + "): "
                            + snippet(text));
        }
        if (document == null || !document.isContainerNode()) {
            throw problem(
                    path,
                    "is a string holding "
                            + (document == null || document.isMissingNode()
                                    ? "nothing"
                                    : "a JSON " + typeOf(document))
                            + ", not a JSON object or array: "
                            + snippet(text));
        }
        return document;
    }

    private ResponseFormatException problem(String path, String what) {
        return new ResponseFormatException(
                "option '"
                        + EndpointOptions.RESPONSE_JSON_STRING_PATHS.key()
                        + "' of endpoint '"
                        + endpoint
                        + "': '"
                        + path
                        + "' "
                        + what);
    }

    private static String typeOf(JsonNode n) {
        return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String snippet(String text) {
        String s = text.replaceAll("\\s+", " ").trim();
        if (s.isEmpty()) return "(empty)";
        return "'" + (s.length() <= SNIPPET ? s : s.substring(0, SNIPPET) + "...") + "'";
    }
}
