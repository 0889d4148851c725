package io.httpsync.simulator.http;

import io.httpsync.simulator.Json;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A request as a platform handler sees it: the path below the platform's prefix, query and form
 * parameters (first value of each), the raw body, lower-cased header names and the caller's IP.
 */
public final class SimRequest {
    private final String method;
    private final String path;
    private final Map<String, String> query;
    private final Map<String, String> form;
    private final byte[] body;
    private final Map<String, String> headers;
    private final String clientIp;
    private JsonNode json;

    public SimRequest(
            String method,
            String path,
            Map<String, String> query,
            byte[] body,
            Map<String, String> headers,
            String clientIp) {
        this.method = method.toUpperCase(Locale.ROOT);
        this.path = path;
        this.query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
        this.body = body == null ? new byte[0] : body;
        Map<String, String> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
        this.headers = Collections.unmodifiableMap(h);
        this.clientIp = clientIp;
        String contentType = this.headers.getOrDefault("content-type", "");
        this.form =
                contentType.startsWith("application/x-www-form-urlencoded")
                        ? parseForm(new String(this.body, StandardCharsets.UTF_8))
                        : Map.of();
    }

    /** Parses {@code a=1&b=2} (URL-encoded) into a map keeping the first value of each name. */
    public static Map<String, String> parseForm(String encoded) {
        Map<String, String> out = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) return out;
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k =
                    URLDecoder.decode(
                            eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v =
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return Collections.unmodifiableMap(out);
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public Map<String, String> query() {
        return query;
    }

    public Map<String, String> form() {
        return form;
    }

    public byte[] body() {
        return body;
    }

    public String clientIp() {
        return clientIp;
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** A parameter from the query string, else from the form body; null if absent. */
    public String param(String name) {
        String v = query.get(name);
        return v != null ? v : form.get(name);
    }

    /**
     * Query and form parameters together (query wins on a clash): what a signature is computed
     * over.
     */
    public Map<String, String> params() {
        Map<String, String> all = new LinkedHashMap<>(form);
        all.putAll(query);
        return all;
    }

    /**
     * The body parsed as JSON; a missing body is an empty object; a malformed one throws {@link
     * BadRequest}.
     */
    public JsonNode json() {
        if (json == null) {
            if (body.length == 0) {
                json = Json.MAPPER.createObjectNode();
            } else {
                try {
                    json = Json.MAPPER.readTree(body);
                } catch (Exception e) {
                    throw new BadRequest("request body is not valid JSON");
                }
            }
        }
        return json;
    }

    /**
     * Thrown by handlers for requests that do not parse; the platform answers with its own error
     * shape.
     */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message);
        }
    }
}
