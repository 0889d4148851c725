package io.httpsync.connector.hostile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.HttpString;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;

/**
 * An order list API of an imagined open platform, served over real HTTP by Undertow, with the ways
 * real platforms misbehave as switches. It knows nothing of httpsync: it answers what its
 * "documentation" says, and the switches break that the way platforms do (a page size capped
 * without a word, a total that is always too low, empty pages without the array, records without an
 * id, cursors that go round in a circle, a runaway body, a ban of a day, no {@code Date} header).
 *
 * <p>Its documentation: {@code GET /orders?start_time=<epoch ms>&end_time=<epoch ms>} selects the
 * orders modified in {@code [start_time, end_time)}, newest first, ties by id; paged by {@code
 * page_no} (from 1) and {@code page_size}, or by {@code offset} and {@code limit}, or by {@code
 * cursor} (empty for the first page) and {@code page_size}. The answer is {@code
 * {"code":0,"data":{"items":[{"order_id","modified","amount"}...],"total":N,"has_more":b,"next_cursor":"..."}}},
 * {@code next_cursor} empty on the last page.
 *
 * <p>The ground truth is {@link #truth()}. Switches are set before a job starts; the server threads
 * read them (volatile fields). Thread-safe.
 */
final class HostileListApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One order: the ground truth. */
    record Order(String id, long modified) {}

    /** The window a request asks for. */
    record Window(long start, long end) {
        boolean contains(long time) {
            return start <= time && time < end;
        }
    }

    /** How cursors behave. */
    enum Cursors {
        /** An opaque encoding of the last order's sort key; the next page starts after it. */
        HONEST,
        /**
         * In a broken window: the first page hands out "A", A hands out "B", B hands out "A" again,
         * for ever.
         */
        CYCLE,
        /**
         * The first page is empty but hands out a cursor, as platforms that filter after paging do.
         */
        EMPTY_FIRST_PAGE
    }

    private volatile List<Order> truth;
    private final Undertow server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();

    private volatile int servesAtMost = Integer.MAX_VALUE;
    private volatile boolean total = true;
    private volatile LongUnaryOperator reportedTotal = t -> t;
    private volatile boolean hasMore = true;
    private volatile boolean lastDataFlag;
    private final AtomicInteger emptyPages = new AtomicInteger();
    private volatile boolean omitItemsWhenEmpty;
    private volatile Predicate<Order> corrupted = o -> false;
    private volatile Consumer<ObjectNode> corruption = o -> {};
    private volatile Cursors cursors = Cursors.HONEST;
    private volatile Predicate<Window> broken = w -> false;
    private volatile long hugeBodyBytes;
    private volatile long retryAfterSeconds;
    private volatile long pagingCap = Long.MAX_VALUE;
    private volatile boolean dateHeader = true;
    private volatile String brokenBody;
    private volatile boolean ignoresPosition;
    private final AtomicInteger retryAfterAnswers = new AtomicInteger();

    /** {@code count} orders modified at random times of {@code [start, end)}. */
    HostileListApi(long start, long end, int count, long seed) throws IOException {
        Random random = new Random(seed);
        List<Order> orders = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            orders.add(
                    new Order(
                            "O" + (100_000 + i),
                            start + (long) (random.nextDouble() * (end - start))));
        }
        this.truth = List.copyOf(orders);
        // the Date header is ours to send or not (Undertow would always send one)
        this.server =
                Undertow.builder()
                        .addHttpListener(0, "127.0.0.1")
                        .setIoThreads(1)
                        .setWorkerThreads(4)
                        .setServerOption(UndertowOptions.ALWAYS_SET_DATE, false)
                        .setHandler(new BlockingHandler(this::handle))
                        .build();
        server.start();
    }

    // ------------------------------------------------------------------ switches

    /** Pages hold at most {@code n} orders whatever the client asks for, numbered by that size. */
    HostileListApi servesAtMost(int n) {
        servesAtMost = n;
        return this;
    }

    HostileListApi withoutTotal() {
        total = false;
        return this;
    }

    HostileListApi reportsTotal(LongUnaryOperator lie) {
        reportedTotal = lie;
        return this;
    }

    HostileListApi withoutHasMore() {
        hasMore = false;
        return this;
    }

    /**
     * Ends a window with a last-page flag instead of {@code has_more}: {@code data.isLastData} is
     * true on the last page (Beisen's scroll API), false before it.
     */
    HostileListApi endsWithLastDataFlag() {
        hasMore = false;
        lastDataFlag = true;
        return this;
    }

    /** Leaves {@code items} out of a page that has none. */
    HostileListApi omitsItemsWhenEmpty() {
        omitItemsWhenEmpty = true;
        return this;
    }

    /**
     * Renders the orders that match {@code which} through {@code how} (a field dropped, a time
     * garbled).
     */
    HostileListApi corrupts(Predicate<Order> which, Consumer<ObjectNode> how) {
        corrupted = which;
        corruption = how;
        return this;
    }

    /**
     * Cursors behave as {@code mode} in the windows that match {@code where}; honestly elsewhere.
     */
    HostileListApi cursors(Cursors mode, Predicate<Window> where) {
        cursors = mode;
        broken = where;
        return this;
    }

    /**
     * Answers requests for the windows that match {@code where} with a body of {@code bytes} (never
     * ending JSON).
     */
    HostileListApi hugeBody(long bytes, Predicate<Window> where) {
        hugeBodyBytes = bytes;
        broken = where;
        return this;
    }

    /**
     * Answers the first request for a window that matches {@code where} with 429 and {@code
     * Retry-After: seconds}.
     */
    HostileListApi bansOnce(long seconds, Predicate<Window> where) {
        retryAfterSeconds = seconds;
        broken = where;
        return this;
    }

    /** Answers requests for the windows that match {@code where} with HTTP 200 and {@code body}. */
    HostileListApi answers(String body, Predicate<Window> where) {
        brokenBody = body;
        broken = where;
        return this;
    }

    /**
     * In the windows that match {@code where}, serves the first page whatever page or offset is
     * asked for, as a platform does that ignores a parameter it does not know (a typo in its name).
     */
    HostileListApi ignoresPageAndOffset(Predicate<Window> where) {
        ignoresPosition = true;
        broken = where;
        return this;
    }

    /** Sends no {@code Date} header: the platform's clock is nowhere in its answers. */
    HostileListApi withoutDateHeader() {
        dateHeader = false;
        return this;
    }

    /**
     * Adds {@code n} orders modified at the same millisecond {@code at}: a hot spot no window can
     * split.
     */
    HostileListApi burst(long at, int n) {
        List<Order> more = new ArrayList<>(truth);
        for (int i = 0; i < n; i++) more.add(new Order("B" + (100_000 + more.size()), at));
        truth = List.copyOf(more);
        return this;
    }

    /**
     * Serves no order beyond the first {@code records} of a query, as platforms with a deep-paging
     * cap do (Youzan: page_no x page_size at most 3200): a request reaching beyond is refused with
     * code 40001.
     */
    HostileListApi capsPagingAt(long records) {
        pagingCap = records;
        return this;
    }

    // ------------------------------------------------------------------ what happened

    List<Order> truth() {
        return truth;
    }

    String url() {
        return "http://127.0.0.1:"
                + ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort()
                + "/orders";
    }

    int requests() {
        return requests.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    /** Pages answered without an order: each one a request a flag or a total could have spared. */
    int emptyPages() {
        return emptyPages.get();
    }

    int retryAfterAnswers() {
        return retryAfterAnswers.get();
    }

    @Override
    public void close() {
        server.stop();
    }

    // ------------------------------------------------------------------ serving

    private void handle(HttpServerExchange exchange) throws IOException {
        requests.incrementAndGet();
        if (dateHeader) {
            exchange.getResponseHeaders()
                    .put(
                            new HttpString("Date"),
                            DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                    ZonedDateTime.now(ZoneOffset.UTC)));
        }
        try {
            Map<String, String> q = query(exchange.getQueryString());
            Window window =
                    new Window(
                            Long.parseLong(q.get("start_time")), Long.parseLong(q.get("end_time")));
            boolean isBroken = broken.test(window);
            if (isBroken && retryAfterSeconds > 0 && retryAfterAnswers.compareAndSet(0, 1)) {
                exchange.getResponseHeaders()
                        .put(new HttpString("Retry-After"), Long.toString(retryAfterSeconds));
                send(exchange, 429, "{\"code\":429,\"message\":\"too many requests\"}");
                return;
            }
            if (isBroken && hugeBodyBytes > 0) {
                sendHuge(exchange);
                return;
            }
            if (isBroken && brokenBody != null) {
                send(exchange, 200, brokenBody);
                return;
            }
            List<Order> all = inWindow(window);
            send(exchange, 200, answer(q, all, window, isBroken).toString());
        } catch (BeyondTheCap e) {
            send(
                    exchange,
                    200,
                    "{\"code\":40001,\"message\":\"page_no * page_size must not exceed "
                            + pagingCap
                            + "\"}");
        } catch (RuntimeException e) {
            send(
                    exchange,
                    400,
                    "{\"code\":400,\"message\":\"bad request: "
                            + e.getMessage().replace('"', '\'')
                            + "\"}");
        }
    }

    private ObjectNode answer(
            Map<String, String> q, List<Order> all, Window window, boolean isBroken) {
        List<Order> page;
        String nextCursor = null;
        if (q.containsKey("cursor")) {
            int size = Math.min(Integer.parseInt(q.get("page_size")), servesAtMost);
            String cursor = q.get("cursor");
            Cursors mode = isBroken ? cursors : Cursors.HONEST;
            if (mode == Cursors.EMPTY_FIRST_PAGE && cursor.isEmpty()) {
                page = List.of();
                nextCursor = "warm-up";
            } else {
                if (mode == Cursors.EMPTY_FIRST_PAGE && cursor.equals("warm-up")) cursor = "";
                // a cycling platform serves its first page again and again, under cursors that
                // alternate
                page = afterCursor(all, mode == Cursors.CYCLE ? "" : cursor, size);
                if (!page.isEmpty() && all.indexOf(page.get(page.size() - 1)) >= pagingCap)
                    throw new BeyondTheCap();
                boolean more =
                        !page.isEmpty() && all.indexOf(page.get(page.size() - 1)) < all.size() - 1;
                nextCursor =
                        !more
                                ? ""
                                : mode == Cursors.CYCLE
                                        ? (cursor.equals("A") ? "B" : "A")
                                        : encode(page.get(page.size() - 1));
            }
        } else {
            long from;
            int size;
            if (q.containsKey("offset")) {
                from = Long.parseLong(q.get("offset"));
                size = Math.min(Integer.parseInt(q.get("limit")), servesAtMost);
            } else {
                size = Math.min(Integer.parseInt(q.get("page_size")), servesAtMost);
                from = (Long.parseLong(q.get("page_no")) - 1) * size;
            }
            if (isBroken && ignoresPosition) from = 0;
            if (from + size > pagingCap) throw new BeyondTheCap();
            int f = (int) Math.min(all.size(), Math.max(0, from));
            page = all.subList(f, Math.min(all.size(), f + size));
        }
        ObjectNode body = JSON.createObjectNode().put("code", 0);
        ObjectNode data = body.putObject("data");
        if (!(page.isEmpty() && omitItemsWhenEmpty)) {
            ArrayNode items = data.putArray("items");
            for (Order o : page) items.add(render(o));
        }
        if (total) data.put("total", reportedTotal.applyAsLong(all.size()));
        int last = page.isEmpty() ? -1 : all.indexOf(page.get(page.size() - 1));
        boolean more =
                nextCursor != null ? !nextCursor.isEmpty() : last >= 0 && last < all.size() - 1;
        if (hasMore) data.put("has_more", more);
        if (lastDataFlag) data.put("isLastData", !more);
        if (page.isEmpty()) emptyPages.incrementAndGet();
        if (nextCursor != null) data.put("next_cursor", nextCursor);
        return body;
    }

    private ObjectNode render(Order o) {
        ObjectNode n =
                JSON.createObjectNode()
                        .put("order_id", o.id())
                        .put("modified", o.modified())
                        .put("amount", 1999);
        if (corrupted.test(o)) corruption.accept(n);
        return n;
    }

    private List<Order> inWindow(Window w) {
        return truth.stream()
                .filter(o -> w.contains(o.modified()))
                .sorted(
                        Comparator.comparingLong(Order::modified)
                                .reversed()
                                .thenComparing(Order::id))
                .toList();
    }

    private static List<Order> afterCursor(List<Order> all, String cursor, int size) {
        int from = 0;
        if (!cursor.isEmpty()) {
            String[] key =
                    new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)
                            .split(":");
            long modified = Long.parseLong(key[0]);
            while (from < all.size()
                    && (all.get(from).modified() > modified
                            || (all.get(from).modified() == modified
                                    && all.get(from).id().compareTo(key[1]) <= 0))) {
                from++;
            }
        }
        return all.subList(from, Math.min(all.size(), from + size));
    }

    private static String encode(Order o) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((o.modified() + ":" + o.id()).getBytes(StandardCharsets.UTF_8));
    }

    private void send(HttpServerExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders()
                .put(new HttpString("Content-Type"), "application/json;charset=utf-8");
        exchange.setResponseContentLength(bytes.length);
        try (OutputStream out = exchange.getOutputStream()) {
            out.write(bytes);
        }
        bytesSent.addAndGet(bytes.length);
    }

    /**
     * A chunked body that would grow to {@link #hugeBodyBytes} (never held in memory); stops when
     * the client hangs up.
     */
    private void sendHuge(HttpServerExchange exchange) {
        exchange.getResponseHeaders()
                .put(new HttpString("Content-Type"), "application/json;charset=utf-8");
        byte[] item =
                "{\"order_id\":\"X\",\"modified\":0,\"amount\":1999,\"note\":\"..........................................\"},"
                        .getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = exchange.getOutputStream()) {
            byte[] head = "{\"code\":0,\"data\":{\"items\":[".getBytes(StandardCharsets.UTF_8);
            out.write(head);
            long sent = head.length;
            while (sent < hugeBodyBytes) {
                out.write(item);
                sent += item.length;
                bytesSent.addAndGet(item.length);
            }
            out.write("{}]}}".getBytes(StandardCharsets.UTF_8));
        } catch (IOException hungUp) {
            // the client stopped reading: what it should do with a body this large
        }
    }

    /** A request reaching beyond {@link #pagingCap}. */
    private static final class BeyondTheCap extends RuntimeException {
        BeyondTheCap() {
            super(null, null, false, false);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) return q;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k =
                    URLDecoder.decode(
                            eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v =
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }
}
