package io.httpsync.simulator.platform.taobao;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.data.TimeField;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitDecision;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ChinaTime;
import io.httpsync.simulator.platform.Crypto;
import io.httpsync.simulator.platform.LineItem;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.PageSlice;
import io.httpsync.simulator.platform.ParamReader;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.Refusal;
import io.httpsync.simulator.platform.TimeWindow;
import io.httpsync.simulator.platform.Yuan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Taobao open platform (TOP), served under {@code /taobao}: {@code GET|POST /router/rest} with
 * {@code method=taobao.trades.sold.increment.get}, the seller's trades by modification time.
 *
 * <p>Common parameters: {@code method, app_key, session} (the shop's session key), {@code
 * timestamp} ({@code yyyy-MM-dd HH:mm:ss} GMT+8, at most 10 minutes off the platform clock), {@code
 * format=json} (the simulator speaks JSON only, although TOP's default is XML), {@code v=2.0},
 * {@code sign_method} ({@code md5} (default), {@code hmac}, {@code hmac-sha256}) and {@code sign}.
 * Signing: every parameter except {@code sign} with a value, sorted by name, concatenated as {@code
 * name+value} without separators; md5 = UPPER(hex(md5(secret + s + secret))), hmac =
 * UPPER(hex(HMAC-MD5(secret, s))), hmac-sha256 = UPPER(hex(HMAC-SHA256(secret, s)))).
 *
 * <p>Business parameters: {@code fields} (required; the simulator always answers with its whole
 * trade), {@code start_modified}, {@code end_modified} (required, end later than start, at most one
 * day apart, start no earlier than three calendar months ago), {@code page_no >= 1}, {@code
 * page_size} 1..100 (default 40), {@code use_has_next}. Trades are sorted by {@code modified}
 * descending, then by tid; the answer is {@code trades_sold_increment_get_response{total_results |
 * has_next, trades{trade[...]}, request_id}}, without {@code trades} when the page is empty.
 * Forward page-number paging over a window whose trades change loses trades; TOP's documented
 * remedy is to page from the last page backwards.
 *
 * <p>Errors come in HTTP 200 as {@code error_response{code, msg, sub_code, sub_msg, request_id}},
 * with the codes of TOP's platform error table: 21/22 missing/invalid method, 23 invalid format,
 * 24/25 missing/invalid signature (also an unknown {@code sign_method}), 26/27 missing/invalid
 * session ({@code sub_code invalid-sessionkey}; an expired or revoked session gets 27), 28/29
 * missing/invalid app key, 30/31 missing/invalid timestamp, 32/34 missing/unsupported version, and
 * 7 ({@code App Call Limited}) for a limit, with sub_code {@code
 * accesscontrol.limited-by-app-access-count} (an {@link LimitScope#APP} rule), {@code
 * ...-by-api-access-count} ({@link LimitScope#API}), {@code ...-by-app-api-access-count} ({@link
 * LimitScope#APP_API}) or {@code ...-by-dynamic-access-count} (any other scope) and sub_msg {@code
 * This ban will last for N more seconds}. Only 7, 27 and the accesscontrol sub_codes are confirmed
 * by the research; the others follow TOP's public error table.
 *
 * <p>Undocumented details are settings: {@link #endModifiedInclusive} (default true), {@link
 * #parameterError} (default 41 {@code Invalid Arguments} / {@code isv.invalid-parameter}, for any
 * bad business parameter), {@link #sessionTtlMillis} (default 30 days). Default limits (numbers
 * undocumented): 1,000,000 calls a day per app key, and 100 calls a second on the API across all
 * apps, with a 60-second ban when exceeded.
 *
 * <p>Thread-safe: requests arrive on the server's I/O threads, settings may be changed from any
 * thread.
 */
public final class TaobaoSim extends OrderPlatformSim {
    public static final String NAME = "taobao";
    public static final String TRADES_INCREMENT = "taobao.trades.sold.increment.get";
    public static final int MAX_PAGE_SIZE = 100;
    public static final int DEFAULT_PAGE_SIZE = 40;
    public static final long MAX_WINDOW_MILLIS = TimeUnit.DAYS.toMillis(1);
    public static final int LOOK_BACK_MONTHS = 3;
    public static final long MAX_TIMESTAMP_SKEW_MILLIS = TimeUnit.MINUTES.toMillis(10);

    /** Modern tids have 19 digits; a trade of one item has one order whose oid equals the tid. */
    private static final long FIRST_TID = 1_900_000_000_000_000_000L;

    private static final long OID_STRIDE = 100_000_000_000_000_000L;
    private static final String[] STATUS = {
        "WAIT_BUYER_PAY",
        "WAIT_SELLER_SEND_GOODS",
        "SELLER_CONSIGNED_PART",
        "WAIT_BUYER_CONFIRM_GOODS",
        "TRADE_BUYER_SIGNED",
        "TRADE_FINISHED",
        "TRADE_CLOSED"
    };

    private volatile boolean endModifiedInclusive = true;
    private volatile int parameterErrorCode = 41;
    private volatile String parameterErrorSubCode = "isv.invalid-parameter";
    private volatile long sessionTtlMillis = TimeUnit.DAYS.toMillis(30);

    public TaobaoSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        new LimitRule(
                                "app-access-count",
                                LimitScope.APP,
                                1_000_000,
                                Duration.ofDays(1),
                                Duration.ZERO),
                        new LimitRule(
                                "api-access-count",
                                LimitScope.API,
                                100,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(60))),
                FIRST_TID);
    }

    /**
     * Credentials of one shop: the app's key and secret (shared by all shops of the app) and the
     * shop's session key, registered when the tenant is added; null for {@link #defaultSession}.
     */
    public static Credentials credentials(String appKey, String appSecret, String session) {
        return new Credentials(appKey, appSecret, null, session);
    }

    /** Whether a trade modified at exactly {@code end_modified} is returned; TOP does not say. */
    public TaobaoSim endModifiedInclusive(boolean inclusive) {
        this.endModifiedInclusive = inclusive;
        return this;
    }

    /**
     * The code and sub_code of a bad business parameter; TOP does not document them for this API.
     */
    public TaobaoSim parameterError(int code, String subCode) {
        this.parameterErrorCode = code;
        this.parameterErrorSubCode = subCode;
        return this;
    }

    /**
     * How long sessions registered or issued from now on stay valid; it depends on the app's tier
     * on TOP.
     */
    public TaobaoSim sessionTtlMillis(long ttl) {
        this.sessionTtlMillis = ttl;
        return this;
    }

    /**
     * The session key a shop added without one gets, so that a client configured by hand can call
     * at once.
     */
    public static String defaultSession(String tenant) {
        return "session-" + tenant;
    }

    @Override
    protected void onTenantAdded(String tenantId, Credentials creds) {
        String session =
                creds.accessToken() != null ? creds.accessToken() : defaultSession(tenantId);
        tokens.register(session, tenantId, sessionTtlMillis);
    }

    /**
     * Hands out a new session key for the shop, as a renewed authorization does; earlier ones stay
     * as they are.
     */
    public String issueSession(String tenant) {
        tenant(tenant);
        return tokens.issue(tenant, "6101", sessionTtlMillis).value();
    }

    @Override
    public SimResponse handle(SimRequest req) {
        if (!req.path().equals("/router/rest"))
            return SimResponse.text(404, "text/plain", "no such path: " + req.path());
        String appKey = req.param("app_key");
        Tokens.Token session = tokens.find(req.param("session"));
        String tenant = session == null ? null : session.tenant();
        String position = position(req);
        return gateway(
                req,
                TRADES_INCREMENT,
                appKey,
                tenant,
                d -> callLimited(d, tenant, position),
                fault -> {
                    try {
                        authenticate(req);
                        return listTrades(req, tenant, fault, position);
                    } catch (Refusal r) {
                        logRequest(TRADES_INCREMENT, tenant, position, r.outcome());
                        return r.response();
                    }
                });
    }

    private static String position(SimRequest req) {
        return "["
                + req.param("start_modified")
                + ", "
                + req.param("end_modified")
                + "] page_no="
                + req.param("page_no")
                + " page_size="
                + req.param("page_size");
    }

    private SimResponse callLimited(LimitDecision d, String tenant, String position) {
        String subCode =
                switch (d.rule().scope()) {
                    case APP -> "accesscontrol.limited-by-app-access-count";
                    case API -> "accesscontrol.limited-by-api-access-count";
                    case APP_API -> "accesscontrol.limited-by-app-api-access-count";
                    default -> "accesscontrol.limited-by-dynamic-access-count";
                };
        logRequest(TRADES_INCREMENT, tenant, position, "error:7:" + subCode);
        return errorResponse(
                7,
                "App Call Limited",
                subCode,
                "This ban will last for " + d.retryAfterSeconds() + " more seconds");
    }

    // ---------------------------------------------------------------- the gateway's checks

    /**
     * The gateway's checks, in TOP's order; throws the platform's error for the first that fails.
     */
    private void authenticate(SimRequest req) {
        String method = req.param("method");
        if (method == null) throw refusal(21, "Missing Method", null, null);
        if (!method.equals(TRADES_INCREMENT))
            throw refusal(22, "Invalid Method", null, "不存在的方法名: " + method);
        String appKey = req.param("app_key");
        if (appKey == null) throw refusal(28, "Missing App Key", null, null);
        String tenantOfApp = tenantByAppKey(appKey);
        if (tenantOfApp == null) throw refusal(29, "Invalid App Key", null, null);
        String format = req.param("format");
        if (!"json".equals(format))
            throw refusal(
                    23,
                    "Invalid Format",
                    null,
                    "the simulator answers format=json only, was " + format);
        String version = req.param("v");
        if (version == null) throw refusal(32, "Missing Version", null, null);
        if (!version.equals("2.0"))
            throw refusal(34, "Unsupported Version", null, "v must be 2.0, was " + version);
        String timestamp = req.param("timestamp");
        if (timestamp == null) throw refusal(30, "Missing Timestamp", null, null);
        checkTimestamp(timestamp);
        String signMethod = req.param("sign_method") == null ? "md5" : req.param("sign_method");
        String given = req.param("sign");
        if (given == null) throw refusal(24, "Missing Signature", null, null);
        String expected = sign(req.params(), signMethod, credentials(tenantOfApp).appSecret());
        if (expected == null)
            throw refusal(25, "Invalid Signature", null, "unknown sign_method " + signMethod);
        if (!Crypto.same(expected, given)) throw refusal(25, "Invalid Signature", null, null);
        String session = req.param("session");
        if (session == null) throw refusal(26, "Missing Session", null, null);
        String tenant = tokens.validTenant(session);
        if (tenant == null || !appKey.equals(credentials(tenant).appKey())) {
            throw refusal(
                    27,
                    "Invalid session",
                    "invalid-sessionkey",
                    "非法或过期的SessionKey参数，请使用新的sessionKey");
        }
    }

    private void checkTimestamp(String timestamp) {
        long t;
        try {
            t = ChinaTime.parse(timestamp);
        } catch (IllegalArgumentException e) {
            throw refusal(
                    31, "Invalid Timestamp", null, "timestamp must be yyyy-MM-dd HH:mm:ss (GMT+8)");
        }
        if (Math.abs(clock.now() - t) > MAX_TIMESTAMP_SKEW_MILLIS) {
            throw refusal(
                    31,
                    "Invalid Timestamp",
                    null,
                    "timestamp is more than 10 minutes off the server time");
        }
    }

    /** TOP's signature of {@code params}, or null for an unknown sign method. */
    static String sign(Map<String, String> params, String signMethod, String secret) {
        String concat = Crypto.concatSorted(params, "sign");
        byte[] digest =
                switch (signMethod) {
                    case "md5" -> Crypto.md5(secret + concat + secret);
                    case "hmac" -> Crypto.hmac("HmacMD5", secret, concat);
                    case "hmac-sha256" -> Crypto.hmac("HmacSHA256", secret, concat);
                    default -> null;
                };
        return digest == null ? null : Crypto.hex(digest).toUpperCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- the API

    private SimResponse listTrades(SimRequest req, String tenant, Fault fault, String position) {
        ParamReader p =
                ParamReader.of(
                        req.params(),
                        (name, problem) ->
                                refusal(
                                        parameterErrorCode,
                                        "Invalid Arguments",
                                        parameterErrorSubCode,
                                        name + " " + problem));
        p.required("fields");
        long start = requiredTime(p, "start_modified");
        long end = requiredTime(p, "end_modified");
        int pageNo = p.integer("page_no", 1, 1, Integer.MAX_VALUE);
        int pageSize = p.integer("page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        boolean useHasNext = p.bool("use_has_next", false);
        if (end <= start) throw p.invalid("end_modified", "must be later than start_modified");
        if (end - start > MAX_WINDOW_MILLIS)
            throw p.invalid("end_modified", "must be at most one day after start_modified");
        if (start < ChinaTime.plusMonths(clock.now(), -LOOK_BACK_MONTHS)) {
            throw p.invalid("start_modified", "must lie within the last three months");
        }

        TenantData data = tenant(tenant);
        List<SimRecord> window =
                new TimeWindow(start, end, endModifiedInclusive)
                        .query(data, TimeField.UPDATE, true);
        PageSlice page = PageSlice.of(window, pageNo, pageSize);
        ObjectNode body = Json.object();
        if (useHasNext) body.put("has_next", page.hasNext());
        else body.put("total_results", page.reportedTotal(fault, random));
        if (!page.records().isEmpty()) {
            ArrayNode trades = body.putObject("trades").putArray("trade");
            page.records().forEach(r -> trades.add(render(r)));
        }
        body.put("request_id", requestId());
        logRequest(TRADES_INCREMENT, tenant, position, "ok");
        afterPage(data, window);
        return SimResponse.ok(Json.object().set("trades_sold_increment_get_response", body));
    }

    private static long requiredTime(ParamReader p, String name) {
        Long t = p.time(name);
        if (t == null) throw p.invalid(name, "is required");
        return t;
    }

    private Refusal refusal(int code, String msg, String subCode, String subMsg) {
        return new Refusal(
                "error:" + code + (subCode == null ? "" : ":" + subCode),
                errorResponse(code, msg, subCode, subMsg));
    }

    private SimResponse errorResponse(int code, String msg, String subCode, String subMsg) {
        ObjectNode error = Json.object().put("code", code).put("msg", msg);
        if (subCode != null) error.put("sub_code", subCode);
        if (subMsg != null) error.put("sub_msg", subMsg);
        error.put("request_id", requestId());
        return SimResponse.ok(Json.object().set("error_response", error));
    }

    private String requestId() {
        return Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
    }

    // ---------------------------------------------------------------- rendering

    @Override
    public ObjectNode render(SimRecord r) {
        ObjectNode trade =
                Json.object()
                        .put("tid", r.id())
                        .put("status", STATUS[r.status()])
                        .put("created", ChinaTime.format(r.createTime()))
                        .put("modified", ChinaTime.format(r.updateTime()))
                        .put("payment", Yuan.text(r.amountCents()))
                        .put("buyer_nick", r.buyer());
        ArrayNode orders = trade.putObject("orders").putArray("order");
        for (LineItem item : LineItem.of(r)) {
            orders.addObject()
                    .put("oid", r.id() + item.index() * OID_STRIDE)
                    .put("status", STATUS[r.status()])
                    .put("outer_sku_id", item.sku())
                    .put("title", item.title())
                    .put("num", 1)
                    .put("payment", Yuan.text(item.amountCents()));
        }
        return trade;
    }

    @Override
    public String renderId(SimRecord r) {
        return Long.toString(r.id());
    }
}
