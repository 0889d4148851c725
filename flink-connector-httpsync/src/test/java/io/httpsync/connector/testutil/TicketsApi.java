package io.httpsync.connector.testutil;

import com.acme.tickets.SignTicketRequest;
import com.acme.tickets.UnwrapTicketEnvelope;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.HttpString;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ticket list API of an imagined platform with two quirks no option describes, served over real
 * HTTP by Undertow; it knows nothing of httpsync. Its documentation: {@code GET
 * /open/tickets?from=<epoch ms>&to=<epoch ms>&page=<from 1>&size=<n>} lists the tickets updated in
 * {@code [from, to)}, oldest first, ties by id. Every request carries {@code X-App-Id} and {@code
 * X-Signature}, the hex HMAC-SHA256 under the app secret of {@code GET\n/open/tickets\n} and the
 * query parameters sorted by name ({@code k=v} joined by {@code &}); a request without a valid one
 * is refused with HTTP 401. The answer puts the tickets in an envelope, keyed by id: {@code
 * {"status":"ok","envelope":{"tickets":{"T100000":{"updated_at":..,"title":".."}},"more":b}}}.
 *
 * <p>The ground truth is {@link #truth()}. Thread-safe: the truth is immutable, counters atomic.
 */
public final class TicketsApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/open/tickets";

    /** One ticket: the ground truth. */
    public record Ticket(String id, long updatedAt, String title) {}

    private final String appId;
    private final String appSecret;
    private final long start;
    private final long end;
    private final List<Ticket> truth;
    private final Undertow server;
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();

    /** {@code count} tickets updated at random times of {@code [start, end)}. */
    public TicketsApi(String appId, String appSecret, long start, long end, int count) {
        this.appId = appId;
        this.appSecret = appSecret;
        this.start = start;
        this.end = end;
        Random random = new Random(count);
        List<Ticket> tickets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tickets.add(
                    new Ticket(
                            "T" + (100_000 + i),
                            start + (long) (random.nextDouble() * (end - start)),
                            "ticket " + i));
        }
        this.truth = List.copyOf(tickets);
        this.server =
                Undertow.builder()
                        .addHttpListener(0, "127.0.0.1")
                        .setIoThreads(1)
                        .setWorkerThreads(4)
                        .setHandler(new BlockingHandler(this::handle))
                        .build();
        server.start();
    }

    /**
     * The table a user writes from this documentation and docs/extending.md: the endpoint, naming
     * the user's {@code request.signer} ({@link SignTicketRequest}) and {@code
     * response.transformer} ({@link UnwrapTicketEnvelope}); the tenant {@code acme} of this app; a
     * bounded scan of the tickets' range in windows of an hour.
     */
    public Map<String, String> table() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("connector", "httpsync");
        o.put("format", "json");
        o.put("name", "acme/tickets");
        o.put("url", url());
        o.put("request.param.from", "${window.start}");
        o.put("request.param.to", "${window.end}");
        o.put("request.param.page", "${page}");
        o.put("request.param.size", "${pageSize}");
        o.put("pagination.style", "page");
        o.put("pagination.page-size", "25");
        o.put("time.format", "epoch-millis");
        o.put("request.signer", SignTicketRequest.class.getName());
        o.put("response.transformer", UnwrapTicketEnvelope.class.getName());
        o.put("response.records-path", "/records");
        o.put("response.has-next-path", "/more");
        o.put("response.error-code-path", "/status");
        o.put("error.success-codes", "ok");
        o.put("response.record.id-path", "/id");
        o.put("response.record.time-path", "/updated_at");
        o.put("tenants", "acme");
        o.put("tenant.acme.app-id", appId);
        o.put("tenant.acme.app-secret", appSecret);
        o.put("scan.mode", "bounded");
        o.put("scan.start", Instant.ofEpochMilli(start).toString());
        o.put("scan.end", Instant.ofEpochMilli(end).toString());
        o.put("scan.window.step", "1 h");
        return o;
    }

    public List<Ticket> truth() {
        return truth;
    }

    public String url() {
        return "http://127.0.0.1:"
                + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort()
                + PATH;
    }

    /** Requests refused for a missing or wrong signature. */
    public int refused() {
        return refused.get();
    }

    /** Pages served. */
    public int served() {
        return served.get();
    }

    @Override
    public void close() {
        server.stop();
    }

    private void handle(HttpServerExchange exchange) throws IOException {
        Map<String, String> q = new TreeMap<>();
        for (Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet())
            q.put(e.getKey(), e.getValue().getFirst());
        if (!exchange.getRequestPath().equals(PATH)) {
            send(exchange, 404, "{\"status\":\"not_found\"}");
            return;
        }
        StringBuilder query = new StringBuilder();
        q.forEach(
                (k, v) ->
                        query.append(query.length() == 0 ? "" : "&")
                                .append(k)
                                .append('=')
                                .append(v));
        String expected = SignTicketRequest.hmac(appSecret, "GET\n" + PATH + "\n" + query);
        String given = exchange.getRequestHeaders().getFirst("X-Signature");
        if (!appId.equals(exchange.getRequestHeaders().getFirst("X-App-Id"))
                || given == null
                || !MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8),
                        given.getBytes(StandardCharsets.UTF_8))) {
            refused.incrementAndGet();
            send(exchange, 401, "{\"status\":\"denied\",\"reason\":\"invalid signature\"}");
            return;
        }
        long from;
        long to;
        int page;
        int size;
        try {
            from = Long.parseLong(q.get("from"));
            to = Long.parseLong(q.get("to"));
            page = Integer.parseInt(q.get("page"));
            size = Integer.parseInt(q.get("size"));
        } catch (RuntimeException e) {
            send(exchange, 400, "{\"status\":\"bad_request\"}");
            return;
        }
        List<Ticket> window =
                truth.stream()
                        .filter(t -> from <= t.updatedAt() && t.updatedAt() < to)
                        .sorted(
                                Comparator.comparingLong(Ticket::updatedAt)
                                        .thenComparing(Ticket::id))
                        .toList();
        int first = Math.min(window.size(), (page - 1) * size);
        int last = Math.min(window.size(), first + size);
        ObjectNode body = JSON.createObjectNode().put("status", "ok");
        ObjectNode envelope = body.putObject("envelope");
        ObjectNode tickets = envelope.putObject("tickets");
        for (Ticket t : window.subList(first, last)) {
            tickets.putObject(t.id()).put("updated_at", t.updatedAt()).put("title", t.title());
        }
        envelope.put("more", last < window.size());
        served.incrementAndGet();
        send(exchange, 200, body.toString());
    }

    private static void send(HttpServerExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders()
                .put(new HttpString("Content-Type"), "application/json;charset=utf-8");
        exchange.setResponseContentLength(bytes.length);
        try (OutputStream out = exchange.getOutputStream()) {
            out.write(bytes);
        }
    }
}
