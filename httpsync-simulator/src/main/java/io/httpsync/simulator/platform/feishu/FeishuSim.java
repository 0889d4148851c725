package io.httpsync.simulator.platform.feishu;

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
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.Crypto;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Feishu / Lark contacts (contact v3), served under {@code /feishu}; a tenant is a corp with its
 * own self-built app (app_id, app_secret):
 *
 * <ul>
 *   <li>{@code POST /open-apis/auth/v3/tenant_access_token/internal} {@code {app_id, app_secret}}
 *       &rarr; {@code {code:0, msg:"ok", tenant_access_token, expire}}: 2 h; asked again while more
 *       than 30 min remain, the same token with its remaining seconds; with less, a NEW token, and
 *       the old one stays valid until its end.
 *   <li>{@code GET
 *       /open-apis/contact/v3/departments/:department_id/children?fetch_child&page_size&page_token}
 *       ({@code 0} = the root) and {@code GET
 *       /open-apis/contact/v3/users/find_by_department?department_id&page_size&page_token} (direct
 *       members), both with {@code Authorization: Bearer <token>}, {@code user_id_type} (open_id,
 *       union_id, user_id) and {@code department_id_type} (open_department_id, department_id);
 *       answer {@code {code:0, msg:"success", data:{has_more, page_token, items}}}, {@code
 *       page_token} only while {@code has_more}. Page tokens are keyset positions: records added or
 *       removed while paging do not shift the others.
 *   <li>{@code GET /open-apis/contact/v3/departments/:department_id} ({@code 0} = the root, which
 *       no list shows): {@code {code:0, msg:"success", data:{department}}}, the department as
 *       {@code children} renders it (the root's {@code parent_department_id} is empty [U]).
 * </ul>
 *
 * Limits per API &times; tenant (one app per tenant, so also per app; the token API counts as an
 * API too, its own limits being undocumented): 50/s and 1000/min &rarr; HTTP 429 (400 for legacy
 * APIs, {@link #rateLimitHttpStatus}) with {@code x-ogw-ratelimit-limit} and {@code
 * x-ogw-ratelimit-reset} headers and {@code {"code":99991400,"msg":"request trigger frequency
 * limit"}}. Missing token 99991661; invalid or expired 99991663 (expired settable to 99991668,
 * {@link #expiredTokenCode}).
 *
 * <p>Ground truth: departments and users as these APIs render them with the default id types (open
 * ids); the root department, which {@code children} never lists, as {@code departments/0} answers
 * it. Undocumented, so chosen here [U]: HTTP 400 for token and parameter errors, default page size
 * 10, code 40004 for an unknown department, 99992402 for a bad page size or page token ({@link
 * #pageSizeOverflowIsError} clamps instead).
 */
public final class FeishuSim extends ContactsPlatformSim {
    public static final String NAME = "feishu";
    public static final String TENANT_ACCESS_TOKEN = "auth/v3/tenant_access_token/internal";
    public static final String DEPARTMENT_CHILDREN = "contact/v3/departments/children";
    public static final String DEPARTMENT_GET = "contact/v3/departments/get";
    public static final String USERS_FIND_BY_DEPARTMENT = "contact/v3/users/find_by_department";
    public static final int MAX_PAGE_SIZE = 50;
    public static final int DEFAULT_PAGE_SIZE = 10;
    public static final String ROOT_DEPARTMENT = "0";
    static final long TOKEN_TTL_MILLIS = TimeUnit.HOURS.toMillis(2);
    static final long RENEWAL_WINDOW_MILLIS = TimeUnit.MINUTES.toMillis(30);
    private static final String CHILDREN_PREFIX = "/open-apis/contact/v3/departments/";
    private static final String CHILDREN_SUFFIX = "/children";
    private static final String INVALID_TOKEN_MSG =
            "Invalid access token for authorization. Please make a request with token attached.";

    /** How the request wants users and departments referred to. */
    private record IdTypes(String user, String department) {
        static final IdTypes DEFAULT = new IdTypes("open_id", "open_department_id");
    }

    /** Reverse lookup of open department ids for one snapshot of one tenant's directory. */
    private record OpenIdIndex(Directory.Snapshot snapshot, Map<String, Long> departments) {}

    private final Map<String, OpenIdIndex> openIdIndexes = new ConcurrentHashMap<>();
    private volatile int rateLimitHttpStatus = 429;
    private volatile int errorHttpStatus = 400;
    private volatile int expiredTokenCode = 99991663;
    private volatile boolean pageSizeOverflowIsError = true;

    public FeishuSim(PlatformContext ctx) {
        super(
                NAME,
                ctx,
                List.of(
                        LimitRule.perSecond("api-qps", LimitScope.TENANT_API, 50),
                        new LimitRule(
                                "api-qpm",
                                LimitScope.TENANT_API,
                                1000,
                                Duration.ofMinutes(1),
                                Duration.ZERO)));
    }

    /** HTTP status of a rate-limit refusal: 429, or 400 as some legacy APIs answer. */
    public FeishuSim rateLimitHttpStatus(int status) {
        this.rateLimitHttpStatus = status;
        return this;
    }

    /** HTTP status of token and parameter errors (undocumented here; default 400). */
    public FeishuSim errorHttpStatus(int status) {
        this.errorHttpStatus = status;
        return this;
    }

    /** The code for an expired tenant token: 99991663 (default) or 99991668. */
    public FeishuSim expiredTokenCode(int code) {
        this.expiredTokenCode = code;
        return this;
    }

    /** Whether {@code page_size > 50} is refused (true) or clamped to 50 (false). */
    public FeishuSim pageSizeOverflowIsError(boolean error) {
        this.pageSizeOverflowIsError = error;
        return this;
    }

    @Override
    public SimResponse handle(SimRequest req) {
        String path = req.path();
        if (path.equals("/open-apis/auth/v3/tenant_access_token/internal"))
            return withLatency(tenantAccessToken(req));
        if (path.equals("/open-apis/contact/v3/users/find_by_department")) {
            return data(
                    req,
                    USERS_FIND_BY_DEPARTMENT,
                    (tenant, s, ids) -> findByDepartment(req, tenant, s, ids));
        }
        if (path.startsWith(CHILDREN_PREFIX)
                && path.endsWith(CHILDREN_SUFFIX)
                && path.length() > CHILDREN_PREFIX.length() + CHILDREN_SUFFIX.length()) {
            String departmentId =
                    path.substring(
                            CHILDREN_PREFIX.length(), path.length() - CHILDREN_SUFFIX.length());
            return data(
                    req,
                    DEPARTMENT_CHILDREN,
                    (tenant, s, ids) -> children(req, departmentId, tenant, s, ids));
        }
        if (path.startsWith(CHILDREN_PREFIX)
                && path.length() > CHILDREN_PREFIX.length()
                && path.indexOf('/', CHILDREN_PREFIX.length()) < 0) {
            String departmentId = path.substring(CHILDREN_PREFIX.length());
            return data(
                    req,
                    DEPARTMENT_GET,
                    (tenant, s, ids) -> department(departmentId, tenant, s, ids));
        }
        return SimResponse.json(
                404, Json.object().put("code", 404).put("msg", "404 page not found"));
    }

    // ---------------------------------------------------------------- token

    private SimResponse tenantAccessToken(SimRequest req) {
        JsonNode body;
        try {
            body = req.json();
        } catch (SimRequest.BadRequest e) {
            return fail(errorHttpStatus, 10003, "invalid param");
        }
        String appId = body.path("app_id").asText(null);
        String tenant = appId == null ? null : tenantByAppKey(appId);
        LimitDecision decision = admit(req, TENANT_ACCESS_TOKEN, appId, tenant);
        if (!decision.accepted()) return rateLimited(decision);
        if (tenant == null) return fail(errorHttpStatus, 10003, "invalid param");
        if (authenticateApp(appId, body.path("app_secret").asText(null)) == null)
            return fail(errorHttpStatus, 10014, "app secret invalid");
        Tokens.Token current = tokens.current(tenant);
        Tokens.Token token =
                current != null && current.expiresAt() - clock.now() >= RENEWAL_WINDOW_MILLIS
                        ? current
                        : tokens.issue(
                                tenant,
                                "t-g1044",
                                TOKEN_TTL_MILLIS); // the old one stays valid until its end
        return SimResponse.ok(
                Json.object()
                        .put("code", 0)
                        .put("msg", "ok")
                        .put("tenant_access_token", token.value())
                        .put("expire", remainingSeconds(token)));
    }

    // ---------------------------------------------------------------- data APIs

    @FunctionalInterface
    private interface DataHandler {
        SimResponse handle(String tenant, Directory.Snapshot directory, IdTypes ids);
    }

    private SimResponse data(SimRequest req, String api, DataHandler handler) {
        String authorization = req.header("authorization");
        String token =
                authorization != null && authorization.startsWith("Bearer ")
                        ? authorization.substring(7).trim()
                        : null;
        return withToken(
                req,
                api,
                token,
                this::rateLimited,
                rejected ->
                        switch (rejected) {
                            case MISSING ->
                                    fail(
                                            errorHttpStatus,
                                            99991661,
                                            "Missing access token for authorization. Please make a request with token attached.");
                            case EXPIRED ->
                                    fail(errorHttpStatus, expiredTokenCode, INVALID_TOKEN_MSG);
                            default -> fail(errorHttpStatus, 99991663, INVALID_TOKEN_MSG);
                        },
                tenant -> {
                    IdTypes ids =
                            new IdTypes(
                                    paramOr(req, "user_id_type", IdTypes.DEFAULT.user()),
                                    paramOr(
                                            req,
                                            "department_id_type",
                                            IdTypes.DEFAULT.department()));
                    if (!List.of("open_id", "union_id", "user_id").contains(ids.user())) {
                        return fieldViolation(
                                "user_id_type",
                                "user_id_type must be one of open_id, union_id, user_id");
                    }
                    if (!List.of("open_department_id", "department_id")
                            .contains(ids.department())) {
                        return fieldViolation(
                                "department_id_type",
                                "department_id_type must be one of open_department_id, department_id");
                    }
                    return handler.handle(tenant, directory(tenant).snapshot(), ids);
                });
    }

    private static String paramOr(SimRequest req, String name, String otherwise) {
        return req.param(name) == null ? otherwise : req.param(name);
    }

    private SimResponse children(
            SimRequest req, String departmentId, String tenant, Directory.Snapshot s, IdTypes ids) {
        Department parent = departmentByRef(tenant, s, departmentId, ids.department());
        if (parent == null) return fail(errorHttpStatus, 40004, "no dept authority error");
        List<Department> departments = new ArrayList<>();
        if (query(req).bool("fetch_child", false)) {
            s.subtree(parent.id()).stream()
                    .filter(d -> d.id() != parent.id())
                    .forEach(departments::add);
        } else {
            departments.addAll(s.children(parent.id()));
        }
        return page(
                req,
                DEPARTMENT_CHILDREN,
                tenant,
                "department=" + departmentId,
                departments,
                Department::id,
                d -> renderDepartment(tenant, d, ids));
    }

    /**
     * One department, the root ({@code 0}) included: {@code {code:0, msg:"success",
     * data:{department}}}.
     */
    private SimResponse department(
            String departmentId, String tenant, Directory.Snapshot s, IdTypes ids) {
        Department d = departmentByRef(tenant, s, departmentId, ids.department());
        if (d == null) return fail(errorHttpStatus, 40004, "no dept authority error");
        logRequest(DEPARTMENT_GET, tenant, "department=" + departmentId, "ok");
        ObjectNode data = Json.object();
        data.set("department", renderDepartment(tenant, d, ids));
        return SimResponse.ok(Json.object().put("code", 0).put("msg", "success").set("data", data));
    }

    private SimResponse findByDepartment(
            SimRequest req, String tenant, Directory.Snapshot s, IdTypes ids) {
        String departmentId = req.param("department_id");
        if (departmentId == null || departmentId.isEmpty())
            return fieldViolation("department_id", "department_id is required");
        Department department = departmentByRef(tenant, s, departmentId, ids.department());
        if (department == null) return fail(errorHttpStatus, 40004, "no dept authority error");
        return page(
                req,
                USERS_FIND_BY_DEPARTMENT,
                tenant,
                "department=" + departmentId,
                new ArrayList<>(s.members(department.id())),
                Employee::id,
                u -> renderUser(tenant, s, u, ids));
    }

    /**
     * One page of {@code records} in id order, after the position in {@code page_token}. The token
     * is the last id served, so paging resumes right after it whatever was added or removed
     * meanwhile.
     */
    private <T> SimResponse page(
            SimRequest req,
            String api,
            String tenant,
            String what,
            List<T> records,
            ToLongFunction<T> id,
            Function<T, ObjectNode> render) {
        ParamReader query = query(req);
        String pageToken = query.text("page_token") == null ? "" : query.text("page_token");
        Long requested = query.longOrNull("page_size");
        int pageSize =
                requested == null
                        ? DEFAULT_PAGE_SIZE
                        : pageSizeOverflowIsError
                                ? query.integer("page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
                                : (int) Math.min(MAX_PAGE_SIZE, Math.max(1, requested));
        records.sort(Comparator.comparingLong(id));
        int from = 0;
        if (!pageToken.isEmpty()) {
            Long after = decodePageToken(api, pageToken);
            if (after == null) throw query.invalid("page_token", "is invalid");
            while (from < records.size() && id.applyAsLong(records.get(from)) <= after) from++;
        }
        int to = Math.min(records.size(), from + pageSize);
        ObjectNode data = Json.object().put("has_more", to < records.size());
        if (to < records.size())
            data.put("page_token", encodePageToken(api, id.applyAsLong(records.get(to - 1))));
        ArrayNode items = data.putArray("items");
        for (T r : records.subList(from, to)) items.add(render.apply(r));
        logRequest(api, tenant, what + " page_token=" + pageToken + " page_size=" + pageSize, "ok");
        return SimResponse.ok(Json.object().put("code", 0).put("msg", "success").set("data", data));
    }

    /** The query parameters; a bad one is answered with Feishu's field-violation error. */
    private ParamReader query(SimRequest req) {
        return ParamReader.of(
                req.query(),
                (name, problem) ->
                        new Refusal("error:99992402", fieldViolation(name, name + " " + problem)));
    }

    private static String encodePageToken(String api, long lastId) {
        return Base64.getEncoder()
                .encodeToString((api + "|" + lastId).getBytes(StandardCharsets.UTF_8));
    }

    private static Long decodePageToken(String api, String token) {
        try {
            String decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
            return decoded.startsWith(api + "|")
                    ? Long.parseLong(decoded.substring(api.length() + 1))
                    : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- ids and rendering

    private static String departmentRef(String tenant, long id, String type) {
        if (id == Directory.ROOT_ID) return ROOT_DEPARTMENT;
        return type.equals("department_id")
                ? "D" + id
                : "od-" + Crypto.hex(Crypto.md5(tenant + "/department/" + id));
    }

    private Department departmentByRef(
            String tenant, Directory.Snapshot s, String ref, String type) {
        if (ref.equals(ROOT_DEPARTMENT)) return s.department(Directory.ROOT_ID);
        if (type.equals("department_id")) {
            try {
                return ref.startsWith("D") ? s.department(Long.parseLong(ref.substring(1))) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        OpenIdIndex index = openIdIndexes.get(tenant);
        if (index == null || index.snapshot() != s) {
            Map<String, Long> byOpenId = new HashMap<>();
            for (Department d : s.departments())
                byOpenId.put(departmentRef(tenant, d.id(), "open_department_id"), d.id());
            index = new OpenIdIndex(s, byOpenId);
            openIdIndexes.put(tenant, index);
        }
        Long id = index.departments().get(ref);
        return id == null ? null : s.department(id);
    }

    private static String userRef(String tenant, long id, String type) {
        return switch (type) {
            case "union_id" -> "on_" + Crypto.hex(Crypto.md5(tenant + "/union/" + id));
            case "user_id" ->
                    String.format(
                            "%08x",
                            (id * 2_654_435_761L) & 0xffff_ffffL); // a bijection: unique per user
            default -> "ou_" + Crypto.hex(Crypto.md5(tenant + "/open/" + id));
        };
    }

    private static ObjectNode renderDepartment(String tenant, Department d, IdTypes ids) {
        ObjectNode o = Json.object().put("name", d.name());
        o.putObject("i18n_name").put("zh_cn", d.name()).put("ja_jp", "").put("en_us", "");
        // the root has no parent: an empty id [U]
        o.put(
                        "parent_department_id",
                        d.isRoot() ? "" : departmentRef(tenant, d.parentId(), ids.department()))
                .put("department_id", departmentRef(tenant, d.id(), "department_id"))
                .put("open_department_id", departmentRef(tenant, d.id(), "open_department_id"));
        if (!d.headIds().isEmpty())
            o.put("leader_user_id", userRef(tenant, d.headIds().get(0), ids.user()));
        o.put("order", Long.toString(d.order()));
        o.putArray("unit_ids");
        o.putObject("status").put("is_deleted", false);
        ArrayNode leaders = o.putArray("leaders");
        for (int i = 0; i < d.headIds().size(); i++) {
            leaders.addObject()
                    .put("leaderType", i == 0 ? 1 : 2)
                    .put("leaderID", userRef(tenant, d.headIds().get(i), ids.user()));
        }
        return o;
    }

    private static ObjectNode renderUser(
            String tenant, Directory.Snapshot s, Employee u, IdTypes ids) {
        ObjectNode o =
                Json.object()
                        .put("union_id", userRef(tenant, u.id(), "union_id"))
                        .put("user_id", userRef(tenant, u.id(), "user_id"))
                        .put("open_id", userRef(tenant, u.id(), "open_id"))
                        .put("name", u.name())
                        .put("en_name", "")
                        .put("email", u.email())
                        .put("mobile", "+86" + u.mobile())
                        .put("gender", u.id() % 2 == 0 ? 2 : 1);
        o.putObject("status")
                .put("is_frozen", false)
                .put("is_resigned", false)
                .put("is_activated", true)
                .put("is_exited", false)
                .put("is_unjoin", false);
        ArrayNode departmentIds = o.putArray("department_ids");
        u.departmentIds()
                .forEach(d -> departmentIds.add(departmentRef(tenant, d, ids.department())));
        if (u.hasLeader()) o.put("leader_user_id", userRef(tenant, u.leaderId(), ids.user()));
        o.put("job_title", u.title())
                .put("employee_no", String.format("%06d", u.id()))
                .put("employee_type", 1)
                .put("join_time", u.hiredAt() / 1000)
                .put("is_tenant_manager", false);
        ArrayNode orders = o.putArray("orders");
        for (long d : u.departmentIds()) {
            orders.addObject()
                    .put("department_id", departmentRef(tenant, d, ids.department()))
                    .put("user_order", u.order())
                    .put("department_order", s.department(d).order())
                    .put("is_primary_dept", d == u.mainDepartmentId());
        }
        return o;
    }

    @Override
    protected String truthDepartmentId(String tenant, long departmentId) {
        return departmentRef(tenant, departmentId, IdTypes.DEFAULT.department());
    }

    @Override
    protected String truthUserId(String tenant, long id) {
        return userRef(tenant, id, IdTypes.DEFAULT.user());
    }

    @Override
    protected ObjectNode truthDepartment(String tenant, Directory.Snapshot s, Department d) {
        return renderDepartment(tenant, d, IdTypes.DEFAULT);
    }

    @Override
    protected ObjectNode truthUser(String tenant, Directory.Snapshot s, Employee u) {
        return renderUser(tenant, s, u, IdTypes.DEFAULT);
    }

    // ---------------------------------------------------------------- envelope

    private static SimResponse fail(int status, int code, String msg) {
        return SimResponse.json(status, Json.object().put("code", code).put("msg", msg));
    }

    private SimResponse fieldViolation(String field, String description) {
        ObjectNode body = Json.object().put("code", 99992402).put("msg", "field validation failed");
        body.putObject("error")
                .putArray("field_violations")
                .addObject()
                .put("field", field)
                .put("description", description);
        return SimResponse.json(errorHttpStatus, body);
    }

    private SimResponse rateLimited(LimitDecision refused) {
        return fail(rateLimitHttpStatus, 99991400, "request trigger frequency limit")
                .withHeader("x-ogw-ratelimit-limit", Integer.toString(refused.rule().limit()))
                .withHeader("x-ogw-ratelimit-reset", Long.toString(refused.retryAfterSeconds()));
    }
}
