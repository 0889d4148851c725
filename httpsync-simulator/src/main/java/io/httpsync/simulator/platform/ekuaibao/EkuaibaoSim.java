package io.httpsync.simulator.platform.ekuaibao;

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
import io.httpsync.simulator.platform.OrderPlatformSim;
import io.httpsync.simulator.platform.ParamReader;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.Refusal;
import io.httpsync.simulator.platform.TimeWindow;
import io.httpsync.simulator.platform.Yuan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Ekuaibao (易快报, Hose 合思) open API, served under {@code /ekuaibao}, from its public documentation
 * (open-platform-docs: 获取授权, 获取单据列表):
 *
 * <ul>
 *   <li>{@code POST /api/openapi/v1/auth/getAccessToken} with the JSON body {@code {appKey,
 *       appSecurity}}: answers {@code {value{accessToken, refreshToken, expireTime (epoch millis),
 *       corporationId}}}; wrong keys get HTTP 403. The corporation is the tenant; its app key is
 *       {@link Credentials#appKey()}, its app security {@link Credentials#appSecret()};
 *   <li>{@code GET /api/openapi/v1.1/docs/getApplyList?accessToken&type&start&count}, optional
 *       {@code orderBy} ({@code createTime} by default, or {@code updateTime}), {@code orderByType}
 *       ({@code desc} by default, or {@code asc}), {@code startDate}/{@code endDate} ({@code
 *       yyyy-MM-dd HH:mm:ss}, GMT+8, on the field of {@code orderBy}): the expense flows at offset
 *       {@code start} (from 0), {@code 0 < count <= 100} of them, as {@code {count, items[{id,
 *       active, createTime, updateTime, corporationId, form{code, title, payMoney{standard}},
 *       state, formType}]}}. {@code count} is the query's total, also on a page past the end (a
 *       client that waits for it to reach zero never stops).
 * </ul>
 *
 * A missing, unknown or expired token gets HTTP 403 (as the docs' answer to invalid keys); a bad
 * parameter HTTP 400; both with {@code {errorCode, errorMessage}} (the body is undocumented).
 *
 * <p>Undocumented details are settings: {@link #tokenTtlMillis} (default 2 hours, as documented),
 * {@link #endInclusive} (default true), the limit (default 30 calls a second per corporation).
 *
 * <p>{@link #twoStepLogin}, off by default, is not Ekuaibao's: it makes the list accept only
 * session tokens from {@code POST /api/openapi/v1/auth/session} with {@code {accessToken}} (a valid
 * corporation token) answering {@code {value{sessionToken, expireTime}}}, a login in two steps as
 * some platforms have (an app token first, then a session from it). A session dies with the token
 * it came from.
 *
 * <p>Thread-safe: requests arrive on the server's I/O threads, settings may be changed from any
 * thread.
 */
public final class EkuaibaoSim extends OrderPlatformSim {
    public static final String NAME = "ekuaibao";
    public static final String GET_APPLY_LIST = "docs.getApplyList";
    public static final String TOKEN_PATH = "/api/openapi/v1/auth/getAccessToken";
    public static final String SESSION_PATH = "/api/openapi/v1/auth/session";
    public static final String LIST_PATH = "/api/openapi/v1.1/docs/getApplyList";
    public static final int MAX_COUNT = 100;
    private static final long FIRST_ID = 52_000_000L;
    private static final String[] STATE = {
        "approving", "rejected", "paying", "PROCESSING", "paid", "archived"
    };

    private volatile long tokenTtlMillis = TimeUnit.HOURS.toMillis(2);
    private volatile long sessionTtlMillis = TimeUnit.MINUTES.toMillis(30);
    private volatile boolean endInclusive = true;
    private volatile boolean twoStepLogin;
    private final Set<String> sessions = ConcurrentHashMap.newKeySet();

    public EkuaibaoSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(LimitRule.perSecond("corp-api-qps", LimitScope.TENANT_API, 30)),
                FIRST_ID);
    }

    /** A corporation's app key ({@code appKey}) and app security ({@code appSecurity}). */
    public static Credentials credentials(String appKey, String appSecurity) {
        return new Credentials(appKey, appSecurity, null, null);
    }

    /** The lifetime of tokens issued from now on. */
    public EkuaibaoSim tokenTtlMillis(long ttl) {
        this.tokenTtlMillis = ttl;
        return this;
    }

    /** Whether a flow updated at exactly {@code endDate} is listed; the docs do not say. */
    public EkuaibaoSim endInclusive(boolean inclusive) {
        this.endInclusive = inclusive;
        return this;
    }

    /**
     * Whether the list wants a session token of the second login step (not Ekuaibao's, see the
     * class comment), living at most {@code sessionTtlMillis}.
     */
    public EkuaibaoSim twoStepLogin(boolean on, long sessionTtlMillis) {
        this.twoStepLogin = on;
        this.sessionTtlMillis = sessionTtlMillis;
        return this;
    }

    @Override
    public SimResponse handle(SimRequest req) {
        if (req.path().equals(TOKEN_PATH)) return withLatency(token(req));
        if (req.path().equals(SESSION_PATH)) return withLatency(session(req));
        if (req.path().equals(LIST_PATH)) return applyList(req);
        return error(404, "api not found: " + req.path());
    }

    // ---------------------------------------------------------------- tokens

    private SimResponse token(SimRequest req) {
        JsonNode body;
        try {
            body = req.json();
        } catch (SimRequest.BadRequest e) {
            return error(400, "request body is not valid JSON");
        }
        String appKey = body.path("appKey").asText(null);
        String tenant = appKey == null ? null : tenantByAppKey(appKey);
        Credentials c = tenant == null ? null : credentials(tenant);
        if (c == null || !c.appSecret().equals(body.path("appSecurity").asText(null))) {
            return loggedTokenRequest("getAccessToken", null, error(403, "密钥无效"), b -> "error:403");
        }
        Tokens.Token t = tokens.issue(tenant, "ID_", tokenTtlMillis);
        ObjectNode value =
                Json.object()
                        .put("accessToken", t.value())
                        .put("refreshToken", "rf" + Long.toHexString(random.nextLong()))
                        .put("expireTime", t.expiresAt())
                        .put("corporationId", tenant);
        return loggedTokenRequest(
                "getAccessToken",
                tenant,
                SimResponse.ok(Json.object().set("value", value)),
                b -> "ok");
    }

    private SimResponse session(SimRequest req) {
        JsonNode body;
        try {
            body = req.json();
        } catch (SimRequest.BadRequest e) {
            return error(400, "request body is not valid JSON");
        }
        String corpToken = body.path("accessToken").asText(null);
        String tenant = tokens.validTenant(corpToken);
        if (tenant == null || sessions.contains(corpToken)) {
            return loggedTokenRequest(
                    "session", null, error(403, "accessToken无效或已过期"), b -> "error:403");
        }
        long corpExpiry = tokens.find(corpToken).expiresAt();
        long ttl = Math.max(1, Math.min(sessionTtlMillis, corpExpiry - clock.now()));
        Tokens.Token s = tokens.issue(tenant, "SS_", ttl);
        sessions.add(s.value());
        ObjectNode value =
                Json.object().put("sessionToken", s.value()).put("expireTime", s.expiresAt());
        return loggedTokenRequest(
                "session", tenant, SimResponse.ok(Json.object().set("value", value)), b -> "ok");
    }

    /** The corporation whose valid token the list request carries, or a refusal. */
    private String listTenant(String token) {
        String tenant = tokens.validTenant(token);
        if (tenant == null || twoStepLogin != sessions.contains(token)) {
            throw new Refusal("error:403", error(403, "accessToken无效或已过期"));
        }
        return tenant;
    }

    // ---------------------------------------------------------------- list

    private SimResponse applyList(SimRequest req) {
        String token = req.param("accessToken");
        Tokens.Token known = tokens.find(token);
        String tenant = known == null ? null : known.tenant();
        String app = tenant == null ? null : credentials(tenant).appKey();
        String position = req.query().toString();
        return gateway(
                req,
                GET_APPLY_LIST,
                app,
                tenant,
                d -> {
                    logRequest(GET_APPLY_LIST, tenant, position, "error:429");
                    return error(429, "请求过于频繁");
                },
                fault -> {
                    try {
                        return list(req, listTenant(token), fault, position);
                    } catch (Refusal r) {
                        logRequest(GET_APPLY_LIST, tenant, position, r.outcome());
                        return r.response();
                    }
                });
    }

    private SimResponse list(SimRequest req, String tenant, Fault fault, String position) {
        ParamReader p =
                ParamReader.of(
                        req.query(),
                        (name, problem) ->
                                new Refusal("error:400", error(400, name + " " + problem)));
        String type = p.required("type");
        if (!type.equals("expense"))
            throw p.invalid("type", "the simulator lists expense flows only");
        int start = p.integer("start", -1, 0, Integer.MAX_VALUE);
        if (start < 0) throw p.invalid("start", "is required");
        int count = p.integer("count", -1, 1, MAX_COUNT);
        if (count < 1) throw p.invalid("count", "is required: 0 < count <= " + MAX_COUNT);
        String orderBy = p.text("orderBy") == null ? "createTime" : p.text("orderBy");
        TimeField field =
                switch (orderBy) {
                    case "createTime" -> TimeField.CREATE;
                    case "updateTime" -> TimeField.UPDATE;
                    default -> throw p.invalid("orderBy", "must be createTime or updateTime");
                };
        String orderByType = p.text("orderByType") == null ? "desc" : p.text("orderByType");
        if (!orderByType.equals("desc") && !orderByType.equals("asc"))
            throw p.invalid("orderByType", "must be asc or desc");
        Long from = p.time("startDate");
        Long to = p.time("endDate");
        TimeWindow window =
                new TimeWindow(
                        from == null ? Long.MIN_VALUE / 2 : from,
                        to == null ? Long.MAX_VALUE / 2 : to,
                        to == null || endInclusive);
        if (window.end() < window.start()) throw p.invalid("endDate", "is before startDate");

        TenantData data = tenant(tenant);
        List<SimRecord> all = window.query(data, field, orderByType.equals("desc"));
        int fromIndex = (int) Math.min(start, all.size());
        int toIndex = (int) Math.min((long) start + count, all.size());
        int total = all.size();
        if (fault == Fault.LYING_TOTAL) total = total + 1 + random.nextInt(Math.max(1, total));
        ObjectNode body = Json.object().put("count", total);
        ArrayNode items = body.putArray("items");
        all.subList(fromIndex, toIndex).forEach(r -> items.add(render(r)));
        logRequest(GET_APPLY_LIST, tenant, position, "ok");
        afterPage(data, all);
        return SimResponse.ok(body);
    }

    private static SimResponse error(int status, String message) {
        return SimResponse.json(
                status,
                Json.object()
                        .put("errorCode", status)
                        .put("errorMessage", message)
                        .putNull("errorDetails"));
    }

    // ---------------------------------------------------------------- rendering

    @Override
    public ObjectNode render(SimRecord r) {
        ObjectNode flow =
                Json.object()
                        .put("id", renderId(r))
                        .put("active", true)
                        .put("version", r.version())
                        .put("createTime", r.createTime())
                        .put("updateTime", r.updateTime())
                        .put("corporationId", "corp");
        ObjectNode form = flow.putObject("form");
        form.put("code", "B" + (r.id() % 100_000_000L))
                .put("title", "报销 " + r.buyer())
                .put("submitDate", r.createTime());
        form.putObject("payMoney")
                .put("standard", Yuan.text(r.amountCents()))
                .put("standardStrCode", "CNY");
        flow.put("ownerId", "corp:" + r.buyer())
                .put("state", STATE[r.status() % STATE.length])
                .put("flowType", "freeflow")
                .put("formType", "expense");
        return flow;
    }

    /** Flow ids look like {@code ID_3z} + base 36 of the record id, stable for a record. */
    @Override
    public String renderId(SimRecord r) {
        return "ID_3z" + Long.toString(r.id(), 36);
    }
}
