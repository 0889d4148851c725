package io.httpsync.connector.endpoint.template;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A text with {@code ${name}} placeholders, compiled once and rendered per request. {@code $${} writes a literal
 * {@code ${}. In a JSON template a placeholder inside a JSON string literal is JSON-escaped when rendered, so a cursor
 * or a tenant property can never break the document; outside a string it is inserted as is (numbers, booleans).
 * Immutable and thread-safe.
 */
@Internal
public final class Template {
    /** One piece of a template: literal text, or a placeholder. */
    private sealed interface Segment permits Literal, Slot {}

    private record Literal(String text) implements Segment {}

    /**
     * A placeholder.
     *
     * @param insideJsonString whether it stands inside a JSON string literal (then its value is
     *     JSON-escaped)
     */
    private record Slot(String name, boolean insideJsonString) implements Segment {}

    private final String source;
    private final boolean json;
    private final List<Segment> segments;

    private Template(String source, boolean json, List<Segment> segments) {
        this.source = source;
        this.json = json;
        this.segments = segments;
    }

    /** A template of plain text (URL, parameter, header). */
    public static Template text(String source) {
        return compile(source, false);
    }

    /** A template of a JSON document (body, business parameter). */
    public static Template json(String source) {
        return compile(source, true);
    }

    /**
     * Compiles a template.
     *
     * @throws IllegalArgumentException naming the malformed placeholder and where it starts
     */
    public static Template compile(String source, boolean json) {
        List<Segment> segments = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        boolean inString = false;
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '$' && source.startsWith("$${", i)) {
                literal.append("${");
                i += 3;
                continue;
            }
            if (c == '$' && source.startsWith("${", i)) {
                int close = source.indexOf('}', i + 2);
                if (close < 0) {
                    throw new IllegalArgumentException(
                            "unterminated placeholder '"
                                    + abbreviate(source.substring(i))
                                    + "' at index "
                                    + i);
                }
                String name = source.substring(i + 2, close).trim();
                if (!isValidName(name)) {
                    throw new IllegalArgumentException(
                            "malformed placeholder '"
                                    + source.substring(i, close + 1)
                                    + "' at index "
                                    + i
                                    + "; names are made of letters, digits, '.', '-' and '_'");
                }
                if (literal.length() > 0) {
                    segments.add(new Literal(literal.toString()));
                    literal.setLength(0);
                }
                segments.add(new Slot(name, json && inString));
                i = close + 1;
                continue;
            }
            if (json && c == '"') inString = !inString;
            if (json && inString && c == '\\' && i + 1 < source.length()) {
                literal.append(c).append(source.charAt(i + 1));
                i += 2;
                continue;
            }
            literal.append(c);
            i++;
        }
        if (literal.length() > 0) segments.add(new Literal(literal.toString()));
        return new Template(source, json, Collections.unmodifiableList(segments));
    }

    private static boolean isValidName(String name) {
        if (name.isEmpty()) return false;
        for (char c : name.toCharArray()) {
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) return false;
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 30 ? s : s.substring(0, 30) + "...";
    }

    /** The template as written. */
    public String source() {
        return source;
    }

    public boolean isJson() {
        return json;
    }

    /** The placeholder names, in order of first appearance. */
    public Set<String> placeholders() {
        Set<String> names = new LinkedHashSet<>();
        for (Segment s : segments) {
            if (s instanceof Slot slot) names.add(slot.name());
        }
        return names;
    }

    /** The placeholders that stand outside a JSON string literal (inserted unescaped). */
    public Set<String> unquotedPlaceholders() {
        Set<String> names = new LinkedHashSet<>();
        for (Segment s : segments) {
            if (s instanceof Slot slot && json && !slot.insideJsonString()) names.add(slot.name());
        }
        return names;
    }

    /**
     * Renders the template.
     *
     * @param values gives each placeholder's value; it may throw to say a value is unavailable
     */
    public String render(Function<String, String> values) {
        StringBuilder out = new StringBuilder(source.length() + 32);
        for (Segment s : segments) {
            if (s instanceof Literal literal) {
                out.append(literal.text());
            } else {
                Slot slot = (Slot) s;
                String value = values.apply(slot.name());
                if (slot.insideJsonString()) {
                    JsonStringEncoder.getInstance().quoteAsString(value, out);
                } else {
                    out.append(value);
                }
            }
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Template other && other.source.equals(source) && other.json == json;
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + (json ? 1 : 0);
    }

    @Override
    public String toString() {
        return source;
    }
}
