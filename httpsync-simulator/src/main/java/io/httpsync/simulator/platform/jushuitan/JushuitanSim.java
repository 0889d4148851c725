package io.httpsync.simulator.platform.jushuitan;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Jushuitan (聚水潭) open API, served under {@code /jushuitan}:
 *
 * <ul>
 *   <li>{@code POST /open/orders/single/query} (form) with {@code app_key, access_token, timestamp}
 *       (epoch seconds), {@code version=2, charset=utf-8}, {@code biz} (the business parameters as
 *       a JSON string) and {@code sign};
 *   <li>{@code POST /openWeb/auth/getInitToken} (self-built app: {@code app_key, timestamp,
 *       grant_type=authorization_code, charset, code} (any 6 characters), {@code sign}) and {@code
 *       POST /openWeb/auth/refreshToken} ({@code app_key, timestamp, grant_type=refresh_token,
 *       charset, refresh_token, scope=all, sign}), answering {@code {code:0, msg,
 *       data{access_token, expires_in, refresh_token, scope}}}. A refresh kills the company's
 *       earlier access tokens and its refresh token. Both are logged in {@link
 *       io.httpsync.simulator.Accounting#tokenRequests()}; {@link #issueRefreshToken} hands one
 *       out.
 * </ul>
 *
 * Signing: {@code sign = md5hex_lower(app_secret + s)} where {@code s} is every parameter except
 * {@code sign} with a value, sorted by name, concatenated as {@code name+value} (for the query:
 * {@code access_token, app_key, biz, charset, timestamp, version}).
 *
 * <p>{@code biz}: {@code modified_begin, modified_end} ({@code yyyy-MM-dd HH:mm:ss}, together, at
 * most 7 days apart; one of the time range, {@code so_ids} (at most 20) or {@code o_ids} is
 * required), {@code date_type} (0 modified, 2 order date; 3 send date is not simulated), {@code
 * page_index} from 1, {@code page_size} 1..100 (default 10), {@code start_ts} (row version, {@code
 * >=}; the result is then sorted by {@code ts}) and {@code is_get_total} (default true; false
 * answers {@code data_count} and {@code page_count} 0). Without {@code start_ts} orders are sorted
 * by the time field ascending, then by {@code o_id} (the platform does not document its order), so
 * forward page-number paging over a modified window loses orders that change meanwhile, as
 * Jushuitan warns. {@code ts} is a row version: every change of an order gets a number larger than
 * any handed out before.
 *
 * <p>Answers, all in HTTP 200: {@code {code:0, msg, data{page_size, page_index, data_count,
 * page_count, has_next, orders[...]}}}, or {@code {code, msg, data:null}} with code 10 (bad
 * signature; also an unknown app key, whose signature cannot be checked), 100 (unknown or expired
 * access token), 140 (timestamp off by more than the allowed skew), 150 (refresh forbidden), 199 (a
 * per-second limit: the doc says more than 5 a second) and 200 (any longer limit: more than 100 a
 * minute). The doc does not say what the limits are counted per; the simulator counts them per
 * company (the tenant an access token belongs to) and API, as the token identifies the company.
 *
 * <p>Undocumented details are settings: {@link #maxTimestampSkewMillis} (default 15 minutes, as
 * error 140's text says; the request doc says 10), {@link #tokenTtlSeconds} (default 180 days),
 * {@link #parameterErrorCode} (default 130, seen in third-party notes for a missing parameter, used
 * for any bad parameter), {@link #refreshForbidden} (default false: a self-built app), {@link
 * #endInclusive} (default true).
 *
 * <p>Thread-safe: requests arrive on the server's I/O threads, settings may be changed from any
 * thread.
 */
public final class JushuitanSim extends OrderPlatformSim {
    public static final String NAME = "jushuitan";
    public static final String ORDER_QUERY = "orders.single.query";
    public static final int MAX_PAGE_SIZE = 100;
    public static final int DEFAULT_PAGE_SIZE = 10;
    public static final int MAX_SO_IDS = 20;
    public static final long MAX_WINDOW_MILLIS = TimeUnit.DAYS.toMillis(7);
    private static final long FIRST_O_ID = 1_528_134L;
    private static final long SO_ID_BASE = 3_600_000_000_000_000_000L;
    private static final String[] STATUS = {
        "WaitPay", "WaitConfirm", "WaitFConfirm", "Delivering", "Sent", "Question", "Cancelled"
    };
    private static final String OK_MSG = "执行成功";

    private volatile long maxTimestampSkewMillis = TimeUnit.MINUTES.toMillis(15);
    private volatile long tokenTtlSeconds = TimeUnit.DAYS.toSeconds(180);
    private volatile int parameterErrorCode = 130;
    private volatile boolean refreshForbidden;
    private volatile boolean endInclusive = true;

    /** refresh token -> company */
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();

    /**
     * (o_id, version) -> ts: the row version of every version of an order the platform has shown or
     * counted
     */
    private final Map<RowKey, Long> rowVersions = new HashMap<>();

    private long lastRowVersion = 18_000_000L;

    private record RowKey(long id, int version) {}

    public JushuitanSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        LimitRule.perSecond("per-second", LimitScope.TENANT_API, 5),
                        new LimitRule(
                                "per-minute",
                                LimitScope.TENANT_API,
                                100,
                                Duration.ofMinutes(1),
                                Duration.ZERO)),
                FIRST_O_ID);
    }

    /**
     * Credentials of one company: the app's key and secret (a self-built app belongs to the first
     * company added with its key, the one {@code getInitToken} issues tokens for; a
     * service-provider app serves several) and an access token registered when the tenant is added
     * (null for {@link #defaultAccessToken}; a client may also get one from {@code getInitToken}).
     */
    public static Credentials credentials(String appKey, String appSecret, String accessToken) {
        return new Credentials(appKey, appSecret, null, accessToken);
    }

    public JushuitanSim maxTimestampSkewMillis(long millis) {
        this.maxTimestampSkewMillis = millis;
        return this;
    }

    /** The {@code expires_in} of tokens issued from now on. */
    public JushuitanSim tokenTtlSeconds(long seconds) {
        this.tokenTtlSeconds = seconds;
        return this;
    }

    public JushuitanSim parameterErrorCode(int code) {
        this.parameterErrorCode = code;
        return this;
    }

    /**
     * Whether {@code refreshToken} answers 150, as it does for service-provider (ISV) apps since
     * 2023-08-15.
     */
    public JushuitanSim refreshForbidden(boolean forbidden) {
        this.refreshForbidden = forbidden;
        return this;
    }

    /**
     * Whether an order modified at exactly {@code modified_end} is returned; the doc does not say.
     */
    public JushuitanSim endInclusive(boolean inclusive) {
        this.endInclusive = inclusive;
        return this;
    }

    /**
     * The access token a company added without one gets, so that a client configured by hand can
     * call at once.
     */
    public static String defaultAccessToken(String tenant) {
        return "token-" + tenant;
    }

    @Override
    protected void onTenantAdded(String tenantId, Credentials creds) {
        String token =
                creds.accessToken() != null ? creds.accessToken() : defaultAccessToken(tenantId);
        tokens.register(token, tenantId, TimeUnit.SECONDS.toMillis(tokenTtlSeconds));
    }

    @Override
    public SimResponse handle(SimRequest req) {
        return switch (req.path()) {
            case "/open/orders/single/query" -> queryOrders(req);
            case "/openWeb/auth/getInitToken" ->
                    withLatency(
                            loggedToken("authorization_code", req, answer(() -> initToken(req))));
            case "/openWeb/auth/refreshToken" ->
                    withLatency(loggedToken("refresh_token", req, answer(() -> refreshToken(req))));
            default -> SimResponse.text(404, "text/plain", "no such path: " + req.path());
        };
    }

    private static SimResponse answer(Supplier<SimResponse> handler) {
        try {
            return handler.get();
        } catch (Refusal r) {
            return r.response();
        }
    }

    // ---------------------------------------------------------------- tokens

    private SimResponse initToken(SimRequest req) {
        String tenant = verify(req);
        if (!"authorization_code".equals(req.param("grant_type")))
            throw parameterError("grant_type必须为authorization_code");
        String code = req.param("code");
        if (code == null || code.length() != 6) throw parameterError("code必须为6位随机字符串");
        return tokenResponse(tenant);
    }

    private SimResponse refreshToken(SimRequest req) {
        String tenant = verify(req);
        if (refreshForbidden) throw refusal(150, "服务商应用禁止刷新access_token,需商户重新授权");
        if (!"refresh_token".equals(req.param("grant_type")))
            throw parameterError("grant_type必须为refresh_token");
        if (!"all".equals(req.param("scope"))) throw parameterError("scope必须为all");
        String given = req.param("refresh_token");
        if (given == null || !tenant.equals(refreshTokens.get(given)))
            throw refusal(100, "验证失败！无效的refresh_token");
        refreshTokens.remove(given);
        tokens.expireAll(tenant);
        return tokenResponse(tenant);
    }

    /**
     * Issues a refresh token for the company directly, as if it had authorized the app (not
     * logged).
     */
    public String issueRefreshToken(String tenant) {
        tenant(tenant);
        String refresh = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        refreshTokens.put(refresh, tenant);
        return refresh;
    }

    /** Logs a token request with the company of its app key and how it ended. */
    private SimResponse loggedToken(String grant, SimRequest req, SimResponse response) {
        String appKey = req.param("app_key");
        return loggedTokenRequest(
                grant,
                appKey == null ? null : tenantByAppKey(appKey),
                response,
                body ->
                        body.path("code").asInt(-1) == 0
                                ? "ok"
                                : body.path("msg").asText("code " + body.path("code")));
    }

    private SimResponse tokenResponse(String tenant) {
        long ttl = tokenTtlSeconds;
        Tokens.Token t = tokens.issue(tenant, "", TimeUnit.SECONDS.toMillis(ttl));
        String refresh = Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        refreshTokens.put(refresh, tenant);
        ObjectNode data =
                Json.object()
                        .put("access_token", t.value())
                        .put("expires_in", ttl)
                        .put("refresh_token", refresh)
                        .put("scope", "all");
        return SimResponse.ok(Json.object().put("code", 0).put("msg", OK_MSG).set("data", data));
    }

    // ---------------------------------------------------------------- common checks

    /**
     * Checks app key, charset, timestamp and signature; returns the app's first company (the one a
     * self-built app belongs to). All companies of one app share its secret.
     */
    private String verify(SimRequest req) {
        String appKey = req.param("app_key");
        String tenant = appKey == null ? null : tenantByAppKey(appKey);
        if (tenant == null) throw refusal(10, "验证失败！无效的app_key");
        if (!"utf-8".equals(req.param("charset"))) throw parameterError("charset目前只能传utf-8");
        checkTimestamp(req.param("timestamp"));
        String expected = sign(req.params(), credentials(tenant).appSecret());
        if (!Crypto.same(expected, req.param("sign"))) throw refusal(10, "验证失败！无效签名");
        return tenant;
    }

    private void checkTimestamp(String timestamp) {
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            throw refusal(140, "验证失败！无效的timestamp");
        }
        if (Math.abs(clock.now() - TimeUnit.SECONDS.toMillis(seconds)) > maxTimestampSkewMillis) {
            throw refusal(
                    140,
                    "验证失败！无效的timestamp，请求最大时间误差"
                            + TimeUnit.MILLISECONDS.toMinutes(maxTimestampSkewMillis)
                            + "分钟");
        }
    }

    /**
     * Jushuitan's signature: lower-case hex MD5 of the app secret followed by the sorted
     * parameters.
     */
    static String sign(Map<String, String> params, String appSecret) {
        return Crypto.hex(Crypto.md5(appSecret + Crypto.concatSorted(params, "sign")));
    }

    // ---------------------------------------------------------------- the order query

    private SimResponse queryOrders(SimRequest req) {
        String appKey = req.param("app_key");
        Tokens.Token token = tokens.find(req.param("access_token"));
        String tenant = token == null ? null : token.tenant();
        String position = "biz=" + req.param("biz");
        return gateway(
                req,
                ORDER_QUERY,
                appKey,
                tenant,
                d -> rateLimited(d, tenant, position),
                fault -> {
                    try {
                        if (!"2".equals(req.param("version")))
                            throw parameterError("version目前只能传2");
                        verify(req);
                        String tokenTenant = tokens.validTenant(req.param("access_token"));
                        if (tokenTenant == null
                                || !credentials(tokenTenant).appKey().equals(appKey)) {
                            throw refusal(100, "验证失败！无效的access_token或access_token已过期");
                        }
                        return orders(req, tokenTenant, fault, position);
                    } catch (Refusal r) {
                        logRequest(ORDER_QUERY, tenant, position, r.outcome());
                        return r.response();
                    }
                });
    }

    private SimResponse rateLimited(LimitDecision d, String tenant, String position) {
        boolean perSecond = d.rule().period().compareTo(Duration.ofSeconds(1)) <= 0;
        Refusal r = perSecond ? refusal(199, "调用频次超过限制!请稍后再试") : refusal(200, "调用频次超过限制");
        logRequest(ORDER_QUERY, tenant, position, r.outcome());
        return r.response();
    }

    private SimResponse orders(SimRequest req, String tenant, Fault fault, String position) {
        JsonNode biz;
        try {
            biz = Json.MAPPER.readTree(req.param("biz") == null ? "" : req.param("biz"));
        } catch (Exception e) {
            biz = null;
        }
        if (biz == null || !biz.isObject()) throw parameterError("biz必须是JSON对象字符串，无业务参数时传\"{}\"");
        ParamReader p =
                ParamReader.of(biz, (name, problem) -> parameterError(name + " " + problem));
        Long begin = p.time("modified_begin");
        Long end = p.time("modified_end");
        Set<String> soIds = texts(biz, "so_ids");
        Set<String> oIds = texts(biz, "o_ids");
        int dateType = p.integer("date_type", 0, 0, 3);
        int pageIndex = p.integer("page_index", 1, 1, Integer.MAX_VALUE);
        int pageSize = p.integer("page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        Long startTs = p.longOrNull("start_ts");
        boolean getTotal = p.bool("is_get_total", true);
        if ((begin == null) != (end == null))
            throw p.invalid("modified_begin", "和modified_end必须同时存在");
        if (begin == null && soIds.isEmpty() && oIds.isEmpty()) {
            throw p.invalid("modified_begin", "时间条件、线上单号(so_ids)、内部单号(o_ids)不能同时为空");
        }
        if (soIds.size() > MAX_SO_IDS) throw p.invalid("so_ids", "最多" + MAX_SO_IDS + "个");
        if (dateType != 0 && dateType != 2)
            throw p.invalid("date_type", "the simulator knows 0 (modified) and 2 (order_date)");
        if (begin != null && end <= begin) throw p.invalid("modified_end", "必须晚于modified_begin");
        if (begin != null && end - begin > MAX_WINDOW_MILLIS)
            throw p.invalid("modified_end", "时间间隔不能超过七天");

        TenantData data = tenant(tenant);
        assignRowVersions(data.snapshot().live());
        TimeField field = dateType == 2 ? TimeField.CREATE : TimeField.UPDATE;
        List<SimRecord> window =
                begin != null
                        ? new TimeWindow(begin, end, endInclusive).query(data, field, false)
                        : data.snapshot().live();
        List<SimRecord> matching = new ArrayList<>();
        for (SimRecord r : window) {
            if ((soIds.isEmpty() || soIds.contains(soId(r)))
                    && (oIds.isEmpty() || oIds.contains(Long.toString(r.id())))
                    && (startTs == null || rowVersion(r) >= startTs)) {
                matching.add(r);
            }
        }
        if (startTs != null) matching.sort(Comparator.comparingLong(this::rowVersion));
        PageSlice page = PageSlice.of(matching, pageIndex, pageSize);
        int count = getTotal ? page.reportedTotal(fault, random) : 0;
        ObjectNode result =
                Json.object()
                        .put("page_size", pageSize)
                        .put("page_index", pageIndex)
                        .put("data_count", count)
                        .put("page_count", PageSlice.pageCount(count, pageSize))
                        .put("has_next", page.hasNext());
        ArrayNode orders = result.putArray("orders");
        page.records().forEach(r -> orders.add(render(r)));
        logRequest(ORDER_QUERY, tenant, position, "ok");
        afterPage(data, window);
        return SimResponse.ok(Json.object().put("code", 0).put("msg", OK_MSG).set("data", result));
    }

    /** The members of a JSON array of strings or numbers, as text; empty when absent. */
    private Set<String> texts(JsonNode biz, String name) {
        JsonNode v = biz.get(name);
        if (v == null || v.isNull()) return Set.of();
        if (!v.isArray()) throw parameterError(name + " must be a JSON array");
        Set<String> out = new HashSet<>();
        v.forEach(e -> out.add(e.asText()));
        return out;
    }

    private Refusal parameterError(String message) {
        return refusal(parameterErrorCode, message);
    }

    private static Refusal refusal(int code, String msg) {
        return new Refusal(
                "error:" + code,
                SimResponse.ok(Json.object().put("code", code).put("msg", msg).putNull("data")));
    }

    // ---------------------------------------------------------------- row versions

    /** Gives every version not yet numbered a row version, in the order the versions were made. */
    private synchronized void assignRowVersions(List<SimRecord> current) {
        current.stream()
                .filter(r -> !rowVersions.containsKey(new RowKey(r.id(), r.version())))
                .sorted(
                        Comparator.comparingLong(SimRecord::updateTime)
                                .thenComparingLong(SimRecord::id))
                .forEach(this::rowVersion);
    }

    /** The row version of this version of the order, numbering it now if it has none. */
    private synchronized long rowVersion(SimRecord r) {
        return rowVersions.computeIfAbsent(new RowKey(r.id(), r.version()), k -> ++lastRowVersion);
    }

    // ---------------------------------------------------------------- rendering

    private static String soId(SimRecord r) {
        return Long.toString(SO_ID_BASE + r.id());
    }

    @Override
    public ObjectNode render(SimRecord r) {
        ObjectNode order =
                Json.object()
                        .put("o_id", r.id())
                        .put("so_id", soId(r))
                        .put("shop_id", 10_000 + r.id() % 3)
                        .put("status", STATUS[r.status()])
                        .put("order_date", ChinaTime.format(r.createTime()))
                        .put("created", ChinaTime.format(r.createTime()))
                        .put("modified", ChinaTime.format(r.updateTime()))
                        .put("ts", rowVersion(r))
                        .put("pay_amount", Yuan.number(r.amountCents()))
                        .put("shop_buyer_id", r.buyer());
        ArrayNode items = order.putArray("items");
        for (LineItem item : LineItem.of(r)) {
            items.addObject()
                    .put("oi_id", r.id() * 10 + item.index())
                    .put("sku_id", item.sku())
                    .put("name", item.title())
                    .put("qty", 1)
                    .put("price", Yuan.number(item.amountCents()))
                    .put("amount", Yuan.number(item.amountCents()));
        }
        return order;
    }

    @Override
    public String renderId(SimRecord r) {
        return Long.toString(r.id());
    }
}
