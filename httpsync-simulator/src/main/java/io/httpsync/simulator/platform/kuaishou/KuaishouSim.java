package io.httpsync.simulator.platform.kuaishou;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.data.TimeField;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitDecision;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.Crypto;
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.PlatformContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Kuaishou e-commerce open platform (kwaixiaodian), served under {@code /kuaishou}:
 *
 * <ul>
 *   <li>{@code GET /oauth2/access_token?app_id&app_secret&grant_type=code&code} - the simulator's
 *       convention: the authorization code is the shop id. Tokens live 48 h; {@code
 *       /oauth2/refresh_token} hands out a new refresh token each time, and the old one is
 *       discarded after a 5-minute grace ({@code refreshToken.discarded}; {@link
 *       #refreshGraceMillis} sets the grace, 0 makes refresh tokens strictly single use). Every
 *       call of either is logged in {@link io.httpsync.simulator.Accounting#tokenRequests()}.
 *   <li>{@code GET|POST /open/order/cursor/list} with the common parameters {@code appkey, method,
 *       version, param, access_token, timestamp (ms), signMethod (MD5|HMAC_SHA256), sign}; business
 *       parameters in the {@code param} JSON: {@code queryType, beginTime, endTime, sort, pageSize,
 *       cursor}.
 *   <li>{@code GET|POST /open/order/detail} ({@code method=open.order.detail}): the same common
 *       parameters and signature; {@code param} is {@code {"oid": <id>}}; {@code data} is the one
 *       order, rendered as in the list. An unknown or deleted oid is a business error. Limited like
 *       the list, per API.
 * </ul>
 *
 * Signing: sort {@code access_token, appkey, method, param, signMethod, timestamp, version}, join
 * {@code k=v} with {@code &}, append {@code &signSecret=<signSecret>}; MD5 lower hex, or Base64 of
 * HMAC-SHA256 keyed by the sign secret. Cursor: {@code ""} first, opaque {@code <time>_<oid>} after
 * (keyset over (time, oid)), {@code "nomore"} at the end. Limits: 300 QPS per app and API, 300 QPS
 * per shop and API (settable). Errors come inside HTTP 200. Undocumented details are settings:
 * {@link #pageSizeOverflowIsError}, {@link #rateLimitResultCode}.
 */
public final class KuaishouSim extends OrderPlatformSim {
    public static final String NAME = "kuaishou";
    public static final String ORDER_LIST = "open.order.cursor.list";
    public static final String ORDER_DETAIL = "open.order.detail";
    public static final int MAX_PAGE_SIZE = 50;
    public static final long MAX_WINDOW_MILLIS = TimeUnit.DAYS.toMillis(7);
    public static final long LOOK_BACK_MILLIS = TimeUnit.DAYS.toMillis(90);
    public static final long CREATE_LOOK_BACK_MILLIS = TimeUnit.DAYS.toMillis(240);
    static final long TOKEN_TTL_SECONDS = 172_800;
    static final long REFRESH_GRACE_MILLIS = TimeUnit.MINUTES.toMillis(5);
    private static final int[] STATUS = {10, 30, 40, 50, 70, 80, 30};

    private volatile boolean pageSizeOverflowIsError = true;
    private volatile int rateLimitResultCode = 17;
    private volatile long refreshGraceMillis = REFRESH_GRACE_MILLIS;

    /** refresh token -> (tenant, time it was superseded or 0) */
    private final Map<String, long[]> refreshTokens = new ConcurrentHashMap<>();

    private final Map<String, String> refreshTenant = new ConcurrentHashMap<>();

    public KuaishouSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        LimitRule.perSecond("app-api-qps", LimitScope.APP_API, 300),
                        LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, 300)),
                2_321_300_034_950_000L);
    }

    /**
     * Credentials for a shop of one app: app key {@code ks<shop>}-independent, one app serves all
     * shops.
     */
    public static Credentials credentials(String appKey, String appSecret, String signSecret) {
        return new Credentials(appKey, appSecret, signSecret, null);
    }

    /**
     * Whether {@code pageSize > 50} is an error (true) or clamped to 50 (false); the docs do not
     * say.
     */
    public KuaishouSim pageSizeOverflowIsError(boolean error) {
        this.pageSizeOverflowIsError = error;
        return this;
    }

    /** The numeric {@code result} of a QPS refusal; the docs give only the message. */
    public KuaishouSim rateLimitResultCode(int code) {
        this.rateLimitResultCode = code;
        return this;
    }

    /**
     * How long a refresh token still works after its first use (default 5 minutes); 0: a refresh
     * token works once.
     */
    public KuaishouSim refreshGraceMillis(long millis) {
        if (millis < 0)
            throw new IllegalArgumentException("refresh grace must be >= 0, was " + millis);
        this.refreshGraceMillis = millis;
        return this;
    }

    /**
     * Issues a refresh token for the shop directly, as if the shop had authorized the app (not
     * logged).
     */
    public String issueRefreshToken(String tenant) {
        tenant(tenant);
        return newRefreshToken(tenant);
    }

    /** Issues an access token for the shop directly, as if the OAuth dance had happened. */
    public String issueToken(String tenant) {
        tenant(tenant);
        return tokens.issue(
                        tenant,
                        "ChFvYXV0aC5hY2Nlc3NUb2tlbh",
                        TimeUnit.SECONDS.toMillis(TOKEN_TTL_SECONDS))
                .value();
    }

    @Override
    public SimResponse handle(SimRequest req) {
        return switch (req.path()) {
            case "/oauth2/access_token" -> withLatency(loggedToken("code", req, accessToken(req)));
            case "/oauth2/refresh_token" ->
                    withLatency(loggedToken("refresh_token", req, refreshToken(req)));
            case "/open/order/cursor/list" -> orderList(req);
            case "/open/order/detail" -> orderDetail(req);
            default ->
                    SimResponse.json(
                            404,
                            Json.object()
                                    .put("result", 22)
                                    .put("error_msg", "API不存在: " + req.path()));
        };
    }

    // ---------------------------------------------------------------- OAuth

    private SimResponse accessToken(SimRequest req) {
        String tenant = req.param("code");
        Credentials c = tenant == null ? null : credentials(tenant);
        if (!"code".equals(req.param("grant_type")))
            return oauthError(100200104, "unsupported_grant_type");
        if (c == null) return oauthError(100200105, "invalid_grant");
        if (!c.appKey().equals(req.param("app_id"))
                || !c.appSecret().equals(req.param("app_secret"))) {
            return oauthError(100200101, "unauthorized_client");
        }
        return tokenResponse(tenant);
    }

    private SimResponse refreshToken(SimRequest req) {
        String given = req.param("refresh_token");
        String tenant = given == null ? null : refreshTenant.get(given);
        if (!"refresh_token".equals(req.param("grant_type")))
            return oauthError(100200104, "unsupported_grant_type");
        if (tenant == null) return oauthError(100200105, "invalid_grant");
        Credentials c = credentials(tenant);
        if (!c.appKey().equals(req.param("app_id"))
                || !c.appSecret().equals(req.param("app_secret"))) {
            return oauthError(100200101, "unauthorized_client");
        }
        long now = clock.now();
        long[] state = refreshTokens.get(given);
        if (state[0] != 0 && now - state[0] >= refreshGraceMillis) {
            return SimResponse.ok(
                    Json.object()
                            .put("result", 100200102)
                            .put("error", "access_denied")
                            .put("error_msg", "refreshToken.discarded"));
        }
        if (state[0] == 0) state[0] = now;
        return tokenResponse(tenant);
    }

    private SimResponse tokenResponse(String tenant) {
        Tokens.Token t =
                tokens.issue(
                        tenant,
                        "ChFvYXV0aC5hY2Nlc3NUb2tlbh",
                        TimeUnit.SECONDS.toMillis(TOKEN_TTL_SECONDS));
        String refresh = newRefreshToken(tenant);
        return SimResponse.ok(
                Json.object()
                        .put("result", 1)
                        .put("access_token", t.value())
                        .put("refresh_token", refresh)
                        .put("open_id", "open-" + tenant)
                        .put("expires_in", TOKEN_TTL_SECONDS)
                        .put("refresh_token_expires_in", 15_552_000)
                        .set("scopes", Json.MAPPER.createArrayNode().add("merchant_order")));
    }

    private String newRefreshToken(String tenant) {
        String refresh = "ChJvYXV0aC5yZWZyZXNoVG9rZW4" + Long.toHexString(random.nextLong());
        refreshTokens.put(refresh, new long[] {0});
        refreshTenant.put(refresh, tenant);
        return refresh;
    }

    /**
     * Logs a token request with the tenant it named (by code or refresh token) and how it ended.
     */
    private SimResponse loggedToken(String grant, SimRequest req, SimResponse response) {
        String tenant =
                "code".equals(grant)
                        ? req.param("code")
                        : refreshTenant.get(String.valueOf(req.param("refresh_token")));
        if (tenant != null && credentials(tenant) == null) tenant = null;
        return loggedTokenRequest(
                grant,
                tenant,
                response,
                body ->
                        body.path("result").asInt() == 1
                                ? "ok"
                                : body.path("error_msg").asText("result " + body.path("result")));
    }

    private static SimResponse oauthError(int result, String error) {
        return SimResponse.ok(
                Json.object().put("result", result).put("error", error).put("error_msg", error));
    }

    // ---------------------------------------------------------------- order list

    private SimResponse orderList(SimRequest req) {
        return signedApi(req, ORDER_LIST, this::listOrders);
    }

    private SimResponse orderDetail(SimRequest req) {
        return signedApi(req, ORDER_DETAIL, this::orderDetail);
    }

    /**
     * An open API behind the gateway: limits, faults, then app, signature and token, then the API
     * itself with its business parameters ({@code param}, JSON) and the token's shop.
     */
    private SimResponse signedApi(
            SimRequest req, String api, BiFunction<JsonNode, String, SimResponse> handler) {
        String appKey = req.param("appkey");
        Tokens.Token token = tokens.find(req.param("access_token"));
        String tenant = token == null ? null : token.tenant();
        return gateway(
                req,
                api,
                appKey,
                tenant,
                d -> qpsExceeded(d, api, appKey, tenant),
                fault -> {
                    SimResponse err = authenticate(req, api, appKey);
                    if (err != null) {
                        logRequest(api, tenant, "", "auth");
                        return err;
                    }
                    JsonNode param;
                    try {
                        param =
                                Json.MAPPER.readTree(
                                        req.param("param") == null ? "{}" : req.param("param"));
                    } catch (Exception e) {
                        return businessError("param不是合法的JSON");
                    }
                    return handler.apply(param, token.tenant());
                });
    }

    private SimResponse qpsExceeded(LimitDecision d, String api, String appKey, String tenant) {
        String key =
                "apiId:"
                        + api
                        + (d.rule().scope() == LimitScope.TENANT_API
                                ? ";primaryUserId:" + tenant
                                : ";appkey:" + appKey);
        return SimResponse.ok(
                Json.object()
                        .put("result", rateLimitResultCode)
                        .put(
                                "error_msg",
                                "Exceed qps limit, KEY ["
                                        + key
                                        + "], MAX_QPS ["
                                        + (double) d.rule().limit()
                                        + "]"));
    }

    /** Checks app, signature and token; returns the platform's error, or null if all is well. */
    private SimResponse authenticate(SimRequest req, String api, String appKey) {
        String tenantOfApp = appKey == null ? null : tenantByAppKey(appKey);
        if (tenantOfApp == null) return error(25, "803000", "鉴权失败", "APPKEY无效");
        if (!api.equals(req.param("method")) || !"1".equals(req.param("version"))) {
            return error(22, "803000", "鉴权失败", "method或version无效");
        }
        String signSecret = credentials(tenantOfApp).signSecret();
        String signMethod = req.param("signMethod");
        if (!"MD5".equals(signMethod) && !"HMAC_SHA256".equals(signMethod))
            return error(10, "803000", "鉴权失败", "signMethod无效");
        if (!Crypto.same(sign(req.params(), signMethod, signSecret), req.param("sign"))) {
            return error(10, "803000", "鉴权失败", "签名验证失败");
        }
        String tokenValue = req.param("access_token");
        Tokens.Token t = tokens.find(tokenValue);
        if (t == null)
            return SimResponse.ok(
                    Json.object().put("result", 24).put("error_msg", "AUTHORIZATION_REVOKED"));
        if (tokens.validTenant(tokenValue) == null) return error(28, "803000", "鉴权失败", "TOKEN过期");
        return null;
    }

    /** The signature as the official doc defines it. */
    static String sign(Map<String, String> params, String signMethod, String signSecret) {
        Map<String, String> sorted = new TreeMap<>();
        for (String k :
                List.of(
                        "access_token",
                        "appkey",
                        "method",
                        "param",
                        "signMethod",
                        "timestamp",
                        "version")) {
            if (params.get(k) != null) sorted.put(k, params.get(k));
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach(
                (k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(k).append('=').append(v));
        sb.append("&signSecret=").append(signSecret);
        return "HMAC_SHA256".equals(signMethod)
                ? Crypto.base64(Crypto.hmac("HmacSHA256", signSecret, sb.toString()))
                : Crypto.hex(Crypto.md5(sb.toString()));
    }

    private SimResponse listOrders(JsonNode p, String tenant) {
        int queryType = p.path("queryType").asInt(1);
        int sort = p.path("sort").asInt(1);
        int pageSize = p.path("pageSize").asInt(10);
        long begin = p.path("beginTime").asLong(-1);
        long end = p.path("endTime").asLong(-1);
        String cursor = p.path("cursor").asText("");
        long now = clock.now();
        String position = "[" + begin + "," + end + ") cursor=" + cursor;
        if (queryType != 1 && queryType != 2)
            return logged(tenant, position, businessError("queryType无效"));
        if (sort != 1 && sort != 2) return logged(tenant, position, businessError("sort无效"));
        if (pageSize <= 0) return logged(tenant, position, businessError("pageSize无效"));
        if (pageSize > MAX_PAGE_SIZE) {
            if (pageSizeOverflowIsError)
                return logged(tenant, position, businessError("pageSize不能超过" + MAX_PAGE_SIZE));
            pageSize = MAX_PAGE_SIZE;
        }
        if (begin < 0 || end < 0)
            return logged(tenant, position, businessError("beginTime和endTime不能为空"));
        if (end <= begin) return logged(tenant, position, businessError("endTime无效"));
        if (end - begin > MAX_WINDOW_MILLIS)
            return logged(tenant, position, businessError("查询时间范围不能超过7天"));
        if (begin < now - LOOK_BACK_MILLIS)
            return logged(tenant, position, businessError("beginTime不能早于90天前"));

        TimeField field = queryType == 1 ? TimeField.CREATE : TimeField.UPDATE;
        boolean desc = sort == 1;
        TenantData data = tenant(tenant);
        List<SimRecord> window = data.query(field, begin, end, desc);
        if (queryType == 2)
            window =
                    window.stream()
                            .filter(r -> r.createTime() >= now - CREATE_LOOK_BACK_MILLIS)
                            .toList();
        int from = 0;
        if (!cursor.isEmpty()) {
            if (cursor.equals("nomore")) return logged(tenant, position, businessError("cursor无效"));
            long[] key = parseCursor(cursor);
            if (key == null) return logged(tenant, position, businessError("cursor无效"));
            from = firstAfter(window, field, desc, key[0], key[1]);
        }
        List<SimRecord> page = window.subList(from, Math.min(window.size(), from + pageSize));
        boolean more = from + page.size() < window.size();
        SimRecord last = page.isEmpty() ? null : page.get(page.size() - 1);
        String next = more ? field.of(last) + "_" + last.id() : "nomore";

        ObjectNode data0 = Json.object();
        data0.put("cursor", next)
                .put("pageSize", pageSize)
                .put("beginTime", begin)
                .put("endTime", end);
        ArrayNode list = data0.putArray("orderList");
        for (SimRecord r : page) list.add(render(r));
        logRequest(ORDER_LIST, tenant, position, "ok");
        afterPage(data, window);
        return SimResponse.ok(Json.object().put("result", 1).set("data", data0));
    }

    private SimResponse orderDetail(JsonNode p, String tenant) {
        long oid = p.path("oid").asLong(-1);
        String position = "oid=" + oid;
        if (oid < 0) {
            logRequest(ORDER_DETAIL, tenant, position, "error");
            return businessError("oid不能为空");
        }
        SimRecord r = tenant(tenant).get(oid);
        if (r == null) {
            logRequest(ORDER_DETAIL, tenant, position, "error");
            return businessError("订单不存在");
        }
        logRequest(ORDER_DETAIL, tenant, position, "ok");
        return SimResponse.ok(Json.object().put("result", 1).set("data", render(r)));
    }

    /** Index of the first record strictly after (time, id) in the window's order. */
    private static int firstAfter(
            List<SimRecord> window, TimeField field, boolean desc, long time, long id) {
        for (int i = 0; i < window.size(); i++) {
            SimRecord r = window.get(i);
            long t = field.of(r);
            boolean after =
                    desc
                            ? (t < time || (t == time && r.id() > id))
                            : (t > time || (t == time && r.id() > id));
            if (after) return i;
        }
        return window.size();
    }

    private static long[] parseCursor(String cursor) {
        int us = cursor.indexOf('_');
        if (us <= 0) return null;
        try {
            return new long[] {
                Long.parseLong(cursor.substring(0, us)), Long.parseLong(cursor.substring(us + 1))
            };
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private SimResponse logged(String tenant, String position, SimResponse response) {
        logRequest(ORDER_LIST, tenant, position, "error");
        return response;
    }

    private static SimResponse error(int result, String code, String msg, String errorMsg) {
        return SimResponse.ok(
                Json.object()
                        .put("result", result)
                        .put("code", code)
                        .put("msg", msg)
                        .put("error_msg", errorMsg)
                        .put("sub_code", String.valueOf(result))
                        .put("sub_msg", errorMsg)
                        .put("request_id", Long.toString(System.nanoTime())));
    }

    private static SimResponse businessError(String message) {
        ObjectNode body =
                Json.object()
                        .put("result", 2001)
                        .put("code", "807000")
                        .put("msg", "业务处理失败")
                        .put("error_msg", message)
                        .put("sub_code", "2001")
                        .put("sub_msg", message)
                        .put("success", false);
        return SimResponse.ok(body);
    }

    @Override
    public ObjectNode render(SimRecord r) {
        ObjectNode order = Json.object();
        order.putObject("orderBaseInfo")
                .put("oid", r.id())
                .put("status", STATUS[r.status()])
                .put("createTime", r.createTime())
                .put("updateTime", r.updateTime())
                .put("payTime", r.createTime() + 60_000)
                .put("totalFee", r.amountCents())
                .put("buyerNick", r.buyer());
        order.putObject("orderItemInfo")
                .put("itemTitle", "商品" + (r.id() % 97))
                .put("num", 1 + r.id() % 3);
        return order;
    }

    @Override
    public String renderId(SimRecord r) {
        return Long.toString(r.id());
    }
}
