package io.httpsync.simulator.platform.wecom;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.ParamReader;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.Refusal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * WeCom (企业微信) contacts API, served under {@code /wecom}; a tenant is a corp, its credentials are
 * corpid and corpsecret:
 *
 * <ul>
 *   <li>{@code GET /cgi-bin/gettoken?corpid&corpsecret} &rarr; {@code access_token, expires_in}:
 *       7200 s; while a token is valid the same one is returned with its remaining lifetime; {@code
 *       tokens().expireAll} kills tokens early, as WeCom may (then requests get 42001 and gettoken
 *       issues a new one).
 *   <li>{@code GET /cgi-bin/department/list[?id]} &rarr; {@code
 *       department[{id,name,parentid,order,department_leader}]}, the whole tree, or with {@code id}
 *       that department and all below it; {@code GET /cgi-bin/department/simplelist[?id]} &rarr;
 *       {@code department_id[{id,parentid,order}]}.
 *   <li>{@code GET /cgi-bin/user/simplelist?department_id} &rarr; {@code
 *       userlist[{userid,name,department}]} and {@code GET /cgi-bin/user/list?department_id} &rarr;
 *       {@code userlist} with details incl. {@code direct_leader} and {@code is_leader_in_dept}:
 *       direct members only, no paging ({@code fetch_child} is no longer supported and is ignored).
 *   <li>{@code POST /cgi-bin/user/list_id} {@code {cursor, limit 1..10000}} &rarr; {@code
 *       dept_user[{userid,department}]}, one entry per (user, department); {@code next_cursor} is
 *       empty at the end.
 * </ul>
 *
 * Every answer is HTTP 200 with {@code errcode/errmsg}; error messages carry WeCom's hint / from ip
 * / more info suffix. Limits per corp per API 10,000/min and 150,000/h, per IP per API 20,000/min
 * and 600,000/h (service providers 40,000 and 1,200,000: {@link #serviceProviderIpLimits});
 * exceeding a minute limit bans the key for 60 s, an hour limit for 60 min; refusals are errcode
 * 45009. Ground truth: departments as {@code department/list} renders them, users as {@code
 * user/list} does (the same in every department).
 *
 * <p>Not documented, so chosen here [U]: the default {@code limit} of {@code user/list_id} when
 * absent ({@link #defaultListIdLimit}), and the codes for an unknown department (60003), a bad
 * cursor or limit (40058).
 */
public final class WeComSim extends ContactsPlatformSim {
    public static final String NAME = "wecom";
    public static final String GETTOKEN = "gettoken";
    public static final String DEPARTMENT_LIST = "department/list";
    public static final String DEPARTMENT_SIMPLELIST = "department/simplelist";
    public static final String USER_SIMPLELIST = "user/simplelist";
    public static final String USER_LIST = "user/list";
    public static final String USER_LIST_ID = "user/list_id";
    public static final int MAX_LIST_ID_LIMIT = 10_000;
    static final long TOKEN_TTL_MILLIS = TimeUnit.SECONDS.toMillis(7200);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);

    private final AtomicLong hintCounter = new AtomicLong();
    private volatile int defaultListIdLimit = MAX_LIST_ID_LIMIT;

    public WeComSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        new LimitRule(
                                "corp-api-minute", LimitScope.TENANT_API, 10_000, MINUTE, MINUTE),
                        new LimitRule("corp-api-hour", LimitScope.TENANT_API, 150_000, HOUR, HOUR),
                        ipRule("ip-api-minute", false),
                        ipRule("ip-api-hour", false)));
    }

    private static LimitRule ipRule(String name, boolean serviceProvider) {
        return name.equals("ip-api-minute")
                ? new LimitRule(
                        name, LimitScope.IP_API, serviceProvider ? 40_000 : 20_000, MINUTE, MINUTE)
                : new LimitRule(
                        name, LimitScope.IP_API, serviceProvider ? 1_200_000 : 600_000, HOUR, HOUR);
    }

    /**
     * Per-IP limits of a third-party service provider (40,000/min, 1,200,000/h) instead of a corp's
     * own server.
     */
    public WeComSim serviceProviderIpLimits(boolean serviceProvider) {
        limits.set(ipRule("ip-api-minute", serviceProvider));
        limits.set(ipRule("ip-api-hour", serviceProvider));
        return this;
    }

    /**
     * Per-IP limits (per API) scaled down for tests: {@code perMinute} per {@code minute} and
     * {@code perHour} per {@code hour}, each banning the IP's API for its window when exceeded, as
     * the real minute and hour do; so that the hour's window matters within seconds.
     */
    public WeComSim scaledIpLimits(int perMinute, Duration minute, int perHour, Duration hour) {
        limits.set(new LimitRule("ip-api-minute", LimitScope.IP_API, perMinute, minute, minute));
        limits.set(new LimitRule("ip-api-hour", LimitScope.IP_API, perHour, hour, hour));
        return this;
    }

    /**
     * The page length of {@code user/list_id} when the request has no {@code limit} (undocumented).
     */
    public WeComSim defaultListIdLimit(int limit) {
        if (limit < 1 || limit > MAX_LIST_ID_LIMIT)
            throw new IllegalArgumentException(
                    "defaultListIdLimit must be in 1.." + MAX_LIST_ID_LIMIT);
        this.defaultListIdLimit = limit;
        return this;
    }

    @Override
    public SimResponse handle(SimRequest req) {
        return switch (req.path()) {
            case "/cgi-bin/gettoken" -> withLatency(getToken(req));
            case "/cgi-bin/department/list" -> data(req, DEPARTMENT_LIST, this::departmentList);
            case "/cgi-bin/department/simplelist" ->
                    data(req, DEPARTMENT_SIMPLELIST, this::departmentSimpleList);
            case "/cgi-bin/user/simplelist" -> data(req, USER_SIMPLELIST, this::userSimpleList);
            case "/cgi-bin/user/list" -> data(req, USER_LIST, this::userList);
            case "/cgi-bin/user/list_id" -> data(req, USER_LIST_ID, this::userListId);
            default -> SimResponse.text(404, "text/plain", "wecom: no API at " + req.path());
        };
    }

    // ---------------------------------------------------------------- token

    private SimResponse getToken(SimRequest req) {
        String corpId = req.param("corpid");
        String tenant = corpId == null ? null : tenantByAppKey(corpId);
        if (!admit(req, GETTOKEN, corpId, tenant).accepted())
            return error(req, 45009, "api freq out of limit");
        if (tenant == null) return error(req, 40013, "invalid corpid");
        if (authenticateApp(corpId, req.param("corpsecret")) == null)
            return error(req, 40001, "invalid credential");
        Tokens.Token token = tokens.current(tenant);
        if (token == null) token = tokens.issue(tenant, "", TOKEN_TTL_MILLIS);
        return SimResponse.ok(
                ok().put("access_token", token.value()).put("expires_in", remainingSeconds(token)));
    }

    // ---------------------------------------------------------------- data APIs

    @FunctionalInterface
    private interface DataHandler {
        SimResponse handle(SimRequest req, String tenant, Directory.Snapshot directory);
    }

    private SimResponse data(SimRequest req, String api, DataHandler handler) {
        return withToken(
                req,
                api,
                req.param("access_token"),
                refused -> error(req, 45009, "api freq out of limit"),
                rejected ->
                        switch (rejected) {
                            case MISSING -> error(req, 41001, "access_token missing");
                            case EXPIRED -> error(req, 42001, "access_token expired");
                            default -> error(req, 40014, "invalid access_token");
                        },
                tenant -> handler.handle(req, tenant, directory(tenant).snapshot()));
    }

    private SimResponse departmentList(SimRequest req, String tenant, Directory.Snapshot s) {
        Department top = departmentParam(req, "id", s, true);
        if (top == null) return error(req, 60003, "department not found");
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (Department d : s.subtree(top.id())) list.add(renderDepartment(d));
        return SimResponse.ok(ok().set("department", list));
    }

    private SimResponse departmentSimpleList(SimRequest req, String tenant, Directory.Snapshot s) {
        Department top = departmentParam(req, "id", s, true);
        if (top == null) return error(req, 60003, "department not found");
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (Department d : s.subtree(top.id()))
            list.addObject()
                    .put("id", d.id())
                    .put("parentid", d.parentId())
                    .put("order", d.order());
        return SimResponse.ok(ok().set("department_id", list));
    }

    private SimResponse userSimpleList(SimRequest req, String tenant, Directory.Snapshot s) {
        Department d = departmentParam(req, "department_id", s, false);
        if (d == null) return error(req, 60003, "department not found");
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (Employee u : s.members(d.id())) {
            list.addObject()
                    .put("userid", userId(u.id()))
                    .put("name", u.name())
                    .set("department", departmentIds(u));
        }
        return SimResponse.ok(ok().set("userlist", list));
    }

    private SimResponse userList(SimRequest req, String tenant, Directory.Snapshot s) {
        Department d = departmentParam(req, "department_id", s, false);
        if (d == null) return error(req, 60003, "department not found");
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (Employee u : s.members(d.id())) list.add(renderUser(s, u));
        return SimResponse.ok(ok().set("userlist", list));
    }

    /**
     * The department named by a parameter; when absent, the root if {@code rootWhenAbsent}; null if
     * unknown.
     */
    private static Department departmentParam(
            SimRequest req, String param, Directory.Snapshot s, boolean rootWhenAbsent) {
        String value = req.param(param);
        if (value == null || value.isEmpty())
            return rootWhenAbsent ? s.department(Directory.ROOT_ID) : null;
        try {
            return s.department(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private SimResponse userListId(SimRequest req, String tenant, Directory.Snapshot s) {
        if (!req.method().equals("POST")) return error(req, 43002, "require POST method");
        JsonNode json;
        try {
            json = req.json();
        } catch (SimRequest.BadRequest e) {
            return error(req, 47001, "data format error");
        }
        ParamReader body =
                ParamReader.of(
                        json,
                        (name, problem) ->
                                new Refusal(
                                        "error:40058",
                                        error(
                                                req,
                                                40058,
                                                "invalid Request Parameter, "
                                                        + name
                                                        + " "
                                                        + problem)));
        String cursor = body.text("cursor") == null ? "" : body.text("cursor");
        int limit = body.integer("limit", defaultListIdLimit, 1, MAX_LIST_ID_LIMIT);
        List<long[]> entries = new ArrayList<>(); // (user, department), by user then department
        for (Employee u : s.users()) {
            u.departmentIds().stream().sorted().forEach(d -> entries.add(new long[] {u.id(), d}));
        }
        int from = 0;
        if (!cursor.isEmpty()) {
            long[] after = decodeCursor(cursor);
            if (after == null) throw body.invalid("cursor", "is invalid");
            while (from < entries.size() && compare(entries.get(from), after) <= 0) from++;
        }
        int to = Math.min(entries.size(), from + limit);
        ArrayNode deptUser = Json.MAPPER.createArrayNode();
        for (long[] e : entries.subList(from, to))
            deptUser.addObject().put("userid", userId(e[0])).put("department", e[1]);
        String next = to < entries.size() ? encodeCursor(entries.get(to - 1)) : "";
        logRequest(USER_LIST_ID, tenant, "cursor=" + cursor + " limit=" + limit, "ok");
        return SimResponse.ok(ok().put("next_cursor", next).set("dept_user", deptUser));
    }

    private static int compare(long[] a, long[] b) {
        return a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]);
    }

    /**
     * The cursor is opaque to clients: the last (user, department) served, so paging resumes right
     * after it.
     */
    private static String encodeCursor(long[] entry) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((entry[0] + ":" + entry[1]).getBytes(StandardCharsets.UTF_8));
    }

    private static long[] decodeCursor(String cursor) {
        try {
            String[] parts =
                    new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)
                            .split(":");
            return parts.length == 2
                    ? new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])}
                    : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- rendering

    /** WeCom userids are account names chosen by the corp; the simulator's are {@code user<id>}. */
    static String userId(long id) {
        return "user" + id;
    }

    private static ObjectNode renderDepartment(Department d) {
        ObjectNode o =
                Json.object()
                        .put("id", d.id())
                        .put("name", d.name())
                        .put("parentid", d.parentId())
                        .put("order", d.order());
        ArrayNode leaders = o.putArray("department_leader");
        d.headIds().forEach(h -> leaders.add(userId(h)));
        return o;
    }

    private static ArrayNode departmentIds(Employee u) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        u.departmentIds().forEach(a::add);
        return a;
    }

    private static ObjectNode renderUser(Directory.Snapshot s, Employee u) {
        ObjectNode o = Json.object().put("userid", userId(u.id())).put("name", u.name());
        o.set("department", departmentIds(u));
        ArrayNode order = o.putArray("order");
        ArrayNode leaderInDept = o.putArray("is_leader_in_dept");
        for (long d : u.departmentIds()) {
            order.add(u.order());
            leaderInDept.add(s.heads(u.id(), d) ? 1 : 0);
        }
        o.put("position", u.title())
                .put("mobile", u.mobile())
                .put("gender", u.id() % 2 == 0 ? "2" : "1")
                .put("email", u.email());
        ArrayNode directLeader = o.putArray("direct_leader");
        if (u.hasLeader()) directLeader.add(userId(u.leaderId()));
        return o.put("status", 1).put("main_department", u.mainDepartmentId());
    }

    @Override
    protected String truthDepartmentId(String tenant, long departmentId) {
        return Long.toString(departmentId);
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
        return renderUser(s, u);
    }

    // ---------------------------------------------------------------- envelope

    private static ObjectNode ok() {
        return Json.object().put("errcode", 0).put("errmsg", "ok");
    }

    /**
     * An error as WeCom words it: the message, a request hint, the caller's IP and the error-code
     * lookup link.
     */
    private SimResponse error(SimRequest req, int code, String message) {
        String hint =
                clock.now() / 1000
                        + "_"
                        + hintCounter.incrementAndGet()
                        + "_"
                        + Long.toHexString(random.nextLong());
        return SimResponse.ok(
                Json.object()
                        .put("errcode", code)
                        .put(
                                "errmsg",
                                message
                                        + ", hint: ["
                                        + hint
                                        + "], from ip: "
                                        + req.clientIp()
                                        + ", more info at https://open.work.weixin.qq.com/devtool/query?e="
                                        + code));
    }
}
