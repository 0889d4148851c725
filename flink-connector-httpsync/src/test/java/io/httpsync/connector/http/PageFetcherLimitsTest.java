package io.httpsync.connector.http;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the page fetcher reads and waits for at most: the body cap and the longest platform wait,
 * over real HTTP.
 */
class PageFetcherLimitsTest {
    /**
     * One scripted answer: status, headers, and a body of {@code bodyBytes} (declared, or chunked
     * if not).
     */
    private record Answer(
            int status, Map<String, String> headers, String body, long declaredLength) {}

    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final AtomicLong bytesSent = new AtomicLong();
    private HttpServer server;
    private PageFetcher fetcher;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/list", this::answer);
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (fetcher != null) fetcher.close();
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        Answer a = script.poll();
        try (exchange) {
            if (a == null) a = new Answer(200, Map.of(), "{\"items\":[{\"id\":1,\"t\":1}]}", -1);
            a.headers().forEach(exchange.getResponseHeaders()::add);
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(
                    a.status(), a.declaredLength() >= 0 ? a.declaredLength() : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (a.declaredLength() < 0) {
                    out.write(body);
                    bytesSent.addAndGet(body.length);
                } else {
                    byte[] filler = new byte[64 << 10];
                    for (long sent = 0; sent < a.declaredLength(); sent += filler.length) {
                        out.write(
                                filler,
                                0,
                                (int) Math.min(filler.length, a.declaredLength() - sent));
                        bytesSent.addAndGet(filler.length);
                    }
                }
            } catch (IOException hungUp) {
                // the client refused the body
            }
        }
    }

    private PageFetcher fetcher(Map<String, String> more) {
        Map<String, String> o = new HashMap<>();
        o.put("url", "http://127.0.0.1:" + server.getAddress().getPort() + "/list");
        o.put("response.records-path", "/items");
        o.put("response.record.id-path", "/id");
        o.put("response.record.time-path", "/t");
        o.put("retry.initial-backoff", "10 ms");
        o.put("retry.max-backoff", "50 ms");
        o.putAll(more);
        EndpointSpec spec = EndpointSpec.fromOptions(o);
        fetcher =
                new PageFetcher(
                        spec,
                        HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1),
                        new PageFetcherTest.CountingListener());
        return fetcher;
    }

    private Page fetch() throws Exception {
        return fetcher.fetch(Tenant.of("a"), 0, 1000, fetcher.pagination().first())
                .get(20, TimeUnit.SECONDS);
    }

    private ExceptionEvent failure() {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(this::fetch);
        assertThat(t)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(RequestFailedException.class);
        return ((RequestFailedException) t.getCause()).event();
    }

    @Test
    void aBodyDeclaredLargerThanTheCapIsRefusedUnreadAndNotRetried() throws Exception {
        fetcher(Map.of("response.max-body-size", "1 mb"));
        script.add(new Answer(200, Map.of(), "", 200L << 20));
        ExceptionEvent e = failure();
        assertThat(e.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.message())
                .isEqualTo(
                        "the HTTP 200 answer's body exceeds 'response.max-body-size' (1 mb):"
                                + " its Content-Length is 209715200 bytes; it was not read");
        assertThat(bytesSent.get()).isLessThan(50L << 20);
    }

    @Test
    void aBodyWithinTheCapIsRead() throws Exception {
        fetcher(Map.of("response.max-body-size", "1 kb"));
        assertThat(fetch().records()).hasSize(1);
    }

    @Test
    void aWaitBeyondTheLongestPlatformWaitFailsThePageAtOnce() {
        fetcher(Map.of("retry.max-platform-wait", "2 s"));
        script.add(new Answer(503, Map.of("Retry-After", "86400"), "busy", -1));
        long started = System.nanoTime();
        ExceptionEvent e = failure();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(e.kind()).isEqualTo(ResponseKind.RETRYABLE);
        assertThat(e.httpStatus()).isEqualTo(503);
        assertThat(e.message())
                .startsWith(
                        "the platform asked to wait 86400 s before retrying, longer than"
                                + " 'retry.max-platform-wait' (2 s), so the page was not retried; last answer: HTTP 503");
    }

    @Test
    void aWaitWithinTheLongestPlatformWaitIsWaitedOut() throws Exception {
        fetcher(Map.of("retry.max-platform-wait", "2 s"));
        script.add(new Answer(429, Map.of("Retry-After", "1"), "{}", -1));
        long started = System.nanoTime();
        assertThat(fetch().records()).hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
}
