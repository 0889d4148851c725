package io.httpsync.simulator.platform.feishu;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.contacts.ContactCycles;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class FeishuSimTest {
    private static final String CORP = "feishu-corp-1";
    private static final String APP_ID = "cli_a1b2c3d4e5f60001";
    private static final String APP_SECRET = "feishu-app-secret-1";
    private static final String CHILDREN_OF_ROOT = "/open-apis/contact/v3/departments/0/children";
    private static final String FIND_BY_DEPARTMENT =
            "/open-apis/contact/v3/users/find_by_department";

    private Simulator sim;
    private FeishuSim feishu;
    private String base;

    @BeforeEach
    void start() {
        sim = new Simulator(23);
        feishu = sim.add(FeishuSim::new);
        feishu.addTenant(
                CORP,
                new ContactsPlatformSim.Credentials(APP_ID, APP_SECRET),
                DirectorySpec.of(16, 70)
                        .maxDepth(3)
                        .departmentsHeadedByMember(7)
                        .leaderCycles(2)
                        .multiDepartmentShare(0.3));
        sim.start(0);
        base = sim.baseUrl("feishu");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Walking a whole corp in a test takes more than 50 calls a second. */
    private void liftLimits() {
        feishu.limits().set(LimitRule.perSecond("api-qps", LimitScope.TENANT_API, 100_000));
        feishu.limits()
                .set(
                        new LimitRule(
                                "api-qpm",
                                LimitScope.TENANT_API,
                                100_000,
                                Duration.ofMinutes(1),
                                Duration.ZERO));
    }

    private JsonNode tokenResponse() {
        return TestHttp.postJson(
                        base + "/open-apis/auth/v3/tenant_access_token/internal",
                        "{\"app_id\":\"" + APP_ID + "\",\"app_secret\":\"" + APP_SECRET + "\"}",
                        Map.of())
                .json();
    }

    private String token() {
        JsonNode r = tokenResponse();
        assertThat(r.path("code").asInt()).as(r.toString()).isZero();
        return r.path("tenant_access_token").asText();
    }

    private TestHttp.Response get(String path, String token, Map<String, String> params) {
        return TestHttp.getWithHeaders(
                base + path,
                params,
                token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
    }

    private JsonNode data(String path, String token, Map<String, String> params) {
        TestHttp.Response r = get(path, token, params);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("code").asInt()).isZero();
        return r.json().path("data");
    }

    /** Every item over all pages. */
    private List<JsonNode> all(String path, String token, Map<String, String> params) {
        List<JsonNode> out = new ArrayList<>();
        Map<String, String> p = new LinkedHashMap<>(params);
        for (int guard = 0; guard < 1000; guard++) {
            JsonNode d = data(path, token, p);
            d.path("items").forEach(out::add);
            if (!d.path("has_more").asBoolean()) {
                assertThat(d.has("page_token")).isFalse();
                return out;
            }
            p.put("page_token", d.path("page_token").asText());
        }
        throw new AssertionError("has_more never became false");
    }

    @Test
    void tokenRenewalRuleGivesANewTokenInTheLastHalfHourAndBothStayValid() {
        JsonNode first = tokenResponse();
        assertThat(first.path("msg").asText()).isEqualTo("ok");
        assertThat(first.path("expire").asLong()).isEqualTo(7200);
        String old = first.path("tenant_access_token").asText();
        sim.clock().advance(TimeUnit.MINUTES.toMillis(60));
        JsonNode same = tokenResponse();
        assertThat(same.path("tenant_access_token").asText()).isEqualTo(old);
        assertThat(same.path("expire").asLong()).isEqualTo(3600);

        sim.clock().advance(TimeUnit.MINUTES.toMillis(31)); // 29 minutes left
        JsonNode renewed = tokenResponse();
        String fresh = renewed.path("tenant_access_token").asText();
        assertThat(fresh).isNotEqualTo(old).startsWith("t-");
        assertThat(renewed.path("expire").asLong()).isEqualTo(7200);
        assertThat(get(CHILDREN_OF_ROOT, old, Map.of()).status()).isEqualTo(200);
        assertThat(get(CHILDREN_OF_ROOT, fresh, Map.of()).status()).isEqualTo(200);

        sim.clock().advance(TimeUnit.MINUTES.toMillis(30)); // the old one has run out
        TestHttp.Response expired = get(CHILDREN_OF_ROOT, old, Map.of());
        assertThat(expired.status()).isEqualTo(400);
        assertThat(expired.json().path("code").asInt()).isEqualTo(99991663);
        feishu.expiredTokenCode(99991668);
        assertThat(get(CHILDREN_OF_ROOT, old, Map.of()).json().path("code").asInt())
                .isEqualTo(99991668);
        assertThat(get(CHILDREN_OF_ROOT, fresh, Map.of()).status()).isEqualTo(200);
    }

    @Test
    void missingInvalidTokensAndBadCredentialsGetTheirCodes() {
        assertThat(get(CHILDREN_OF_ROOT, null, Map.of()).json().path("code").asInt())
                .isEqualTo(99991661);
        TestHttp.Response invalid = get(CHILDREN_OF_ROOT, "t-bogus", Map.of());
        assertThat(invalid.json().path("code").asInt()).isEqualTo(99991663);
        assertThat(invalid.json().path("msg").asText())
                .startsWith("Invalid access token for authorization");
        JsonNode badSecret =
                TestHttp.postJson(
                                base + "/open-apis/auth/v3/tenant_access_token/internal",
                                "{\"app_id\":\"" + APP_ID + "\",\"app_secret\":\"nope\"}",
                                Map.of())
                        .json();
        assertThat(badSecret.path("code").asInt()).isEqualTo(10014);
        String token = token();
        feishu.tokens().expireAll(CORP);
        assertThat(get(CHILDREN_OF_ROOT, token, Map.of()).json().path("code").asInt())
                .isEqualTo(99991663);
    }

    @Test
    void pagingReturnsEveryDepartmentAndMembershipExactlyOnceAsGroundTruth() {
        liftLimits();
        String token = token();
        GroundTruth deptTruth = feishu.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS);
        List<JsonNode> departments =
                all(CHILDREN_OF_ROOT, token, Map.of("fetch_child", "true", "page_size", "4"));
        assertThat(departments).hasSize(15); // all but the root, which children never lists
        Set<String> deptIds = new HashSet<>();
        for (JsonNode d : departments) {
            assertThat(deptIds.add(d.path("open_department_id").asText())).isTrue();
            assertThat(Json.contentHash(d))
                    .isEqualTo(
                            deptTruth
                                    .byId()
                                    .get(d.path("open_department_id").asText())
                                    .contentHash());
        }
        // direct children only, without fetch_child
        List<JsonNode> direct = all(CHILDREN_OF_ROOT, token, Map.of("page_size", "50"));
        assertThat(direct)
                .isNotEmpty()
                .allSatisfy(
                        d -> assertThat(d.path("parent_department_id").asText()).isEqualTo("0"));

        GroundTruth userTruth = feishu.groundTruth(CORP, ContactsPlatformSim.USERS);
        Set<String> memberships = new HashSet<>();
        List<String> queried = new ArrayList<>(deptIds);
        queried.add("0");
        for (String dept : queried) {
            for (JsonNode u :
                    all(
                            FIND_BY_DEPARTMENT,
                            token,
                            Map.of("department_id", dept, "page_size", "5"))) {
                assertThat(memberships.add(u.path("open_id").asText() + "@" + dept)).isTrue();
                assertThat(Json.contentHash(u))
                        .isEqualTo(userTruth.byId().get(u.path("open_id").asText()).contentHash());
            }
        }
        Set<String> expected = new HashSet<>();
        userTruth
                .live()
                .forEach(
                        u ->
                                u.content()
                                        .path("department_ids")
                                        .forEach(d -> expected.add(u.id() + "@" + d.asText())));
        assertThat(memberships).isEqualTo(expected);
    }

    @Test
    void theRootDepartmentWhichNoListShowsIsAnsweredByItsOwnApiAsGroundTruthHasIt() {
        String token = token();
        JsonNode root =
                data("/open-apis/contact/v3/departments/0", token, Map.of()).path("department");

        assertThat(root.path("open_department_id").asText()).isEqualTo("0");
        assertThat(root.path("parent_department_id").asText()).isEmpty();
        assertThat(Json.contentHash(root))
                .isEqualTo(
                        feishu.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS)
                                .byId()
                                .get("0")
                                .contentHash());
        List<Long> heads =
                feishu.directory(CORP).snapshot().department(Directory.ROOT_ID).headIds();
        assertThat(root.path("leaders")).hasSize(heads.size());
        JsonNode child = all(CHILDREN_OF_ROOT, token, Map.of()).get(0);
        assertThat(
                        data(
                                        "/open-apis/contact/v3/departments/"
                                                + child.path("open_department_id").asText(),
                                        token,
                                        Map.of())
                                .path("department"))
                .isEqualTo(child);
        assertThat(
                        get("/open-apis/contact/v3/departments/od-unknown", token, Map.of())
                                .json()
                                .path("code")
                                .asInt())
                .isEqualTo(40004);
    }

    @Test
    void idTypesChangeHowReferencesAreRendered() {
        String token = token();
        List<JsonNode> custom =
                all(
                        CHILDREN_OF_ROOT,
                        token,
                        Map.of(
                                "fetch_child",
                                "true",
                                "page_size",
                                "50",
                                "department_id_type",
                                "department_id",
                                "user_id_type",
                                "user_id"));
        JsonNode deep =
                custom.stream()
                        .filter(d -> !d.path("parent_department_id").asText().equals("0"))
                        .findFirst()
                        .orElseThrow();
        assertThat(deep.path("parent_department_id").asText()).startsWith("D");
        JsonNode headed =
                custom.stream().filter(d -> d.has("leader_user_id")).findFirst().orElseThrow();
        assertThat(headed.path("leader_user_id").asText()).matches("[0-9a-f]{8}");
        JsonNode members =
                data(
                        FIND_BY_DEPARTMENT,
                        token,
                        Map.of(
                                "department_id",
                                deep.path("department_id").asText(),
                                "department_id_type",
                                "department_id",
                                "page_size",
                                "50"));
        assertThat(members.path("items"))
                .allSatisfy(
                        u ->
                                assertThat(u.path("department_ids").toString())
                                        .contains(deep.path("department_id").asText()));
        TestHttp.Response bad =
                get(
                        FIND_BY_DEPARTMENT,
                        token,
                        Map.of("department_id", "0", "user_id_type", "email"));
        assertThat(bad.json().path("code").asInt()).isEqualTo(99992402);
        assertThat(
                        get("/open-apis/contact/v3/departments/od-nope/children", token, Map.of())
                                .json()
                                .path("code")
                                .asInt())
                .isEqualTo(40004);
    }

    @Test
    void pageSizeAboveFiftyIsRefusedOrClamped() {
        String token = token();
        TestHttp.Response r =
                get(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0", "page_size", "51"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("code").asInt()).isEqualTo(99992402);
        assertThat(r.json().path("error").path("field_violations").get(0).path("field").asText())
                .isEqualTo("page_size");
        feishu.pageSizeOverflowIsError(false);
        JsonNode clamped =
                data(CHILDREN_OF_ROOT, token, Map.of("fetch_child", "true", "page_size", "500"));
        assertThat(clamped.path("items").size()).isEqualTo(15);
        assertThat(
                        get(
                                        FIND_BY_DEPARTMENT,
                                        token,
                                        Map.of("department_id", "0", "page_token", "garbage"))
                                .json()
                                .path("code")
                                .asInt())
                .isEqualTo(99992402);
    }

    @Test
    void pageTokensAreKeysetsSoChangesWhilePagingSkipNobody() {
        String token = token();
        Directory dir = feishu.directory(CORP);
        JsonNode first =
                data(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0", "page_size", "2"));
        List<String> seen = new ArrayList<>();
        first.path("items").forEach(u -> seen.add(u.path("open_id").asText()));
        // a user already served leaves the department and a new one joins: the rest is neither
        // shifted nor repeated
        Employee leaver = dir.snapshot().members(Directory.ROOT_ID).get(0);
        dir.setUserDepartments(
                leaver.id(), List.of(dir.snapshot().children(Directory.ROOT_ID).get(0).id()));
        long joined = dir.addUser("新人", List.of(Directory.ROOT_ID), Directory.NO_LEADER);
        all(
                        FIND_BY_DEPARTMENT,
                        token,
                        Map.of(
                                "department_id",
                                "0",
                                "page_size",
                                "2",
                                "page_token",
                                first.path("page_token").asText()))
                .forEach(u -> seen.add(u.path("open_id").asText()));

        Map<String, GroundTruth.TruthRecord> truth =
                feishu.groundTruth(CORP, ContactsPlatformSim.USERS).byId();
        assertThat(truth.get(seen.get(0)).content().path("employee_no").asText())
                .isEqualTo(String.format("%06d", leaver.id()));
        Set<String> expected = new HashSet<>(Set.of(seen.get(0))); // served before it left
        truth.values().stream()
                .filter(u -> u.content().path("department_ids").toString().contains("\"0\""))
                .forEach(u -> expected.add(u.id()));
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(expected);
        assertThat(seen)
                .anySatisfy(
                        id ->
                                assertThat(truth.get(id).content().path("employee_no").asText())
                                        .isEqualTo(String.format("%06d", joined)));
    }

    @Test
    void frequencyLimitAnswers429WithHeadersAndRecoversAfterTheReset() {
        feishu.limits()
                .set(
                        new LimitRule(
                                "api-qpm",
                                LimitScope.TENANT_API,
                                3,
                                Duration.ofMinutes(1),
                                Duration.ZERO));
        String token = token();
        for (int i = 0; i < 3; i++)
            assertThat(get(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0")).status())
                    .isEqualTo(200);
        TestHttp.Response refused = get(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0"));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers().get("x-ogw-ratelimit-limit")).containsExactly("3");
        assertThat(Long.parseLong(refused.headers().get("x-ogw-ratelimit-reset").get(0)))
                .isBetween(1L, 60L);
        assertThat(refused.json().path("code").asInt()).isEqualTo(99991400);
        assertThat(refused.json().path("msg").asText())
                .isEqualTo("request trigger frequency limit");
        // limits are per API: another API of the same tenant still answers
        assertThat(get(CHILDREN_OF_ROOT, token, Map.of()).status()).isEqualTo(200);

        feishu.rateLimitHttpStatus(400);
        assertThat(get(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0")).status())
                .isEqualTo(400);
        var stats =
                sim.accounting()
                        .limitKey(
                                "feishu/api-qpm:"
                                        + CORP
                                        + "/"
                                        + FeishuSim.USERS_FIND_BY_DEPARTMENT);
        assertThat(stats.served()).isEqualTo(3);
        assertThat(stats.refused()).isEqualTo(2);

        sim.clock().advance(TimeUnit.SECONDS.toMillis(61));
        assertThat(get(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0")).status())
                .isEqualTo(200);
    }

    @Test
    void renderedDataContainsBothKindsOfDependencyCycle() {
        liftLimits();
        String token = token();
        Map<String, List<String>> headsByDept = new HashMap<>();
        for (JsonNode d :
                all(CHILDREN_OF_ROOT, token, Map.of("fetch_child", "true", "page_size", "50"))) {
            List<String> heads = new ArrayList<>();
            d.path("leaders").forEach(l -> heads.add(l.path("leaderID").asText()));
            if (d.has("leader_user_id"))
                assertThat(heads.get(0)).isEqualTo(d.path("leader_user_id").asText());
            headsByDept.put(d.path("open_department_id").asText(), heads);
        }
        Map<String, List<String>> deptsByUser = new HashMap<>();
        Map<String, String> leaderByUser = new HashMap<>();
        for (String dept : new ArrayList<>(headsByDept.keySet())) {
            for (JsonNode u :
                    all(
                            FIND_BY_DEPARTMENT,
                            token,
                            Map.of("department_id", dept, "page_size", "50"))) {
                List<String> depts = new ArrayList<>();
                u.path("department_ids").forEach(x -> depts.add(x.asText()));
                deptsByUser.put(u.path("open_id").asText(), depts);
                if (u.has("leader_user_id"))
                    leaderByUser.put(u.path("open_id").asText(), u.path("leader_user_id").asText());
            }
        }
        for (JsonNode u :
                all(FIND_BY_DEPARTMENT, token, Map.of("department_id", "0", "page_size", "50"))) {
            if (u.has("leader_user_id"))
                leaderByUser.put(u.path("open_id").asText(), u.path("leader_user_id").asText());
        }
        // the root is not listed by children, so its heads are invisible here; every other
        // headed-by-member one is
        Directory.Snapshot s = feishu.directory(CORP).snapshot();
        long expected =
                s.departments().stream()
                        .filter(d -> !d.isRoot())
                        .filter(
                                d ->
                                        d.headIds().stream()
                                                .anyMatch(
                                                        h ->
                                                                s.user(h)
                                                                        .departmentIds()
                                                                        .contains(d.id())))
                        .count();
        assertThat(ContactCycles.departmentsHeadedByMember(headsByDept, deptsByUser))
                .isNotEmpty()
                .hasSize((int) expected);
        assertThat(ContactCycles.leaderLoops(leaderByUser))
                .hasSize(2)
                .allSatisfy(loop -> assertThat(loop).hasSize(3));
    }
}
