package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * JSON pointers (RFC 6901) as options spell them, checked strictly: users often write JSONPath
 * ({@code $.data[0]}) where a pointer ({@code /data/0}) is meant, and a pointer that silently
 * matches nothing would read every page as empty. So {@code [}, {@code ]}, {@code *} and a leading
 * {@code $} are refused (keys containing them are not supported).
 */
@Internal
public final class JsonPointers {
    private JsonPointers() {}

    /**
     * Compiles a pointer given as option {@code key}.
     *
     * @throws IllegalArgumentException "option 'key': '...' is not a valid JSON pointer (why)"
     */
    public static JsonPointer compile(String key, String text) {
        String why = problem(text);
        if (why == null) {
            try {
                return JsonPointer.compile(text);
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
        }
        throw OptionReader.invalid(key, "'" + text + "' is not a valid JSON pointer (" + why + ")");
    }

    /** Compiles each pointer of a list option. */
    public static List<JsonPointer> compileAll(String key, List<String> texts) {
        List<JsonPointer> out = new ArrayList<>();
        if (texts != null) {
            for (String t : texts) out.add(compile(key, t));
        }
        return out;
    }

    private static String problem(String text) {
        if (text.isEmpty()) return null; // the whole document
        if (!text.startsWith("/")) return "a pointer starts with '/', like /data/orderList";
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[' || c == ']' || c == '*')
                return "'" + c + "' is JSONPath syntax; a pointer names array items as /items/0";
            if (c == '~'
                    && (i + 1 >= text.length()
                            || (text.charAt(i + 1) != '0' && text.charAt(i + 1) != '1'))) {
                return "'~' must be followed by 0 or 1";
            }
        }
        return null;
    }

    /** The node at the first pointer that is present (not missing, not null), or null. */
    public static JsonNode firstPresent(JsonNode root, List<JsonPointer> pointers) {
        for (JsonPointer p : pointers) {
            JsonNode n = root.at(p);
            if (!n.isMissingNode() && !n.isNull()) return n;
        }
        return null;
    }

    /** The node at the pointer if present (not missing, not null), else null. */
    public static JsonNode present(JsonNode root, JsonPointer pointer) {
        if (pointer == null) return null;
        JsonNode n = root.at(pointer);
        return n.isMissingNode() || n.isNull() ? null : n;
    }
}
