package io.httpsync.simulator.platform.dingtalk;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitDecision;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ChinaTime;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.Crypto;
import io.httpsync.simulator.platform.ParamReader;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.Refusal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * DingTalk (钉钉) contacts on the old {@code oapi.dingtalk.com} (topapi) family, served under {@code
 * /dingtalk}; a tenant is a corp with its own app (appkey, appsecret):
 *
 * <ul>
 *   <li>{@code GET /gettoken?appkey&appsecret} &rarr; {@code access_token, expires_in 7200}; within
 *       its validity the same token is returned and its lifetime renewed.
 *   <li>{@code POST /topapi/v2/department/listsub?access_token} {@code {dept_id}} (default the
 *       root, 1) &rarr; the direct sub-departments, no paging; {@code POST
 *       /topapi/v2/department/get} {@code {dept_id}} &rarr; details incl. {@code
 *       dept_manager_userid_list} (the heads).
 *   <li>{@code POST /topapi/v2/user/list} {@code {dept_id, cursor, size<=100, order_field}} &rarr;
 *       {@code result{has_more, next_cursor, list[...]}} with {@code leader} = heads the listed
 *       department; the cursor is a numeric offset, so records shift between pages when the
 *       department changes; {@code POST /topapi/v2/user/get} {@code {userid}} &rarr; details incl.
 *       {@code manager_userid} (direct leader) and {@code leader_in_dept}.
 * </ul>
 *
 * Body values may be numbers or numeric strings (the official SDK sends strings). Errors are HTTP
 * 200 with {@code errcode}; an invalid token is wrapped as {@code errcode 88, sub_code "40014"}; an
 * expired one is 42001 (wrapped too with {@link #expiredTokenWrapped}). Limits: each corp's app per
 * API 40/s &rarr; errcode 90002 (code settable); per IP over all APIs (token included) 10,000 per
 * 20 s, then a 5-minute ban answered with a page that is not the platform's JSON: HTML, or {@code
 * {"status":1111,"wait":5,"punish":"deny",...}} ({@link #ipBanPage}).
 *
 * <p>Ground truth renders the detail APIs ({@code department/get}, {@code user/get}): the list APIs
 * show per-department views (a user's {@code leader} flag depends on the department listed) and
 * leave out heads and leaders.
 */
public final class DingTalkSim extends ContactsPlatformSim {
    public static final String NAME = "dingtalk";
    public static final String GETTOKEN = "gettoken";
    public static final String DEPARTMENT_LISTSUB = "topapi/v2/department/listsub";
    public static final String DEPARTMENT_GET = "topapi/v2/department/get";
    public static final String USER_LIST = "topapi/v2/user/list";
    public static final String USER_GET = "topapi/v2/user/get";
    public static final int MAX_PAGE_SIZE = 100;
    public static final String IP_RULE = "ip-all-apis";
    public static final String CORP_API_RULE = "corp-api-qps";
    static final long TOKEN_TTL_MILLIS = TimeUnit.SECONDS.toMillis(7200);

    /** DingTalk department ids are large numbers; the root is 1. */
    private static final long DEPARTMENT_ID_BASE = 480_000_000L;

    private static final long USER_ID_BASE = 16_000_000_000_000L;
    private static final Map<String, Comparator<Employee>> ORDER_FIELDS =
            Map.of(
                    "custom",
                            Comparator.comparingLong(Employee::order)
                                    .thenComparingLong(Employee::id),
                    "entry_asc",
                            Comparator.comparingLong(Employee::hiredAt)
                                    .thenComparingLong(Employee::id),
                    "entry_desc",
                            Comparator.comparingLong(Employee::hiredAt)
                                    .reversed()
                                    .thenComparingLong(Employee::id),
                    "modify_asc",
                            Comparator.comparingLong(Employee::modifiedAt)
                                    .thenComparingLong(Employee::id),
                    "modify_desc",
                            Comparator.comparingLong(Employee::modifiedAt)
                                    .reversed()
                                    .thenComparingLong(Employee::id));

    /** How the per-IP ban is answered; neither is the platform's errcode JSON. */
    public enum IpBanPage {
        HTML,
        DENY_JSON
    }

    private volatile IpBanPage ipBanPage = IpBanPage.HTML;
    private volatile int ipBanHttpStatus = 200;
    private volatile int rateLimitErrcode = 90002;
    private volatile boolean expiredTokenWrapped;

    public DingTalkSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        new LimitRule(
                                IP_RULE,
                                LimitScope.IP,
                                10_000,
                                Duration.ofSeconds(20),
                                Duration.ofMinutes(5)),
                        LimitRule.perSecond(CORP_API_RULE, LimitScope.TENANT_API, 40)));
    }

    /**
     * The body of the per-IP ban: an HTML page (default) or the {@code punish: deny} JSON variant.
     */
    public DingTalkSim ipBanPage(IpBanPage page) {
        this.ipBanPage = page;
        return this;
    }

    /** The HTTP status of the per-IP ban page (undocumented; default 200). */
    public DingTalkSim ipBanHttpStatus(int status) {
        this.ipBanHttpStatus = status;
        return this;
    }

    /**
     * The errcode of the per-API refusal (90002 by default; 90018/90019 are seen for other
     * dimensions).
     */
    public DingTalkSim rateLimitErrcode(int errcode) {
        this.rateLimitErrcode = errcode;
        return this;
    }

    /**
     * Whether an expired token is answered as {@code errcode 88, sub_code "42001"} instead of plain
     * 42001.
     */
    public DingTalkSim expiredTokenWrapped(boolean wrapped) {
        this.expiredTokenWrapped = wrapped;
        return this;
    }

    @Override
    public SimResponse handle(SimRequest req) {
        return switch (req.path()) {
            case "/gettoken" -> withLatency(getToken(req));
            case "/topapi/v2/department/listsub" ->
                    data(req, DEPARTMENT_LISTSUB, this::departmentListSub);
            case "/topapi/v2/department/get" -> data(req, DEPARTMENT_GET, this::departmentGet);
            case "/topapi/v2/user/list" -> data(req, USER_LIST, this::userList);
            case "/topapi/v2/user/get" -> data(req, USER_GET, this::userGet);
            default ->
                    SimResponse.ok(
                            Json.object()
                                    .put("errcode", 22)
                                    .put("errmsg", "无效的ApiName: " + req.path()));
        };
    }

    // ---------------------------------------------------------------- token

    private SimResponse getToken(SimRequest req) {
        String appKey = req.param("appkey");
        String tenant = appKey == null ? null : tenantByAppKey(appKey);
        LimitDecision decision = admit(req, GETTOKEN, appKey, tenant);
        if (!decision.accepted()) return rateLimited("/gettoken", decision);
        if (authenticateApp(appKey, req.param("appsecret")) == null)
            return error(40096, "不合法的appKey或appSecret");
        Tokens.Token current = tokens.current(tenant);
        Tokens.Token token =
                current == null
                        ? tokens.issue(tenant, "", TOKEN_TTL_MILLIS)
                        : tokens.register(
                                current.value(),
                                tenant,
                                TOKEN_TTL_MILLIS); // same token, lifetime renewed
        return SimResponse.ok(
                Json.object()
                        .put("errcode", 0)
                        .put("access_token", token.value())
                        .put("errmsg", "ok")
                        .put("expires_in", TOKEN_TTL_MILLIS / 1000));
    }

    // ---------------------------------------------------------------- data APIs

    @FunctionalInterface
    private interface DataHandler {
        SimResponse handle(ParamReader body, String tenant, Directory.Snapshot directory);
    }

    private SimResponse data(SimRequest req, String api, DataHandler handler) {
        return withToken(
                req,
                api,
                req.param("access_token"),
                refused -> rateLimited("/" + api, refused),
                rejected ->
                        rejected != TokenState.EXPIRED
                                ? wrapped("40014", "不合法的access_token")
                                : expiredTokenWrapped
                                        ? wrapped("42001", "access_token超时")
                                        : error(42001, "access_token超时"),
                tenant -> {
                    JsonNode body;
                    try {
                        body = req.json();
                    } catch (SimRequest.BadRequest e) {
                        return error(400002, "无效的参数: 请求体不是合法的JSON");
                    }
                    // the official SDK sends every value as a string: numbers are read from either
                    ParamReader params =
                            ParamReader.of(
                                    body,
                                    (name, problem) ->
                                            new Refusal(
                                                    "error:400002",
                                                    error(
                                                            400002,
                                                            "无效的参数: " + name + " " + problem)));
                    return handler.handle(params, tenant, directory(tenant).snapshot());
                });
    }

    private SimResponse departmentListSub(ParamReader body, String tenant, Directory.Snapshot s) {
        Long deptId = body.longOrNull("dept_id");
        Department parent =
                s.department(deptId == null ? Directory.ROOT_ID : neutralDepartmentId(deptId));
        if (parent == null) return error(60003, "部门不存在");
        ArrayNode result = Json.MAPPER.createArrayNode();
        for (Department d : s.children(parent.id())) {
            result.addObject()
                    .put("dept_id", departmentId(d.id()))
                    .put("name", d.name())
                    .put("parent_id", departmentId(d.parentId()))
                    .put("auto_add_user", true)
                    .put("create_dept_group", true);
        }
        return ok(result);
    }

    private SimResponse departmentGet(ParamReader body, String tenant, Directory.Snapshot s) {
        Department d = s.department(neutralDepartmentId(requiredLong(body, "dept_id")));
        if (d == null) return error(60003, "部门不存在");
        return ok(renderDepartment(d));
    }

    private SimResponse userList(ParamReader body, String tenant, Directory.Snapshot s) {
        long deptId = requiredLong(body, "dept_id");
        int cursor = body.integer("cursor", 0, 0, Integer.MAX_VALUE);
        requiredLong(body, "size");
        int size = body.integer("size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        String orderField = body.text("order_field") == null ? "custom" : body.text("order_field");
        if (!ORDER_FIELDS.containsKey(orderField))
            throw body.invalid("order_field", "must be one of " + ORDER_FIELDS.keySet());
        String position =
                "dept=" + deptId + " cursor=" + cursor + " size=" + size + " order=" + orderField;
        Department dept = s.department(neutralDepartmentId(deptId));
        if (dept == null) throw new Refusal("error:60003", error(60003, "部门不存在"));
        List<Employee> members =
                s.members(dept.id()).stream().sorted(ORDER_FIELDS.get(orderField)).toList();
        int from = Math.min(cursor, members.size());
        int to = Math.min(members.size(), from + size);
        ObjectNode result = Json.object().put("has_more", to < members.size());
        if (to < members.size()) result.put("next_cursor", to);
        ArrayNode list = result.putArray("list");
        for (Employee u : members.subList(from, to))
            list.add(renderListedUser(tenant, s, u, dept.id()));
        logRequest(USER_LIST, tenant, position, "ok");
        return ok(result);
    }

    private SimResponse userGet(ParamReader body, String tenant, Directory.Snapshot s) {
        Employee u = s.user(neutralUserId(body.required("userid")));
        if (u == null) return error(60121, "找不到该用户");
        return ok(renderUserDetail(tenant, s, u));
    }

    private static long requiredLong(ParamReader body, String name) {
        Long v = body.longOrNull(name);
        if (v == null) throw body.invalid(name, "is required");
        return v;
    }

    // ---------------------------------------------------------------- ids and rendering

    static long departmentId(long neutralId) {
        return neutralId == Directory.ROOT_ID ? Directory.ROOT_ID : DEPARTMENT_ID_BASE + neutralId;
    }

    private static long neutralDepartmentId(long dingTalkId) {
        if (dingTalkId == Directory.ROOT_ID) return Directory.ROOT_ID;
        return dingTalkId > DEPARTMENT_ID_BASE ? dingTalkId - DEPARTMENT_ID_BASE : -1;
    }

    static String userId(long neutralId) {
        return Long.toString(USER_ID_BASE + neutralId);
    }

    private static long neutralUserId(String dingTalkId) {
        try {
            long v = Long.parseLong(dingTalkId);
            return v > USER_ID_BASE ? v - USER_ID_BASE : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String unionId(String tenant, long userId) {
        return Crypto.hex(Crypto.md5(tenant + "/" + userId)).substring(0, 22) + "iEiE";
    }

    private static ObjectNode renderDepartment(Department d) {
        ObjectNode o = Json.object().put("dept_id", departmentId(d.id())).put("name", d.name());
        if (!d.isRoot()) o.put("parent_id", departmentId(d.parentId()));
        o.put("order", d.order());
        ArrayNode managers = o.putArray("dept_manager_userid_list");
        d.headIds().forEach(h -> managers.add(userId(h)));
        return o.put("auto_add_user", true)
                .put("create_dept_group", true)
                .put("group_contain_sub_dept", false)
                .put("hide_dept", false)
                .put("outer_dept", false);
    }

    /** The fields {@code user/list} and {@code user/get} share. */
    private static ObjectNode renderUserBase(String tenant, Directory.Snapshot s, Employee u) {
        ObjectNode o =
                Json.object()
                        .put("userid", userId(u.id()))
                        .put("unionid", unionId(tenant, u.id()))
                        .put("name", u.name())
                        .put("state_code", "86")
                        .put("mobile", u.mobile())
                        .put("hide_mobile", false)
                        .put("job_number", String.format("%06d", u.id()))
                        .put("title", u.title())
                        .put("email", u.email());
        ArrayNode deptIds = o.putArray("dept_id_list");
        u.departmentIds().forEach(d -> deptIds.add(departmentId(d)));
        return o.put("hired_date", u.hiredAt())
                .put("active", true)
                .put("admin", false)
                .put("boss", s.heads(u.id(), Directory.ROOT_ID))
                .put("exclusive_account", false);
    }

    private static ObjectNode renderListedUser(
            String tenant, Directory.Snapshot s, Employee u, long listedDepartment) {
        return renderUserBase(tenant, s, u)
                .put("dept_order", u.order())
                .put("leader", s.heads(u.id(), listedDepartment));
    }

    private static ObjectNode renderUserDetail(String tenant, Directory.Snapshot s, Employee u) {
        ObjectNode o = renderUserBase(tenant, s, u);
        ArrayNode orders = o.putArray("dept_order_list");
        ArrayNode leaderIn = o.putArray("leader_in_dept");
        for (long d : u.departmentIds()) {
            orders.addObject().put("dept_id", departmentId(d)).put("order", u.order());
            leaderIn.addObject().put("dept_id", departmentId(d)).put("leader", s.heads(u.id(), d));
        }
        if (u.hasLeader()) o.put("manager_userid", userId(u.leaderId()));
        return o.put("real_authed", true).put("senior", false);
    }

    @Override
    protected String truthDepartmentId(String tenant, long departmentId) {
        return Long.toString(departmentId(departmentId));
    }

    @Override
    protected String truthUserId(String tenant, long id) {
        return userId(id);
    }

    @Override
    protected ObjectNode truthDepartment(String tenant, Directory.Snapshot s, Department d) {
        return renderDepartment(d);
    }

    @Override
    protected ObjectNode truthUser(String tenant, Directory.Snapshot s, Employee u) {
        return renderUserDetail(tenant, s, u);
    }

    // ---------------------------------------------------------------- envelope

    private static String requestId() {
        return Long.toString(System.nanoTime(), 36);
    }

    private static SimResponse ok(JsonNode result) {
        return SimResponse.ok(
                Json.object()
                        .put("errcode", 0)
                        .put("errmsg", "ok")
                        .<ObjectNode>set("result", result)
                        .put("request_id", requestId()));
    }

    private static SimResponse error(int errcode, String errmsg) {
        return SimResponse.ok(
                Json.object()
                        .put("errcode", errcode)
                        .put("errmsg", errmsg)
                        .put("request_id", requestId()));
    }

    /**
     * Auth and permission errors of the old API: errcode 88 with the real code as a string {@code
     * sub_code}.
     */
    private static SimResponse wrapped(String subCode, String subMsg) {
        return SimResponse.ok(
                Json.object()
                        .put("errcode", 88)
                        .put("sub_code", subCode)
                        .put("sub_msg", subMsg)
                        .put(
                                "errmsg",
                                "ding talk error[subcode=" + subCode + ",submsg=" + subMsg + "]")
                        .put("request_id", requestId()));
    }

    private SimResponse rateLimited(String apiPath, LimitDecision refused) {
        if (refused.rule().scope() == LimitScope.IP) return ipBanned();
        long now = clock.now();
        String message =
                "您的服务器调用钉钉开放平台当前接口的所有请求都被暂时禁用了, apiPath("
                        + apiPath
                        + "), 从 "
                        + ChinaTime.format(now - refused.rule().period().toMillis())
                        + " 到 "
                        + ChinaTime.format(now)
                        + " 请求总次数超过了 "
                        + refused.rule().limit()
                        + " 次, 处罚将在 "
                        + ChinaTime.format(now + refused.retryAfterMillis())
                        + " 结束.";
        return error(rateLimitErrcode, message);
    }

    private SimResponse ipBanned() {
        return switch (ipBanPage) {
            case HTML ->
                    SimResponse.html(
                            ipBanHttpStatus,
                            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>访问被拒绝</title>"
                                    + "</head><body><h1>访问被拒绝</h1><p>您的请求过于频繁，已被暂时限制访问，请稍后再试。</p></body></html>");
            case DENY_JSON ->
                    SimResponse.json(
                            ipBanHttpStatus,
                            Json.object()
                                    .put("status", 1111)
                                    .put("wait", 5)
                                    .put("source", "x5")
                                    .put("punish", "deny")
                                    .put("uuid", UUID.randomUUID().toString()));
        };
    }
}
