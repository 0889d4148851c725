package io.httpsync.simulator.platform;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.function.Function;

/**
 * Reads the business parameters of a list request, from form fields or from the keys of a JSON
 * object, with the checks every list API makes (present, integer within bounds, boolean, GMT+8
 * time). A bad value becomes the platform's own error: {@link Problem} renders it and the reader
 * throws it as a {@link Refusal}.
 */
public final class ParamReader {
    /** Renders the platform's answer to one bad parameter. */
    @FunctionalInterface
    public interface Problem {
        Refusal of(String param, String problem);
    }

    private final Function<String, String> values;
    private final Problem problem;

    private ParamReader(Function<String, String> values, Problem problem) {
        this.values = values;
        this.problem = problem;
    }

    /** Reads form or query parameters. */
    public static ParamReader of(Map<String, String> params, Problem problem) {
        return new ParamReader(params::get, problem);
    }

    /**
     * Reads the scalar members of a JSON object; numbers and strings alike, JSON null counts as
     * absent.
     */
    public static ParamReader of(JsonNode object, Problem problem) {
        return new ParamReader(
                name -> {
                    JsonNode v = object.get(name);
                    return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
                },
                problem);
    }

    /** The value, or null when absent or empty. */
    public String text(String name) {
        String v = values.apply(name);
        return v == null || v.isEmpty() ? null : v;
    }

    public String required(String name) {
        String v = text(name);
        if (v == null) throw problem.of(name, "is required");
        return v;
    }

    /** An integer in {@code [min, max]}; {@code defaultValue} when absent. */
    public int integer(String name, int defaultValue, int min, int max) {
        Long v = longOrNull(name);
        if (v == null) return defaultValue;
        if (v < min || v > max)
            throw problem.of(name, "must be between " + min + " and " + max + ", was " + v);
        return v.intValue();
    }

    /** A whole number, or null when absent. */
    public Long longOrNull(String name) {
        String v = text(name);
        if (v == null) return null;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw problem.of(name, "must be a whole number, was '" + v + "'");
        }
    }

    public boolean bool(String name, boolean defaultValue) {
        String v = text(name);
        if (v == null) return defaultValue;
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw problem.of(name, "must be true or false, was '" + v + "'");
    }

    /** A {@code yyyy-MM-dd HH:mm:ss} GMT+8 time as epoch millis, or null when absent. */
    public Long time(String name) {
        String v = text(name);
        if (v == null) return null;
        try {
            return ChinaTime.parse(v);
        } catch (IllegalArgumentException e) {
            throw problem.of(name, "must be of the form yyyy-MM-dd HH:mm:ss, was '" + v + "'");
        }
    }

    /** The platform's error (to throw) for a value that parsed but breaks a rule of the API. */
    public Refusal invalid(String name, String problemText) {
        return problem.of(name, problemText);
    }
}
