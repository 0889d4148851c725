package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.BodyKind;
import io.httpsync.connector.endpoint.HttpMethod;
import io.httpsync.connector.endpoint.RenderedRequest;
import io.httpsync.connector.testutil.LogCapture;

import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import org.asynchttpclient.AsyncCompletionHandlerBase;
import org.asynchttpclient.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the platform receives through {@link SecretSafeHttp} is the request as rendered (path,
 * query, headers, body, for GET, form and JSON requests), while the HTTP client and Netty, logging
 * at TRACE, print none of what carries the secrets. A real server (Undertow) on a real socket.
 */
class SecretSafeHttpTest {
    private static final String TOKEN = "TOKEN-0a1b2c3d4e5f";
    private static final String APP_SECRET = "APPSECRET-9z8y7x6w";

    @RegisterExtension
    final LogCapture clientLogs = new LogCapture("TRACE", "org.asynchttpclient", "io.netty");

    private final Queue<String> received = new ConcurrentLinkedQueue<>();
    private Undertow server;
    private String base;
    private SecretSafeHttp http;

    @BeforeEach
    void start() {
        server =
                Undertow.builder()
                        .addHttpListener(0, "127.0.0.1")
                        .setHandler(new BlockingHandler(this::echo))
                        .build();
        server.start();
        base =
                "http://127.0.0.1:"
                        + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress())
                                .getPort();
        http = new SecretSafeHttp("secret-safe-test", 1, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws IOException {
        http.close();
        server.stop();
    }

    private void echo(HttpServerExchange exchange) throws IOException {
        String body = new String(exchange.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        received.add(
                exchange.getRequestMethod()
                        + " "
                        + exchange.getRequestURI()
                        + "?"
                        + exchange.getQueryString()
                        + " token="
                        + exchange.getRequestHeaders().getFirst("X-Access-Token")
                        + " marker="
                        + exchange.getRequestHeaders().getFirst(SecretSafeHttp.MARKER)
                        + " type="
                        + exchange.getRequestHeaders().getFirst("Content-Type")
                        + " body="
                        + body);
        exchange.getResponseSender().send("{\"code\":0}");
    }

    private Response send(BodyKind kind, HttpMethod method, String body) throws Exception {
        LinkedHashMap<String, String> params = new LinkedHashMap<>();
        params.put("app_secret", APP_SECRET);
        params.put("q", "a b&c");
        LinkedHashMap<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Access-Token", TOKEN);
        RenderedRequest r =
                new RenderedRequest(
                        method, kind, base + "/shop/" + TOKEN + "/orders", params, headers, body);
        return http.send(r, new AsyncCompletionHandlerBase()).get(20, TimeUnit.SECONDS);
    }

    @Test
    void thePlatformReceivesTheRenderedRequestAndTheClientsLogsShowNoneOfItsSecrets()
            throws Exception {
        assertThat(send(BodyKind.NONE, HttpMethod.GET, null).getStatusCode()).isEqualTo(200);
        assertThat(send(BodyKind.FORM, HttpMethod.POST, null).getStatusCode()).isEqualTo(200);
        assertThat(
                        send(BodyKind.JSON, HttpMethod.POST, "{\"secret\":\"" + APP_SECRET + "\"}")
                                .getStatusCode())
                .isEqualTo(200);

        assertThat(received)
                .containsExactly(
                        "GET /shop/"
                                + TOKEN
                                + "/orders?app_secret="
                                + APP_SECRET
                                + "&q=a%20b%26c token="
                                + TOKEN
                                + " marker=null type=null body=",
                        "POST /shop/"
                                + TOKEN
                                + "/orders? token="
                                + TOKEN
                                + " marker=null"
                                + " type=application/x-www-form-urlencoded;charset=utf-8 body=app_secret="
                                + APP_SECRET
                                + "&q=a+b%26c",
                        "POST /shop/"
                                + TOKEN
                                + "/orders?app_secret="
                                + APP_SECRET
                                + "&q=a%20b%26c token="
                                + TOKEN
                                + " marker=null"
                                + " type=application/json;charset=utf-8 body={\"secret\":\""
                                + APP_SECRET
                                + "\"}");
        assertThat(clientLogs.lines())
                .as("the client's log")
                .anySatisfy(line -> assertThat(line).contains("Request POST /"))
                .allSatisfy(
                        line -> assertThat(line).doesNotContain(TOKEN).doesNotContain(APP_SECRET));
    }
}
