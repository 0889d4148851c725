package io.httpsync.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/** A plain JDK HTTP client for the simulator's own tests: nothing of the connector. */
public final class TestHttp {
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestHttp() {}

    public record Response(int status, Map<String, java.util.List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    public static String form(Map<String, String> params) {
        StringJoiner j = new StringJoiner("&");
        params.forEach(
                (k, v) ->
                        j.add(
                                URLEncoder.encode(k, StandardCharsets.UTF_8)
                                        + "="
                                        + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return j.toString();
    }

    public static Response get(String url, Map<String, String> params) {
        return send(
                HttpRequest.newBuilder(
                                URI.create(params.isEmpty() ? url : url + "?" + form(params)))
                        .GET());
    }

    public static Response postForm(String url, Map<String, String> params) {
        return send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofString(form(params))));
    }

    public static Response postJson(String url, String json, Map<String, String> headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json; charset=utf-8");
        headers.forEach(b::header);
        return send(b.POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public static Response getWithHeaders(
            String url, Map<String, String> params, Map<String, String> headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(
                                URI.create(params.isEmpty() ? url : url + "?" + form(params)))
                        .GET();
        headers.forEach(b::header);
        return send(b);
    }

    private static Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r =
                    CLIENT.send(
                            b.timeout(Duration.ofSeconds(30)).build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
