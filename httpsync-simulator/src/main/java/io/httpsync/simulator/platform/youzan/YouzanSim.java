package io.httpsync.simulator.platform.youzan;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.data.TimeField;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ChinaTime;
import io.httpsync.simulator.platform.LineItem;
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

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Youzan cloud (有赞云), served under {@code /youzan}:
 *
 * <ul>
 *   <li>{@code POST /auth/token} (JSON, or a form) with {@code client_id, client_secret,
 *       authorize_type=silent, grant_id=<kdt_id>} (a self-use app; the tenant id is the shop's
 *       kdt_id) and optional {@code refresh}: answers {@code {success:true, code:200,
 *       data{access_token, expires (epoch ms), scope, authority_id}}}, the shop's current token
 *       unless {@code refresh=true} or none is valid, then a new one (older ones stay valid until
 *       they expire);
 *   <li>{@code POST /api/youzan.trades.sold.get/4.0.x?access_token=} (also {@code Authorization:
 *       Bearer}) with a JSON body: {@code start_update/end_update}, {@code
 *       start_created/end_created} ({@code yyyy-MM-dd HH:mm:ss} or epoch millis; each pair at most
 *       3 calendar months wide, end later than start; an unpaired bound is ignored, as 4.0.4
 *       documents), {@code page_no} 1..100, {@code page_size} 1..100 (default 20), and {@code
 *       page_no * page_size <= 3200}. Sorting per the doc: by update time descending when an update
 *       range is given (alone or with a created range; "the orders of the range change
 *       dynamically"), by creation time descending otherwise; ties by tid.
 * </ul>
 *
 * Answers come in HTTP 200: success {@code {success:true, code:200, message, data{total_results,
 * full_order_info_list[{full_order_info{order_info{tid, status, created, update_time}, buyer_info,
 * pay_info, orders[...]}}]}, trace_id}}; gateway errors (token, limits) as {@code
 * {gw_err_resp{err_code, err_msg}}}; business errors (parameters, paging caps) as {@code
 * {success:false, code, message, data:null, trace_id}}. Tids are strings {@code E<creation time
 * yyyyMMddHHmmss GMT+8><8 digits>}.
 *
 * <p>Undocumented details are settings: {@link #tokenTtlMillis} (default 7 days, the commonly cited
 * value), {@link #gatewayErrorCodes} (defaults 4203 for a bad token, 4003 for a limit: neither is
 * confirmed), {@link #parameterErrorCode} (default 4000), {@link #pagingCaps} (defaults 100 pages,
 * 100 per page, 3200 records), {@link #endInclusive} (default true). Default limit (undocumented):
 * 20 calls a second per shop and API.
 *
 * <p>Thread-safe: requests arrive on the server's I/O threads, settings may be changed from any
 * thread.
 */
public final class YouzanSim extends OrderPlatformSim {
    public static final String NAME = "youzan";
    public static final String TRADES_SOLD_GET = "youzan.trades.sold.get";
    public static final int DEFAULT_PAGE_SIZE = 20;
    public static final int WINDOW_MONTHS = 3;
    private static final Pattern API_PATH = Pattern.compile("/api/([a-z.]+)/(\\d+\\.\\d+\\.\\d+)");
    private static final long FIRST_ID = 36_400_000L;
    private static final long OID_BASE = 2_790_000_000_000_000_000L;
    private static final String[] STATUS = {
        "WAIT_BUYER_PAY",
        "WAIT_SELLER_SEND_GOODS",
        "WAIT_BUYER_CONFIRM_GOODS",
        "TRADE_SUCCESS",
        "TRADE_CLOSE",
        "TRADE_REFUND",
        "WAIT_SELLER_SEND_GOODS"
    };

    private volatile long tokenTtlMillis = TimeUnit.DAYS.toMillis(7);
    private volatile int tokenErrorCode = 4203;
    private volatile int rateLimitErrorCode = 4003;
    private volatile int parameterErrorCode = 4000;
    private volatile int maxPageNo = 100;
    private volatile int maxPageSize = 100;
    private volatile int maxRecordsPerQuery = 3200;
    private volatile boolean endInclusive = true;

    public YouzanSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(LimitRule.perSecond("shop-api-qps", LimitScope.TENANT_API, 20)),
                FIRST_ID);
    }

    /** Credentials of a self-use app; the shop (kdt_id) is the tenant id. */
    public static Credentials credentials(String clientId, String clientSecret) {
        return new Credentials(clientId, clientSecret, null, null);
    }

    /** The lifetime of tokens issued from now on. */
    public YouzanSim tokenTtlMillis(long ttl) {
        this.tokenTtlMillis = ttl;
        return this;
    }

    /**
     * The {@code gw_err_resp.err_code} of a missing, unknown or expired token and of a refused
     * (limited) call.
     */
    public YouzanSim gatewayErrorCodes(int token, int rateLimit) {
        this.tokenErrorCode = token;
        this.rateLimitErrorCode = rateLimit;
        return this;
    }

    /**
     * The {@code code} of a business error (bad parameter, paging cap) in the {@code success:false}
     * envelope.
     */
    public YouzanSim parameterErrorCode(int code) {
        this.parameterErrorCode = code;
        return this;
    }

    /**
     * The deep-paging caps: highest page number, largest page, and most records a query can reach.
     */
    public YouzanSim pagingCaps(int maxPageNo, int maxPageSize, int maxRecordsPerQuery) {
        this.maxPageNo = maxPageNo;
        this.maxPageSize = maxPageSize;
        this.maxRecordsPerQuery = maxRecordsPerQuery;
        return this;
    }

    /**
     * Whether an order at exactly {@code end_update} / {@code end_created} is returned; the doc
     * does not say.
     */
    public YouzanSim endInclusive(boolean inclusive) {
        this.endInclusive = inclusive;
        return this;
    }

    /** Issues a token for the shop directly, as if the client had called {@code /auth/token}. */
    public String issueToken(String tenant) {
        tenant(tenant);
        return tokens.issue(tenant, "", tokenTtlMillis).value();
    }

    @Override
    public SimResponse handle(SimRequest req) {
        if (req.path().equals("/auth/token")) return withLatency(token(req));
        Matcher m = API_PATH.matcher(req.path());
        if (m.matches() && m.group(1).equals(TRADES_SOLD_GET) && m.group(2).startsWith("4.0."))
            return tradesSoldGet(req);
        return SimResponse.json(404, gatewayError(404, "api not found: " + req.path()));
    }

    // ---------------------------------------------------------------- token

    private SimResponse token(SimRequest req) {
        Map<String, String> p = req.form().isEmpty() ? jsonParams(req) : req.form();
        if (p == null) return businessError(parameterErrorCode, "request body is not valid JSON");
        String tenant = p.get("grant_id");
        Credentials c = tenant == null ? null : credentials(tenant);
        if (!"silent".equals(p.get("authorize_type"))) {
            return businessError(
                    parameterErrorCode,
                    "authorize_type: the simulator knows silent (self-use apps) only");
        }
        if (c == null
                || !c.appKey().equals(p.get("client_id"))
                || !c.appSecret().equals(p.get("client_secret"))) {
            return businessError(
                    parameterErrorCode, "client_id, client_secret or grant_id is wrong");
        }
        Tokens.Token t = "true".equals(p.get("refresh")) ? null : tokens.current(tenant);
        if (t == null) t = tokens.issue(tenant, "", tokenTtlMillis);
        ObjectNode data =
                Json.object()
                        .put("access_token", t.value())
                        .put("expires", t.expiresAt())
                        .put("scope", "trade item user")
                        .put("authority_id", tenant);
        return SimResponse.ok(success(data));
    }

    private static Map<String, String> jsonParams(SimRequest req) {
        try {
            JsonNode body = req.json();
            Map<String, String> out = new LinkedHashMap<>();
            body.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (SimRequest.BadRequest e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- trades

    private String accessToken(SimRequest req) {
        String t = req.param("access_token");
        String auth = req.header("authorization");
        if (t == null && auth != null && auth.startsWith("Bearer "))
            t = auth.substring("Bearer ".length());
        return t;
    }

    private SimResponse tradesSoldGet(SimRequest req) {
        String token = accessToken(req);
        Tokens.Token known = tokens.find(token);
        String tenant = known == null ? null : known.tenant();
        String position = new String(req.body(), StandardCharsets.UTF_8);
        String app = tenant == null ? null : credentials(tenant).appKey();
        return gateway(
                req,
                TRADES_SOLD_GET,
                app,
                tenant,
                d -> {
                    logRequest(TRADES_SOLD_GET, tenant, position, "error:" + rateLimitErrorCode);
                    return SimResponse.ok(gatewayError(rateLimitErrorCode, "api调用频率超过限制，请稍后再试"));
                },
                fault -> {
                    try {
                        String valid = tokens.validTenant(token);
                        if (valid == null) {
                            throw new Refusal(
                                    "error:" + tokenErrorCode,
                                    SimResponse.ok(
                                            gatewayError(tokenErrorCode, "access_token不存在或已过期")));
                        }
                        return trades(req, valid, fault, position);
                    } catch (Refusal r) {
                        logRequest(TRADES_SOLD_GET, tenant, position, r.outcome());
                        return r.response();
                    }
                });
    }

    private SimResponse trades(SimRequest req, String tenant, Fault fault, String position) {
        JsonNode body;
        try {
            body = req.json();
        } catch (SimRequest.BadRequest e) {
            throw paramError("request body is not valid JSON");
        }
        ParamReader p = ParamReader.of(body, (name, problem) -> paramError(name + " " + problem));
        TimeWindow updated = range(body, p, "start_update", "end_update");
        TimeWindow created = range(body, p, "start_created", "end_created");
        int pageNo = p.integer("page_no", 1, 1, Integer.MAX_VALUE);
        int pageSize = p.integer("page_size", DEFAULT_PAGE_SIZE, 1, Integer.MAX_VALUE);
        if (pageNo > maxPageNo)
            throw paramError("page_no分页数不能超过" + maxPageNo + "页，如果订单较多请使用时间参数分割");
        if (pageSize > maxPageSize) throw paramError("page_size最大不能超过" + maxPageSize);
        if ((long) pageNo * pageSize > maxRecordsPerQuery) {
            throw paramError(
                    "page_size和page_no相乘总条数不能大于" + maxRecordsPerQuery + "条，如果订单较多请使用时间参数分割");
        }

        TenantData data = tenant(tenant);
        List<SimRecord> window;
        if (updated != null) {
            window = updated.query(data, TimeField.UPDATE, true);
            if (created != null)
                window = window.stream().filter(r -> created.contains(r.createTime())).toList();
        } else if (created != null) {
            window = created.query(data, TimeField.CREATE, true);
        } else {
            window = data.query(TimeField.CREATE, Long.MIN_VALUE, Long.MAX_VALUE, true);
        }
        PageSlice page = PageSlice.of(window, pageNo, pageSize);
        ObjectNode result = Json.object().put("total_results", page.reportedTotal(fault, random));
        ArrayNode list = result.putArray("full_order_info_list");
        page.records().forEach(r -> list.add(render(r)));
        logRequest(TRADES_SOLD_GET, tenant, position, "ok");
        afterPage(data, window);
        return SimResponse.ok(success(result));
    }

    /**
     * A start/end pair; null when either bound is missing (the doc: an unpaired condition is
     * ignored).
     */
    private TimeWindow range(JsonNode body, ParamReader p, String startName, String endName) {
        Long start = time(body, p, startName);
        Long end = time(body, p, endName);
        if (start == null || end == null) return null;
        if (end <= start) throw paramError(endName + " 结束时间必须大于开始时间");
        if (end > ChinaTime.plusMonths(start, WINDOW_MONTHS))
            throw paramError(startName + "/" + endName + " 查询时间跨度不能大于3个月");
        return new TimeWindow(start, end, endInclusive);
    }

    /**
     * Clients send either the documented {@code yyyy-MM-dd HH:mm:ss} or, as SDKs serialising dates
     * do, epoch millis.
     */
    private static Long time(JsonNode body, ParamReader p, String name) {
        JsonNode v = body.get(name);
        return v != null && v.isNumber() ? Long.valueOf(v.asLong()) : p.time(name);
    }

    private Refusal paramError(String message) {
        return new Refusal(
                "error:" + parameterErrorCode, businessError(parameterErrorCode, message));
    }

    private SimResponse businessError(int code, String message) {
        return SimResponse.ok(
                Json.object()
                        .put("success", false)
                        .put("code", code)
                        .put("message", message)
                        .putNull("data")
                        .put("trace_id", traceId()));
    }

    private ObjectNode success(ObjectNode data) {
        ObjectNode root =
                Json.object().put("success", true).put("code", 200).put("message", "successful");
        root.set("data", data);
        return root.put("trace_id", traceId());
    }

    private static ObjectNode gatewayError(int code, String message) {
        return Json.object()
                .set("gw_err_resp", Json.object().put("err_code", code).put("err_msg", message));
    }

    private String traceId() {
        return "yz7-0a" + Long.toHexString(random.nextLong());
    }

    // ---------------------------------------------------------------- rendering

    @Override
    public ObjectNode render(SimRecord r) {
        ObjectNode info = Json.object();
        ObjectNode full = info.putObject("full_order_info");
        full.putObject("order_info")
                .put("tid", renderId(r))
                .put("status", STATUS[r.status()])
                .put("created", ChinaTime.format(r.createTime()))
                .put("update_time", ChinaTime.format(r.updateTime()));
        full.putObject("buyer_info")
                .put("fans_nickname", r.buyer())
                .put("yz_open_id", "yz" + Integer.toHexString(r.buyer().hashCode()));
        full.putObject("pay_info")
                .put("payment", Yuan.text(r.amountCents()))
                .put("total_fee", Yuan.text(r.amountCents()));
        ArrayNode orders = full.putArray("orders");
        for (LineItem item : LineItem.of(r)) {
            orders.addObject()
                    .put("oid", Long.toString(OID_BASE + r.id() * 10 + item.index()))
                    .put("outer_sku_id", item.sku())
                    .put("title", item.title())
                    .put("num", 1)
                    .put("payment", Yuan.text(item.amountCents()));
        }
        return info;
    }

    /**
     * {@code E} + creation time ({@code yyyyMMddHHmmss}, GMT+8) + 8 digits; stable because creation
     * never changes.
     */
    @Override
    public String renderId(SimRecord r) {
        return "E"
                + ChinaTime.compact(r.createTime())
                + String.format("%08d", r.id() % 100_000_000L);
    }
}
