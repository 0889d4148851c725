package io.httpsync.simulator.platform.beisen;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Tokens;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.http.SimRequest;
import io.httpsync.simulator.http.SimResponse;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ChinaTime;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.ParamReader;
import io.httpsync.simulator.platform.PlatformContext;
import io.httpsync.simulator.platform.Refusal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Beisen-style (北森 iTalent) HR platform, served under {@code /beisen}, for the associated-data
 * case: a department's employees are listed with a scroll id that is valid only for a limited time,
 * each employee carries the id of its organization, and organizations are read one at a time from a
 * detail API with a lower limit. A tenant is a corp with its own app (app key and secret); its data
 * is a {@link Directory} (an organization is a department).
 *
 * <ul>
 *   <li>{@code POST /token} (form body {@code grant_type=client_credentials, app_key, app_secret})
 *       &rarr; {@code {access_token, token_type:"bearer", expires_in:7200}}, the same token while
 *       it is valid; a wrong app is HTTP 400 {@code {"error":"invalid_client"}}.
 *   <li>{@code POST /TenantBaseExternal/api/v5/Employee/GetByDepartment} with {@code Authorization:
 *       Bearer <token>}, JSON body {@code {departmentId, scrollId, capacity (1..100, default 100)}}
 *       &rarr; {@code {code:"200", message, scrollId, isLastData, total, data:[employee]}}: the
 *       direct members of the department, by user id. The first request has no (or an empty) scroll
 *       id; the answer's scroll id asks for the next page. <b>A scroll is valid for {@link
 *       #scrollTtl} (60 s) from its first page</b>, on the platform's clock: a later page is
 *       refused with {@code code:"417"} (scroll expired), and the listing must start again. An
 *       employee is {@code {userID, name, email, mobilePhone, jobTitle, departmentIds,
 *       oIdOrganization (its main department), modifiedTime}}.
 *   <li>{@code POST /TenantBaseExternal/api/v5/Organization/GetByOId} with JSON body {@code {oId}}
 *       &rarr; {@code {code:"200", message, data:{oId, name, pOIdOrgAdmin, order, status,
 *       modifiedTime}}}; an unknown organization is {@code code:"404"}.
 * </ul>
 *
 * Limits per tenant and API: the employee list 50/s, the organization detail 5/s (lower, as the
 * seed's case has it); a refusal is HTTP 429 {@code {code:"429", message:"访问频率超限"}}. A missing,
 * unknown or expired token is HTTP 401 {@code {code:"401"}}. Times are China time {@code yyyy-MM-dd
 * HH:mm:ss}.
 *
 * <p>Not documented publicly, so chosen here [U]: the paths, the codes 417 and 404, the scroll
 * lifetime and the limits. {@link #expiredScrollAnswers()} counts the refusals of expired scrolls.
 * Ground truth: {@code users} as the employee list renders them, {@code departments} as the
 * organization detail does.
 */
public final class BeisenSim extends ContactsPlatformSim {
    public static final String NAME = "beisen";
    public static final String TOKEN = "token";
    public static final String EMPLOYEES = "Employee/GetByDepartment";
    public static final String ORGANIZATION = "Organization/GetByOId";
    public static final int MAX_CAPACITY = 100;
    static final long TOKEN_TTL_MILLIS = Duration.ofHours(2).toMillis();
    private static final Duration SECOND = Duration.ofSeconds(1);

    private record Scroll(String tenant, long departmentId, long lastUserId, long expiresAt) {}

    private final Map<String, Scroll> scrolls = new ConcurrentHashMap<>();
    private final AtomicInteger expiredScrollAnswers = new AtomicInteger();
    private volatile long scrollTtlMillis = Duration.ofSeconds(60).toMillis();

    public BeisenSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        new LimitRule(
                                        "employees-per-second",
                                        LimitScope.TENANT_API,
                                        50,
                                        SECOND,
                                        Duration.ZERO)
                                .forApi(EMPLOYEES),
                        new LimitRule(
                                        "organization-per-second",
                                        LimitScope.TENANT_API,
                                        5,
                                        SECOND,
                                        Duration.ZERO)
                                .forApi(ORGANIZATION)));
    }

    /** How long a scroll id stays valid after its first page (default 60 s). */
    public BeisenSim scrollTtl(Duration ttl) {
        this.scrollTtlMillis = ttl.toMillis();
        return this;
    }

    /** How many pages were refused because their scroll had expired. */
    public int expiredScrollAnswers() {
        return expiredScrollAnswers.get();
    }

    @Override
    public SimResponse handle(SimRequest req) {
        return switch (req.path()) {
            case "/token" -> withLatency(token(req));
            case "/TenantBaseExternal/api/v5/Employee/GetByDepartment" ->
                    data(req, EMPLOYEES, this::employees);
            case "/TenantBaseExternal/api/v5/Organization/GetByOId" ->
                    data(req, ORGANIZATION, this::organization);
            default -> SimResponse.text(404, "text/plain", "beisen: no API at " + req.path());
        };
    }

    private SimResponse token(SimRequest req) {
        String tenant = authenticateApp(req.param("app_key"), req.param("app_secret"));
        if (!"client_credentials".equals(req.param("grant_type")) || tenant == null)
            return SimResponse.json(400, Json.object().put("error", "invalid_client"));
        Tokens.Token token = tokens.current(tenant);
        if (token == null) token = tokens.issue(tenant, "bs_", TOKEN_TTL_MILLIS);
        return SimResponse.ok(
                Json.object()
                        .put("access_token", token.value())
                        .put("token_type", "bearer")
                        .put("expires_in", remainingSeconds(token)));
    }

    @FunctionalInterface
    private interface DataHandler {
        SimResponse handle(String tenant, ParamReader body, Directory.Snapshot directory);
    }

    private SimResponse data(SimRequest req, String api, DataHandler handler) {
        String auth = req.header("Authorization");
        String token =
                auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                        ? auth.substring(7).trim()
                        : null;
        return withToken(
                req,
                api,
                token,
                refused ->
                        SimResponse.json(
                                429, Json.object().put("code", "429").put("message", "访问频率超限")),
                rejected ->
                        SimResponse.json(
                                401,
                                Json.object()
                                        .put("code", "401")
                                        .put("message", "token无效或已过期: " + rejected)),
                tenant -> {
                    if (!req.method().equals("POST")) return error("405", "请使用POST请求");
                    JsonNode json;
                    try {
                        json = req.json();
                    } catch (SimRequest.BadRequest e) {
                        return error("400", "请求体不是JSON");
                    }
                    ParamReader body =
                            ParamReader.of(
                                    json,
                                    (name, problem) ->
                                            new Refusal(
                                                    "error:400",
                                                    error("400", name + " " + problem)));
                    return handler.handle(tenant, body, directory(tenant).snapshot());
                });
    }

    private SimResponse employees(String tenant, ParamReader body, Directory.Snapshot s) {
        int capacity = body.integer("capacity", MAX_CAPACITY, 1, MAX_CAPACITY);
        String scrollId = body.text("scrollId");
        long departmentId;
        long after;
        long expiresAt;
        if (scrollId == null || scrollId.isEmpty()) {
            Long d = body.longOrNull("departmentId");
            if (d == null) throw body.invalid("departmentId", "is required");
            if (s.department(d) == null) {
                logRequest(EMPLOYEES, tenant, "department=" + d, "error:404");
                return error("404", "部门不存在");
            }
            departmentId = d;
            after = 0;
            expiresAt = clock.now() + scrollTtlMillis;
        } else {
            Scroll scroll = scrolls.get(scrollId);
            if (scroll == null || !scroll.tenant().equals(tenant)) {
                logRequest(EMPLOYEES, tenant, "scroll=" + scrollId, "error:400");
                return error("400", "scrollId无效");
            }
            if (clock.now() >= scroll.expiresAt()) {
                scrolls.remove(scrollId);
                expiredScrollAnswers.incrementAndGet();
                logRequest(
                        EMPLOYEES,
                        tenant,
                        "department=" + scroll.departmentId() + " scroll=" + scrollId,
                        "error:417");
                return error("417", "scrollId已过期，请重新查询");
            }
            departmentId = scroll.departmentId();
            after = scroll.lastUserId();
            expiresAt = scroll.expiresAt();
        }
        List<Employee> members =
                s.members(departmentId).stream()
                        .filter(u -> u.id() > after)
                        .sorted((a, b) -> Long.compare(a.id(), b.id()))
                        .toList();
        List<Employee> page = members.subList(0, Math.min(capacity, members.size()));
        boolean last = page.size() == members.size();
        String next = "";
        if (!last) {
            next = UUID.randomUUID().toString();
            scrolls.put(
                    next,
                    new Scroll(tenant, departmentId, page.get(page.size() - 1).id(), expiresAt));
        }
        if (scrollId != null) scrolls.remove(scrollId);
        ArrayNode data = Json.MAPPER.createArrayNode();
        for (Employee u : page) data.add(renderEmployee(u));
        logRequest(
                EMPLOYEES,
                tenant,
                "department=" + departmentId + " scroll=" + (scrollId == null ? "" : scrollId),
                "ok");
        return SimResponse.ok(
                ok().put("scrollId", next)
                        .put("isLastData", last)
                        .put("total", s.members(departmentId).size())
                        .set("data", data));
    }

    private SimResponse organization(String tenant, ParamReader body, Directory.Snapshot s) {
        Long id = body.longOrNull("oId");
        if (id == null) throw body.invalid("oId", "is required");
        Department d = s.department(id);
        logRequest(ORGANIZATION, tenant, "oId=" + id, d == null ? "error:404" : "ok");
        if (d == null) return error("404", "组织不存在");
        return SimResponse.ok(ok().set("data", renderOrganization(d)));
    }

    // ---------------------------------------------------------------- rendering

    private static ObjectNode renderEmployee(Employee u) {
        ObjectNode o =
                Json.object()
                        .put("userID", u.id())
                        .put("name", u.name())
                        .put("email", u.email())
                        .put("mobilePhone", u.mobile())
                        .put("jobTitle", u.title());
        ArrayNode departments = o.putArray("departmentIds");
        u.departmentIds().forEach(departments::add);
        return o.put("oIdOrganization", u.mainDepartmentId())
                .put("modifiedTime", ChinaTime.format(u.modifiedAt()));
    }

    private static ObjectNode renderOrganization(Department d) {
        return Json.object()
                .put("oId", d.id())
                .put("name", d.name())
                .put("pOIdOrgAdmin", d.parentId())
                .put("order", d.order())
                .put("status", 1)
                .put("modifiedTime", ChinaTime.format(d.modifiedAt()));
    }

    private static ObjectNode ok() {
        return Json.object().put("code", "200").put("message", "");
    }

    private static SimResponse error(String code, String message) {
        return SimResponse.ok(Json.object().put("code", code).put("message", message));
    }

    @Override
    protected String truthDepartmentId(String tenant, long departmentId) {
        return Long.toString(departmentId);
    }

    @Override
    protected String truthUserId(String tenant, long userId) {
        return Long.toString(userId);
    }

    @Override
    protected ObjectNode truthDepartment(String tenant, Directory.Snapshot s, Department d) {
        return renderOrganization(d);
    }

    @Override
    protected ObjectNode truthUser(String tenant, Directory.Snapshot s, Employee u) {
        return renderEmployee(u);
    }
}
