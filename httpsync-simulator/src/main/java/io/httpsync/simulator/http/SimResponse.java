package io.httpsync.simulator.http;

import io.httpsync.simulator.Json;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a platform answers: status, content type, extra headers and body, and how long the server
 * holds it back (latency, or a simulated timeout). Immutable; the {@code with*} methods return
 * copies.
 */
public record SimResponse(
        int status,
        String contentType,
        Map<String, String> headers,
        String body,
        long delayMillis) {
    public static final String JSON = "application/json;charset=UTF-8";
    public static final String HTML = "text/html;charset=UTF-8";

    public static SimResponse json(int status, JsonNode body) {
        return new SimResponse(status, JSON, Map.of(), Json.write(body), 0);
    }

    public static SimResponse ok(JsonNode body) {
        return json(200, body);
    }

    public static SimResponse html(int status, String html) {
        return new SimResponse(status, HTML, Map.of(), html, 0);
    }

    public static SimResponse text(int status, String contentType, String text) {
        return new SimResponse(status, contentType, Map.of(), text, 0);
    }

    public SimResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new SimResponse(status, contentType, h, body, delayMillis);
    }

    public SimResponse withDelay(long millis) {
        return new SimResponse(status, contentType, headers, body, Math.max(delayMillis, millis));
    }

    /** The same response cut off in the middle of its body: malformed JSON. */
    public SimResponse truncated() {
        String cut = body.length() < 2 ? "{" : body.substring(0, body.length() / 2);
        return new SimResponse(status, contentType, headers, cut, delayMillis);
    }
}
