package io.httpsync.simulator.platform.jdunion;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.data.TimeField;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ChinaTime;
import io.httpsync.simulator.platform.Crypto;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.PageSlice;
import io.httpsync.simulator.platform.ParamReader;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.Refusal;
import io.httpsync.simulator.platform.TimeWindow;
import io.httpsync.simulator.platform.Yuan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JD Union (京东联盟) open platform, served under {@code /jdunion}: {@code GET|POST /routerjson} with
 * {@code method=jd.union.open.order.row.query}, a promoter's order rows by update time. Its payload
 * is a JSON document <b>carried as a string</b>: the answer is {@code
 * {"jd_union_open_order_row_query_responce":{"code":"0","queryResult":"<JSON text>"}}} (JD's
 * spelling, "responce"), and only inside that string are the rows, the end flag and the API's own
 * result code: {@code {"code":200,"message":"success","data":[...],"hasMore":true}}. A client that
 * does not decode the string sees neither rows nor errors.
 *
 * <p>Common parameters (JD's router): {@code method}, {@code app_key} (one app per promoter: the
 * tenant), {@code timestamp} ({@code yyyy-MM-dd HH:mm:ss} GMT+8, at most 10 minutes off the
 * platform clock [U]), {@code format=json}, {@code v=1.0}, optional {@code sign_method=md5}, {@code
 * sign}, and {@code 360buy_param_json}, the business parameters as a JSON document. Signing (JD's
 * MD5 sign): every parameter except {@code sign} with a value, sorted by name, concatenated as
 * {@code name+value}, wrapped in the app secret: UPPER(hex(md5(secret + s + secret))).
 *
 * <p>Business parameters: {@code 360buy_param_json =
 * {"orderReq":{"startTime","endTime","pageIndex", "pageSize","type"}}}: times {@code yyyy-MM-dd
 * HH:mm:ss} GMT+8, end later than start and at most one hour after it (JD's documented limit),
 * {@code pageIndex >= 1}, {@code pageSize} 1..200 (default 20), {@code type} 1 (order time), 2
 * (finish time: not simulated, refused) or 3 (update time). Rows are sorted by the queried time
 * descending, then by id [U]; paging is by page index over the window as it is at each request,
 * with {@code hasMore} and no total, so rows that leave a window while it is paged shift the later
 * pages (see {@link #mutatePerPage}). {@code data} is left out of a page without rows [U].
 *
 * <p>Errors. The router's own refusals come as {@code {"error_response":{"code","zh_desc",
 * "en_desc"}}}: a missing or unknown method, app key, version or format, a bad timestamp, a missing
 * or wrong signature (codes are the simulator's choice [U]: 10 method, 11 app key, 12 timestamp, 13
 * signature, 14 version or format). The API's come inside {@code queryResult} under outer code
 * {@code "0"}: {@link #BAD_PARAMETER} (400) for a bad business parameter (a window wider than an
 * hour among them) and {@link #RATE_LIMITED} (429, the simulator's choice [U]) when a limit refuses
 * the call. Default limit [U]: 20 calls a second per app, no ban.
 *
 * <p>Thread-safe: requests arrive on the server's I/O threads, settings may be changed from any
 * thread.
 */
public final class JdUnionSim extends OrderPlatformSim {
    public static final String NAME = "jdunion";
    public static final String ORDER_ROWS = "jd.union.open.order.row.query";
    public static final String RESPONSE_KEY = "jd_union_open_order_row_query_responce";
    public static final int MAX_PAGE_SIZE = 200;
    public static final int DEFAULT_PAGE_SIZE = 20;
    public static final long MAX_WINDOW_MILLIS = TimeUnit.HOURS.toMillis(1);
    public static final long MAX_TIMESTAMP_SKEW_MILLIS = TimeUnit.MINUTES.toMillis(10);

    /** Inner {@code code} of a bad business parameter. */
    public static final int BAD_PARAMETER = 400;

    /** Inner {@code code} of a call a limit refused. */
    public static final int RATE_LIMITED = 429;

    private static final long FIRST_ORDER_ID = 240_000_000_000L;

    /** JD's validCode of an order row, mapped from the simulator's status. */
    private static final int[] VALID_CODE = {15, 16, 17, 18, 3, 13, 2};

    private volatile boolean endTimeInclusive = true;
    private final AtomicInteger refuseNext = new AtomicInteger();

    public JdUnionSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        new LimitRule(
                                "app-calls",
                                LimitScope.APP,
                                20,
                                Duration.ofSeconds(1),
                                Duration.ZERO)),
                FIRST_ORDER_ID);
    }

    /** Credentials of one promoter: the app's key and secret. */
    public static Credentials credentials(String appKey, String appSecret) {
        return new Credentials(appKey, appSecret, null, null);
    }

    /** Whether a row updated at exactly {@code endTime} is returned; JD does not say. */
    public JdUnionSim endTimeInclusive(boolean inclusive) {
        this.endTimeInclusive = inclusive;
        return this;
    }

    /**
     * Refuses the next {@code calls} order-row calls as over the limit (inner code {@link
     * #RATE_LIMITED}), whatever the limits say: a client's handling of the refusal, tested without
     * racing a rate.
     */
    public JdUnionSim refuseNext(int calls) {
        refuseNext.set(calls);
        return this;
    }

    @Override
    public SimResponse handle(SimRequest req) {
        if (!req.path().equals("/routerjson"))
            return SimResponse.text(404, "text/plain", "no such path: " + req.path());
        String appKey = req.param("app_key");
        String tenant = appKey == null ? null : tenantByAppKey(appKey);
        String position = "360buy_param_json=" + req.param("360buy_param_json");
        return gateway(
                req,
                ORDER_ROWS,
                appKey,
                tenant,
                d -> rateLimited(d.rule().name(), d.retryAfterSeconds(), tenant, position),
                fault -> {
                    try {
                        authenticate(req);
                        if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0)
                            return rateLimited("refused by refuseNext", 1, tenant, position);
                        return orderRows(req, tenant, position);
                    } catch (Refusal r) {
                        logRequest(ORDER_ROWS, tenant, position, r.outcome());
                        return r.response();
                    }
                });
    }

    private SimResponse rateLimited(
            String rule, long retryAfterSeconds, String tenant, String position) {
        logRequest(ORDER_ROWS, tenant, position, "error:" + RATE_LIMITED);
        return inner(
                Json.object()
                        .put("code", RATE_LIMITED)
                        .put(
                                "message",
                                "调用太频繁，请稍后再试 (limit "
                                        + rule
                                        + ", retry in "
                                        + retryAfterSeconds
                                        + " s)"));
    }

    // ---------------------------------------------------------------- the router's checks

    private void authenticate(SimRequest req) {
        String method = req.param("method");
        if (method == null || !method.equals(ORDER_ROWS))
            throw gatewayRefusal("10", "无效的方法名", "invalid method: " + method);
        String appKey = req.param("app_key");
        String tenant = appKey == null ? null : tenantByAppKey(appKey);
        if (tenant == null) throw gatewayRefusal("11", "无效的app_key", "invalid app_key");
        if (!"1.0".equals(req.param("v")))
            throw gatewayRefusal("14", "版本号错误", "v must be 1.0, was " + req.param("v"));
        if (req.param("format") != null && !"json".equals(req.param("format")))
            throw gatewayRefusal("14", "格式错误", "the simulator answers format=json only");
        String timestamp = req.param("timestamp");
        long t;
        try {
            t = timestamp == null ? Long.MIN_VALUE : ChinaTime.parse(timestamp);
        } catch (IllegalArgumentException e) {
            t = Long.MIN_VALUE;
        }
        if (t == Long.MIN_VALUE || Math.abs(clock.now() - t) > MAX_TIMESTAMP_SKEW_MILLIS)
            throw gatewayRefusal(
                    "12",
                    "时间戳错误",
                    "timestamp must be yyyy-MM-dd HH:mm:ss (GMT+8), within 10 minutes of the server time");
        String signMethod = req.param("sign_method");
        String given = req.param("sign");
        if (given == null
                || (signMethod != null && !signMethod.equals("md5"))
                || !Crypto.same(sign(req, credentials(tenant).appSecret()), given)) {
            throw gatewayRefusal("13", "签名无效", "invalid signature");
        }
    }

    /** JD's MD5 signature of the request's parameters. */
    static String sign(SimRequest req, String secret) {
        String concat = Crypto.concatSorted(req.params(), "sign");
        return Crypto.hex(Crypto.md5(secret + concat + secret)).toUpperCase(Locale.ROOT);
    }

    private Refusal gatewayRefusal(String code, String zh, String en) {
        return new Refusal(
                "error:gateway:" + code,
                SimResponse.ok(
                        Json.object()
                                .set(
                                        "error_response",
                                        Json.object()
                                                .put("code", code)
                                                .put("zh_desc", zh)
                                                .put("en_desc", en))));
    }

    // ---------------------------------------------------------------- the API

    private SimResponse orderRows(SimRequest req, String tenant, String position) {
        JsonNode orderReq = orderReq(req.param("360buy_param_json"));
        ParamReader p =
                ParamReader.of(orderReq, (name, problem) -> badParameter(name + " " + problem));
        long start = requiredTime(p, "startTime");
        long end = requiredTime(p, "endTime");
        int pageIndex = p.integer("pageIndex", 1, 1, Integer.MAX_VALUE);
        int pageSize = p.integer("pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        int type = p.integer("type", 1, 1, 3);
        if (type == 2) throw p.invalid("type", "2 (finish time) is not simulated; use 1 or 3");
        if (end <= start) throw p.invalid("endTime", "must be later than startTime");
        if (end - start > MAX_WINDOW_MILLIS)
            throw p.invalid("endTime", "时间跨度不能超过1小时 (at most one hour after startTime)");

        TenantData data = tenant(tenant);
        List<SimRecord> window =
                new TimeWindow(start, end, endTimeInclusive)
                        .query(data, type == 3 ? TimeField.UPDATE : TimeField.CREATE, true);
        PageSlice page = PageSlice.of(window, pageIndex, pageSize);
        ObjectNode result = Json.object().put("code", 200).put("message", "success");
        if (!page.records().isEmpty()) {
            ArrayNode rows = result.putArray("data");
            page.records().forEach(r -> rows.add(render(r)));
        }
        result.put("hasMore", page.hasNext());
        logRequest(ORDER_ROWS, tenant, position, "ok");
        afterPage(data, window);
        return inner(result);
    }

    private JsonNode orderReq(String json) {
        JsonNode root;
        try {
            root = json == null ? null : Json.MAPPER.readTree(json);
        } catch (IOException e) {
            root = null;
        }
        JsonNode orderReq = root == null ? null : root.get("orderReq");
        if (orderReq == null || !orderReq.isObject())
            throw badParameter("360buy_param_json必须是含orderReq对象的JSON");
        return orderReq;
    }

    private static long requiredTime(ParamReader p, String name) {
        Long t = p.time(name);
        if (t == null) throw p.invalid(name, "is required");
        return t;
    }

    private Refusal badParameter(String message) {
        return new Refusal(
                "error:" + BAD_PARAMETER,
                inner(Json.object().put("code", BAD_PARAMETER).put("message", "参数错误: " + message)));
    }

    /** The API's answer: {@code result} as a string in {@code queryResult}, outer code "0". */
    private static SimResponse inner(ObjectNode result) {
        ObjectNode response = Json.object().put("code", "0").put("queryResult", Json.write(result));
        return SimResponse.ok(Json.object().set(RESPONSE_KEY, response));
    }

    // ---------------------------------------------------------------- rendering

    @Override
    public ObjectNode render(SimRecord r) {
        return Json.object()
                .put("id", renderId(r))
                .put("orderId", r.id())
                .put("parentId", 0)
                .put("orderTime", ChinaTime.format(r.createTime()))
                .put("modifyTime", ChinaTime.format(r.updateTime()))
                .put("validCode", VALID_CODE[r.status()])
                .put("skuId", 100_000 + r.id() % 9_000)
                .put("skuNum", 1)
                .put("estimateCosPrice", Yuan.number(r.amountCents()))
                .put("estimateFee", Yuan.number(r.amountCents() / 10))
                .put("positionId", 1);
    }

    /** The row id: the order id and the row's index within it (one row per simulated order). */
    @Override
    public String renderId(SimRecord r) {
        return r.id() + "-1";
    }
}
