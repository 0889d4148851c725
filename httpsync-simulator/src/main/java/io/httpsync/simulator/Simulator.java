package io.httpsync.simulator;

import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.PlatformSim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The platform simulator: an HTTP server (Undertow, non-blocking) that serves each added platform
 * under {@code /<platform>/...} and an admin API under {@code /admin/...}.
 *
 * <pre>{@code
 * try (Simulator sim = new Simulator(42)) {
 *     KuaishouSim kuaishou = sim.add(KuaishouSim::new);
 *     kuaishou.addTenant("shop-1", KuaishouSim.credentials("shop-1"), DataSpec.of(1000, DAYS.toMillis(7)));
 *     sim.start(0);
 *     String base = sim.baseUrl("kuaishou");   // http://127.0.0.1:PORT/kuaishou
 *     ...
 *     GroundTruth truth = kuaishou.groundTruth("shop-1");
 * }
 * }</pre>
 *
 * <p>Admin API (JSON): {@code GET /admin/accounting}; {@code GET /admin/<platform>/truth?tenant=T};
 * {@code POST /admin/<platform>/faults?fault=SERVER_ERROR&probability=0.05} or {@code
 * ?script=TIMEOUT,HTML_PAGE}; {@code POST /admin/<platform>/expire-tokens?tenant=T}; {@code POST
 * /admin/clock/advance?millis=N}.
 *
 * <p>Every answer carries a {@code Date} header with the platform's time ({@link SimClock}), which
 * may run behind or ahead of the machine's.
 */
public final class Simulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
                    .withZone(ZoneOffset.UTC);

    private final SimClock clock = new SimClock();
    private final Accounting accounting = new Accounting();
    private final PlatformContext context;
    private final Map<String, PlatformSim> platforms = new ConcurrentHashMap<>();
    private Undertow server;
    private int port;

    /** Marks a connection whose first request was held ({@link #newConnectionDelay}). */
    private static final AttachmentKey<Boolean> SEEN = AttachmentKey.create(Boolean.class);

    private volatile long newConnectionDelayMillis;

    /**
     * The first request of each new connection reaches the platforms this much later than it came
     * (it is counted, limited and answered then; later requests on the connection are not held), as
     * a far gateway's handshakes delay them: a client's burst opens new connections while requests
     * sent after it reuse pooled ones and overtake it. Requests granted over more than a window can
     * so arrive within one. 0 (the default): none held.
     */
    public Simulator newConnectionDelay(Duration delay) {
        this.newConnectionDelayMillis = delay.toMillis();
        return this;
    }

    public Simulator(long seed) {
        this.context = new PlatformContext(clock, accounting, seed);
    }

    /** Adds a platform, built from this simulator's shared context. */
    public <P extends PlatformSim> P add(Function<PlatformContext, P> factory) {
        P p = factory.apply(context);
        if (platforms.putIfAbsent(p.name(), p) != null)
            throw new IllegalArgumentException("platform '" + p.name() + "' added twice");
        return p;
    }

    public PlatformSim platform(String name) {
        PlatformSim p = platforms.get(name);
        if (p == null)
            throw new IllegalArgumentException(
                    "no platform '" + name + "'; have " + platforms.keySet());
        return p;
    }

    public SimClock clock() {
        return clock;
    }

    public Accounting accounting() {
        return accounting;
    }

    /** Starts serving on {@code port} (0: a free port) on the loopback address. */
    public Simulator start(int port) {
        return start("127.0.0.1", port);
    }

    public synchronized Simulator start(String host, int port) {
        if (server != null) throw new IllegalStateException("simulator already started");
        server =
                Undertow.builder()
                        .addHttpListener(port, host)
                        .setIoThreads(2)
                        .setWorkerThreads(8)
                        .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, true)
                        .setHandler(this::handle)
                        .build();
        server.start();
        this.port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        LOG.info(
                "simulator listening on http://{}:{} with platforms {}",
                host,
                this.port,
                platforms.keySet());
        return this;
    }

    public int port() {
        return port;
    }

    /** The base URL of a platform, e.g. {@code http://127.0.0.1:PORT/kuaishou}. */
    public String baseUrl(String platform) {
        platform(platform);
        return "http://127.0.0.1:" + port + "/" + platform;
    }

    @Override
    public synchronized void close() {
        platforms.values().forEach(PlatformSim::close);
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    // ---------------------------------------------------------------- serving

    private void handle(HttpServerExchange exchange) {
        long hold = newConnectionDelayMillis;
        if (hold > 0 && exchange.getConnection().putAttachment(SEEN, Boolean.TRUE) == null) {
            // the connection's first request: held without holding a thread, then served
            exchange.dispatch(
                    SameThreadExecutor.INSTANCE,
                    () ->
                            exchange.getIoThread()
                                    .executeAfter(
                                            () -> serve(exchange), hold, TimeUnit.MILLISECONDS));
            return;
        }
        serve(exchange);
    }

    private void serve(HttpServerExchange exchange) {
        exchange.getRequestReceiver()
                .receiveFullBytes(
                        (ex, body) -> {
                            SimResponse response;
                            try {
                                response = route(toRequest(ex, body));
                            } catch (RuntimeException e) {
                                LOG.warn(
                                        "simulator failed on {} {}",
                                        ex.getRequestMethod(),
                                        ex.getRequestPath(),
                                        e);
                                response =
                                        SimResponse.text(
                                                500, "text/plain", "simulator error: " + e);
                            }
                            SimResponse r = response;
                            if (r.delayMillis() > 0) {
                                // hold the answer without holding a thread: the I/O thread sends it
                                // when the delay is over
                                ex.dispatch(
                                        SameThreadExecutor.INSTANCE,
                                        () ->
                                                ex.getIoThread()
                                                        .executeAfter(
                                                                () -> send(ex, r),
                                                                r.delayMillis(),
                                                                TimeUnit.MILLISECONDS));
                            } else {
                                send(ex, r);
                            }
                        },
                        (ex, error) -> {
                            ex.setStatusCode(400);
                            ex.endExchange();
                        });
    }

    private static SimRequest toRequest(HttpServerExchange ex, byte[] body) {
        Map<String, String> query = new LinkedHashMap<>();
        ex.getQueryParameters()
                .forEach(
                        (k, v) -> {
                            if (!v.isEmpty()) query.put(k, v.getFirst());
                        });
        Map<String, String> headers = new LinkedHashMap<>();
        for (HeaderValues hv : ex.getRequestHeaders())
            headers.put(hv.getHeaderName().toString(), hv.getFirst());
        String ip =
                ex.getSourceAddress() == null
                        ? "unknown"
                        : ex.getSourceAddress().getAddress().getHostAddress();
        return new SimRequest(
                ex.getRequestMethod().toString(), ex.getRequestPath(), query, body, headers, ip);
    }

    private void send(HttpServerExchange ex, SimResponse r) {
        if (!ex.isResponseStarted()) {
            ex.setStatusCode(r.status());
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, r.contentType());
            // the platform's own time, as a server whose clock is off tells it (Undertow would send
            // the machine's)
            ex.getResponseHeaders()
                    .put(Headers.DATE, HTTP_DATE.format(Instant.ofEpochMilli(clock.now())));
            r.headers().forEach((k, v) -> ex.getResponseHeaders().put(new HttpString(k), v));
        }
        ex.getResponseSender().send(r.body(), StandardCharsets.UTF_8);
    }

    private SimResponse route(SimRequest request) {
        String path = request.path();
        String[] parts = path.split("/", 3);
        if (parts.length < 2 || parts[1].isEmpty())
            return SimResponse.text(404, "text/plain", "no platform in path " + path);
        if (parts[1].equals("admin")) return admin(request, parts.length > 2 ? parts[2] : "");
        PlatformSim p = platforms.get(parts[1]);
        if (p == null)
            return SimResponse.text(
                    404,
                    "text/plain",
                    "no platform '" + parts[1] + "'; have " + platforms.keySet());
        String rest = parts.length > 2 ? "/" + parts[2] : "/";
        return p.handle(
                new SimRequest(
                        request.method(),
                        rest,
                        request.query(),
                        request.body(),
                        headersOf(request),
                        request.clientIp()));
    }

    private static Map<String, String> headersOf(SimRequest r) {
        Map<String, String> h = new LinkedHashMap<>();
        for (String name :
                new String[] {"content-type", "authorization", "x-forwarded-for", "user-agent"}) {
            if (r.header(name) != null) h.put(name, r.header(name));
        }
        return h;
    }

    // ---------------------------------------------------------------- admin

    private SimResponse admin(SimRequest request, String rest) {
        String[] parts = rest.split("/");
        try {
            if (rest.equals("accounting")) return SimResponse.ok(accountingJson());
            if (rest.equals("clock/advance")) {
                clock.advance(Long.parseLong(request.param("millis")));
                return SimResponse.ok(Json.object().put("now", clock.now()));
            }
            if (parts.length == 2) {
                PlatformSim p = platform(parts[0]);
                switch (parts[1]) {
                    case "truth" -> {
                        String entity =
                                request.param("entity") != null
                                        ? request.param("entity")
                                        : p.entities().get(0);
                        return SimResponse.ok(
                                truthJson(p.groundTruth(required(request, "tenant"), entity)));
                    }
                    case "faults" -> {
                        if (request.param("clear") != null) p.faults().clear();
                        if (request.param("fault") != null) {
                            p.faults()
                                    .probability(
                                            Fault.valueOf(request.param("fault")),
                                            Double.parseDouble(required(request, "probability")));
                        }
                        if (request.param("script") != null) {
                            for (String f : request.param("script").split(","))
                                p.faults().script(Fault.valueOf(f.trim()));
                        }
                        return SimResponse.ok(Json.object().put("ok", true));
                    }
                    case "expire-tokens" -> {
                        p.tokens().expireAll(required(request, "tenant"));
                        return SimResponse.ok(Json.object().put("ok", true));
                    }
                    default -> {}
                }
            }
            return SimResponse.text(404, "text/plain", "unknown admin path /admin/" + rest);
        } catch (IllegalArgumentException e) {
            return SimResponse.text(400, "text/plain", e.getMessage());
        }
    }

    private static String required(SimRequest r, String name) {
        String v = r.param(name);
        if (v == null || v.isEmpty())
            throw new IllegalArgumentException("missing parameter '" + name + "'");
        return v;
    }

    private ObjectNode accountingJson() {
        ObjectNode root = Json.object();
        ObjectNode endpoints = root.putObject("endpoints");
        accounting
                .endpoints()
                .forEach(
                        (k, s) ->
                                endpoints
                                        .putObject(k)
                                        .put("served", s.served())
                                        .put("refused", s.refused())
                                        .put("maxPerSecond", s.maxPerSecond()));
        ObjectNode keys = root.putObject("limitKeys");
        accounting
                .limitKeys()
                .forEach(
                        (k, s) ->
                                keys.putObject(k)
                                        .put("served", s.served())
                                        .put("refused", s.refused())
                                        .put("maxPerSecond", s.maxPerSecond()));
        return root;
    }

    /**
     * Ground truth as JSON: {@code {tenant, entity, live:[{id, updateTime, hash}], deleted:[ids]}}.
     */
    public static ObjectNode truthJson(GroundTruth truth) {
        ObjectNode root = Json.object().put("tenant", truth.tenant()).put("entity", truth.entity());
        ArrayNode live = root.putArray("live");
        for (GroundTruth.TruthRecord r : truth.live()) {
            live.addObject()
                    .put("id", r.id())
                    .put("updateTime", r.updateTime())
                    .put("hash", r.contentHash());
        }
        ArrayNode deleted = root.putArray("deleted");
        truth.deletedIds().forEach(deleted::add);
        return root;
    }
}
