package io.httpsync.simulator.platform.wecom;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.contacts.ContactCycles;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.fault.Fault;
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

import static org.assertj.core.api.Assertions.assertThat;

class WeComSimTest {
    private static final String CORP = "ww-corp-1";
    private static final String SECRET = "corp-secret-1";

    private Simulator sim;
    private WeComSim wecom;
    private String base;

    @BeforeEach
    void start() {
        sim = new Simulator(11);
        wecom = sim.add(WeComSim::new);
        wecom.addTenant(
                CORP,
                new ContactsPlatformSim.Credentials(CORP, SECRET),
                DirectorySpec.of(20, 90)
                        .maxDepth(3)
                        .departmentsHeadedByMember(8)
                        .leaderCycles(2)
                        .multiDepartmentShare(0.3));
        sim.start(0);
        base = sim.baseUrl("wecom");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private JsonNode getToken() {
        return TestHttp.get(
                        base + "/cgi-bin/gettoken", Map.of("corpid", CORP, "corpsecret", SECRET))
                .json();
    }

    private String token() {
        JsonNode r = getToken();
        assertThat(r.path("errcode").asInt()).as(r.toString()).isZero();
        return r.path("access_token").asText();
    }

    private JsonNode get(String path, String token, Map<String, String> params) {
        Map<String, String> all = new LinkedHashMap<>(params);
        all.put("access_token", token);
        TestHttp.Response r = TestHttp.get(base + path, all);
        assertThat(r.status()).as("WeCom answers HTTP 200 even for errors").isEqualTo(200);
        return r.json();
    }

    @Test
    void tokenIsReusedWhileValidAndEarlyInvalidationGives42001ThenANewToken() {
        JsonNode first = getToken();
        assertThat(first.path("expires_in").asLong()).isEqualTo(7200);
        assertThat(first.path("errmsg").asText()).isEqualTo("ok");
        sim.clock().advance(600_000);
        JsonNode again = getToken();
        assertThat(again.path("access_token").asText())
                .isEqualTo(first.path("access_token").asText());
        assertThat(again.path("expires_in").asLong()).isBetween(6590L, 6600L);

        String token = first.path("access_token").asText();
        wecom.tokens().expireAll(CORP);
        JsonNode expired = get("/cgi-bin/department/list", token, Map.of());
        assertThat(expired.path("errcode").asInt()).isEqualTo(42001);
        assertThat(expired.path("errmsg").asText())
                .startsWith("access_token expired, hint: [")
                .contains("from ip: 127.0.0.1");
        String renewed = token();
        assertThat(renewed).isNotEqualTo(token);
        assertThat(get("/cgi-bin/department/list", renewed, Map.of()).path("errcode").asInt())
                .isZero();

        assertThat(
                        get("/cgi-bin/department/list", "no-such-token", Map.of())
                                .path("errcode")
                                .asInt())
                .isEqualTo(40014);
        assertThat(
                        TestHttp.get(base + "/cgi-bin/department/list", Map.of())
                                .json()
                                .path("errcode")
                                .asInt())
                .isEqualTo(41001);
        assertThat(
                        TestHttp.get(
                                        base + "/cgi-bin/gettoken",
                                        Map.of("corpid", CORP, "corpsecret", "wrong"))
                                .json()
                                .path("errcode")
                                .asInt())
                .isEqualTo(40001);
        assertThat(
                        TestHttp.get(
                                        base + "/cgi-bin/gettoken",
                                        Map.of("corpid", "nobody", "corpsecret", SECRET))
                                .json()
                                .path("errcode")
                                .asInt())
                .isEqualTo(40013);
    }

    @Test
    void injectedTokenDeathAnswers42001() {
        String token = token();
        wecom.faults().script(Fault.TOKEN_EXPIRED);
        assertThat(get("/cgi-bin/department/simplelist", token, Map.of()).path("errcode").asInt())
                .isEqualTo(42001);
    }

    @Test
    void departmentListReturnsTheTreeOrASubtreeExactlyAsGroundTruth() {
        String token = token();
        GroundTruth truth = wecom.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS);
        JsonNode all = get("/cgi-bin/department/list", token, Map.of()).path("department");
        assertThat(all).hasSize(20);
        Map<String, GroundTruth.TruthRecord> byId = truth.byId();
        all.forEach(
                d ->
                        assertThat(Json.contentHash(d))
                                .isEqualTo(byId.get(d.path("id").asText()).contentHash()));

        Directory.Snapshot s = wecom.directory(CORP).snapshot();
        long inner =
                s.departments().stream()
                        .filter(d -> !d.isRoot() && !s.children(d.id()).isEmpty())
                        .findFirst()
                        .orElseThrow()
                        .id();
        JsonNode subtree =
                get("/cgi-bin/department/list", token, Map.of("id", String.valueOf(inner)))
                        .path("department");
        assertThat(subtree).hasSize(s.subtree(inner).size());
        assertThat(subtree.get(0).path("id").asLong()).isEqualTo(inner);

        JsonNode simple = get("/cgi-bin/department/simplelist", token, Map.of());
        assertThat(simple.path("department_id")).hasSize(20);
        assertThat(simple.path("department_id").get(0).fieldNames())
                .toIterable()
                .containsExactly("id", "parentid", "order");
        assertThat(
                        get("/cgi-bin/department/list", token, Map.of("id", "999"))
                                .path("errcode")
                                .asInt())
                .isEqualTo(60003);
    }

    @Test
    void usersOfEveryDepartmentMatchGroundTruthAndSimpleListIsTheirSummary() {
        String token = token();
        Map<String, JsonNode> users = new HashMap<>();
        int memberships = 0;
        for (JsonNode d : get("/cgi-bin/department/list", token, Map.of()).path("department")) {
            String dept = d.path("id").asText();
            JsonNode detailed =
                    get("/cgi-bin/user/list", token, Map.of("department_id", dept))
                            .path("userlist");
            JsonNode simple =
                    get("/cgi-bin/user/simplelist", token, Map.of("department_id", dept))
                            .path("userlist");
            assertThat(simple).hasSameSizeAs(detailed);
            for (int i = 0; i < detailed.size(); i++) {
                JsonNode u = detailed.get(i);
                assertThat(u.path("department").toString()).contains(dept);
                assertThat(simple.get(i).path("userid").asText())
                        .isEqualTo(u.path("userid").asText());
                assertThat(simple.get(i).path("name").asText()).isEqualTo(u.path("name").asText());
                users.put(u.path("userid").asText(), u);
                memberships++;
            }
        }
        GroundTruth truth = wecom.groundTruth(CORP, ContactsPlatformSim.USERS);
        assertThat(users.keySet()).containsExactlyInAnyOrderElementsOf(truth.byId().keySet());
        users.forEach(
                (id, u) ->
                        assertThat(Json.contentHash(u))
                                .isEqualTo(truth.byId().get(id).contentHash()));
        assertThat(memberships)
                .isGreaterThan(users.size()); // some users are in several departments
        assertThat(
                        get("/cgi-bin/user/list", token, Map.of("department_id", "999"))
                                .path("errcode")
                                .asInt())
                .isEqualTo(60003);
    }

    @Test
    void listIdPagesEveryUserDepartmentPairExactlyOnceAndEndsWithAnEmptyCursor() {
        String token = token();
        Set<String> pairs = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            String body =
                    cursor == null
                            ? "{\"limit\":7}"
                            : "{\"cursor\":\"" + cursor + "\",\"limit\":7}";
            JsonNode r =
                    TestHttp.postJson(
                                    base + "/cgi-bin/user/list_id?access_token=" + token,
                                    body,
                                    Map.of())
                            .json();
            assertThat(r.path("errcode").asInt()).as(r.toString()).isZero();
            assertThat(r.path("dept_user").size()).isLessThanOrEqualTo(7);
            r.path("dept_user")
                    .forEach(
                            e ->
                                    assertThat(
                                                    pairs.add(
                                                            e.path("userid").asText()
                                                                    + "@"
                                                                    + e.path("department")
                                                                            .asLong()))
                                            .as("duplicate %s", e)
                                            .isTrue());
            cursor = r.path("next_cursor").asText();
            pages++;
        } while (!cursor.isEmpty() && pages < 1000);
        Set<String> expected = new HashSet<>();
        wecom.groundTruth(CORP, ContactsPlatformSim.USERS)
                .live()
                .forEach(
                        u ->
                                u.content()
                                        .path("department")
                                        .forEach(d -> expected.add(u.id() + "@" + d.asLong())));
        assertThat(pairs).isEqualTo(expected);
        assertThat(pages).isEqualTo((expected.size() + 6) / 7);

        for (String bad :
                new String[] {
                    "{\"limit\":0}", "{\"limit\":10001}", "{\"cursor\":\"%%%\",\"limit\":5}"
                }) {
            JsonNode r =
                    TestHttp.postJson(
                                    base + "/cgi-bin/user/list_id?access_token=" + token,
                                    bad,
                                    Map.of())
                            .json();
            assertThat(r.path("errcode").asInt()).as(bad).isEqualTo(40058);
        }
    }

    @Test
    void corpLimitAnswers45009AndBansTheKeyForSixtySeconds() {
        wecom.limits()
                .set(
                        new LimitRule(
                                "corp-api-minute",
                                LimitScope.TENANT_API,
                                3,
                                Duration.ofMinutes(1),
                                Duration.ofSeconds(60)));
        String token = token();
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            codes.add(get("/cgi-bin/department/list", token, Map.of()).path("errcode").asInt());
        assertThat(codes).containsExactly(0, 0, 0, 45009, 45009);
        JsonNode refused = get("/cgi-bin/department/list", token, Map.of());
        assertThat(refused.path("errmsg").asText())
                .matches(
                        "api freq out of limit, hint: \\[\\d+_\\d+_[0-9a-f]+], from ip: 127\\.0\\.0\\.1, more info at https://open\\.work\\.weixin\\.qq\\.com/devtool/query\\?e=45009");
        // another API of the same corp has its own counter
        assertThat(get("/cgi-bin/department/simplelist", token, Map.of()).path("errcode").asInt())
                .isZero();

        var stats = sim.accounting().limitKey("wecom/corp-api-minute:" + CORP + "/department/list");
        assertThat(stats.served()).isEqualTo(3);
        assertThat(stats.refused()).isEqualTo(3);

        sim.clock().advance(59_000); // still banned: the ban started with the 4th request
        assertThat(get("/cgi-bin/department/list", token, Map.of()).path("errcode").asInt())
                .isEqualTo(45009);
        sim.clock().advance(2_000);
        assertThat(get("/cgi-bin/department/list", token, Map.of()).path("errcode").asInt())
                .isZero();
    }

    @Test
    void serviceProviderIpLimitsAreSettable() {
        assertThat(wecom.limits().rules())
                .filteredOn(r -> r.name().equals("ip-api-minute"))
                .singleElement()
                .satisfies(r -> assertThat(r.limit()).isEqualTo(20_000));
        wecom.serviceProviderIpLimits(true);
        assertThat(wecom.limits().rules())
                .filteredOn(r -> r.scope() == LimitScope.IP_API)
                .extracting(LimitRule::limit)
                .containsExactlyInAnyOrder(40_000, 1_200_000);
    }

    @Test
    void renderedDataContainsBothKindsOfDependencyCycle() {
        String token = token();
        Map<String, List<String>> headsByDept = new HashMap<>();
        for (JsonNode d : get("/cgi-bin/department/list", token, Map.of()).path("department")) {
            List<String> heads = new ArrayList<>();
            d.path("department_leader").forEach(h -> heads.add(h.asText()));
            headsByDept.put(d.path("id").asText(), heads);
        }
        Map<String, List<String>> deptsByUser = new HashMap<>();
        Map<String, String> leaderByUser = new HashMap<>();
        for (String dept : headsByDept.keySet()) {
            for (JsonNode u :
                    get("/cgi-bin/user/list", token, Map.of("department_id", dept))
                            .path("userlist")) {
                List<String> depts = new ArrayList<>();
                u.path("department").forEach(x -> depts.add(x.asText()));
                deptsByUser.put(u.path("userid").asText(), depts);
                if (!u.path("direct_leader").isEmpty())
                    leaderByUser.put(
                            u.path("userid").asText(), u.path("direct_leader").get(0).asText());
                int i = depts.indexOf(dept);
                assertThat(u.path("is_leader_in_dept").get(i).asInt() == 1)
                        .isEqualTo(headsByDept.get(dept).contains(u.path("userid").asText()));
            }
        }
        assertThat(ContactCycles.departmentsHeadedByMember(headsByDept, deptsByUser)).hasSize(8);
        assertThat(ContactCycles.leaderLoops(leaderByUser))
                .hasSize(2)
                .allSatisfy(loop -> assertThat(loop).hasSize(3));
    }

    @Test
    void mutationsShowInTheApiAndInGroundTruth() {
        String token = token();
        Directory dir = wecom.directory(CORP);
        long dept = dir.addDepartment(Directory.ROOT_ID, "新部门");
        long user = dir.addUser("新人", List.of(dept), Directory.NO_LEADER);
        JsonNode users =
                get("/cgi-bin/user/list", token, Map.of("department_id", String.valueOf(dept)))
                        .path("userlist");
        assertThat(users)
                .singleElement()
                .satisfies(u -> assertThat(u.path("userid").asText()).isEqualTo("user" + user));
        dir.removeUser(user);
        dir.removeDepartment(dept);
        assertThat(wecom.groundTruth(CORP, ContactsPlatformSim.USERS).deletedIds())
                .containsExactly("user" + user);
        assertThat(wecom.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS).deletedIds())
                .containsExactly(String.valueOf(dept));
        assertThat(
                        get(
                                        "/cgi-bin/user/list",
                                        token,
                                        Map.of("department_id", String.valueOf(dept)))
                                .path("errcode")
                                .asInt())
                .isEqualTo(60003);
    }
}
