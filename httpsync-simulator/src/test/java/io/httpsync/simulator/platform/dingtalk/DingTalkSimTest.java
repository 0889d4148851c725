package io.httpsync.simulator.platform.dingtalk;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.contacts.ContactCycles;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class DingTalkSimTest {
    private static final String CORP = "ding-corp-1";
    private static final String APP_KEY = "dingappkey1";
    private static final String APP_SECRET = "ding-app-secret-1";

    private Simulator sim;
    private DingTalkSim dingtalk;
    private String base;

    @BeforeEach
    void start() {
        sim = new Simulator(17);
        dingtalk = sim.add(DingTalkSim::new);
        dingtalk.addTenant(
                CORP,
                new ContactsPlatformSim.Credentials(APP_KEY, APP_SECRET),
                DirectorySpec.of(18, 80)
                        .maxDepth(3)
                        .departmentsHeadedByMember(6)
                        .leaderCycles(1)
                        .leaderCycleLength(4)
                        .multiDepartmentShare(0.3));
        sim.start(0);
        base = sim.baseUrl("dingtalk");
    }

    /** Walking a whole corp in a test takes more than the default 40 calls a second per API. */
    private void liftPerApiLimit() {
        dingtalk.limits()
                .set(
                        LimitRule.perSecond(
                                DingTalkSim.CORP_API_RULE, LimitScope.TENANT_API, 100_000));
    }

    private JsonNode result(String api, String token, String body) {
        JsonNode r = post(api, token, body);
        assertThat(r.path("errcode").asInt()).as(r.toString()).isZero();
        return r.path("result");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private JsonNode getToken() {
        return TestHttp.get(base + "/gettoken", Map.of("appkey", APP_KEY, "appsecret", APP_SECRET))
                .json();
    }

    private String token() {
        JsonNode r = getToken();
        assertThat(r.path("errcode").asInt()).as(r.toString()).isZero();
        return r.path("access_token").asText();
    }

    private TestHttp.Response call(String api, String token, String body) {
        return TestHttp.postJson(
                base + "/topapi/v2/" + api + "?access_token=" + token, body, Map.of());
    }

    private JsonNode post(String api, String token, String body) {
        TestHttp.Response r = call(api, token, body);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    /** All departments, found the way a client must: listsub from the root, level by level. */
    private List<Long> walkDepartments(String token) {
        List<Long> all = new ArrayList<>(List.of(1L));
        Deque<Long> todo = new ArrayDeque<>(all);
        while (!todo.isEmpty()) {
            JsonNode r = post("department/listsub", token, "{\"dept_id\":" + todo.pop() + "}");
            assertThat(r.path("errcode").asInt()).as(r.toString()).isZero();
            for (JsonNode d : r.path("result")) {
                all.add(d.path("dept_id").asLong());
                todo.add(d.path("dept_id").asLong());
            }
        }
        return all;
    }

    /** The members of a department over all pages of user/list. */
    private List<JsonNode> members(String token, long dept, int size) {
        List<JsonNode> out = new ArrayList<>();
        long cursor = 0;
        for (int guard = 0; guard < 1000; guard++) {
            JsonNode r =
                    post(
                            "user/list",
                            token,
                            "{\"dept_id\":"
                                    + dept
                                    + ",\"cursor\":"
                                    + cursor
                                    + ",\"size\":"
                                    + size
                                    + "}");
            assertThat(r.path("errcode").asInt()).as(r.toString()).isZero();
            r.path("result").path("list").forEach(out::add);
            if (!r.path("result").path("has_more").asBoolean()) return out;
            cursor = r.path("result").path("next_cursor").asLong();
        }
        throw new AssertionError("has_more never became false");
    }

    @Test
    void tokenIsRenewedWhileValidAndExpiredOrInvalidTokensGetThePlatformsCodes() {
        JsonNode first = getToken();
        assertThat(first.path("expires_in").asLong()).isEqualTo(7200);
        sim.clock().advance(TimeUnit.MINUTES.toMillis(100));
        assertThat(getToken().path("access_token").asText())
                .isEqualTo(first.path("access_token").asText());
        sim.clock()
                .advance(TimeUnit.MINUTES.toMillis(100)); // 200 min after issue, but renewed at 100
        String token = first.path("access_token").asText();
        assertThat(post("department/listsub", token, "{}").path("errcode").asInt()).isZero();

        sim.clock().advance(TimeUnit.SECONDS.toMillis(7201));
        JsonNode expired = post("department/listsub", token, "{\"dept_id\":1}");
        assertThat(expired.path("errcode").asInt()).isEqualTo(42001);
        dingtalk.expiredTokenWrapped(true);
        JsonNode wrappedExpired = post("department/listsub", token, "{\"dept_id\":1}");
        assertThat(wrappedExpired.path("errcode").asInt()).isEqualTo(88);
        assertThat(wrappedExpired.path("sub_code").asText()).isEqualTo("42001");

        JsonNode invalid = post("department/listsub", "bogus", "{\"dept_id\":1}");
        assertThat(invalid.path("errcode").asInt()).isEqualTo(88);
        assertThat(invalid.path("sub_code").isTextual()).isTrue();
        assertThat(invalid.path("sub_code").asText()).isEqualTo("40014");
        assertThat(invalid.path("errmsg").asText())
                .isEqualTo("ding talk error[subcode=40014,submsg=不合法的access_token]");
        assertThat(
                        TestHttp.get(
                                        base + "/gettoken",
                                        Map.of("appkey", APP_KEY, "appsecret", "wrong"))
                                .json()
                                .path("errcode")
                                .asInt())
                .isEqualTo(40096);
        assertThat(getToken().path("access_token").asText()).isNotEqualTo(token);
    }

    @Test
    void offsetPagingReturnsEveryMembershipExactlyOnceAndDetailsMatchGroundTruth() {
        liftPerApiLimit();
        String token = token();
        List<Long> departments = walkDepartments(token);
        GroundTruth deptTruth = dingtalk.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS);
        assertThat(departments)
                .map(String::valueOf)
                .containsExactlyInAnyOrderElementsOf(deptTruth.byId().keySet());
        for (long d : departments) {
            JsonNode r =
                    result(
                            "department/get",
                            token,
                            "{\"dept_id\":\"" + d + "\"}"); // numbers as strings, as the SDK sends
            assertThat(Json.contentHash(r))
                    .isEqualTo(deptTruth.byId().get(String.valueOf(d)).contentHash());
        }

        GroundTruth userTruth = dingtalk.groundTruth(CORP, ContactsPlatformSim.USERS);
        Set<String> memberships = new HashSet<>();
        Set<String> userIds = new HashSet<>();
        for (long d : departments) {
            for (JsonNode u : members(token, d, 7)) {
                assertThat(memberships.add(u.path("userid").asText() + "@" + d))
                        .as("duplicate %s in %s", u, d)
                        .isTrue();
                userIds.add(u.path("userid").asText());
                boolean heads =
                        deptTruth
                                .byId()
                                .get(String.valueOf(d))
                                .content()
                                .path("dept_manager_userid_list")
                                .toString()
                                .contains("\"" + u.path("userid").asText() + "\"");
                assertThat(u.path("leader").asBoolean()).isEqualTo(heads);
            }
        }
        assertThat(userIds).containsExactlyInAnyOrderElementsOf(userTruth.byId().keySet());
        Set<String> expected = new HashSet<>();
        userTruth
                .live()
                .forEach(
                        u ->
                                u.content()
                                        .path("dept_id_list")
                                        .forEach(d -> expected.add(u.id() + "@" + d.asLong())));
        assertThat(memberships).isEqualTo(expected);
        for (String id : userIds) {
            JsonNode r = result("user/get", token, "{\"userid\":\"" + id + "\"}");
            assertThat(Json.contentHash(r)).isEqualTo(userTruth.byId().get(id).contentHash());
        }
    }

    @Test
    void badParametersAndUnknownIdsGetErrcodes() {
        String token = token();
        assertThat(
                        post("user/list", token, "{\"dept_id\":1,\"cursor\":0,\"size\":101}")
                                .path("errcode")
                                .asInt())
                .isEqualTo(400002);
        assertThat(post("user/list", token, "{\"dept_id\":1,\"cursor\":0}").path("errcode").asInt())
                .isEqualTo(400002);
        assertThat(
                        post(
                                        "user/list",
                                        token,
                                        "{\"dept_id\":1,\"cursor\":0,\"size\":5,\"order_field\":\"nope\"}")
                                .path("errcode")
                                .asInt())
                .isEqualTo(400002);
        assertThat(
                        post("user/list", token, "{\"dept_id\":77,\"cursor\":0,\"size\":5}")
                                .path("errcode")
                                .asInt())
                .isEqualTo(60003);
        assertThat(post("user/get", token, "{\"userid\":\"nobody\"}").path("errcode").asInt())
                .isEqualTo(60121);
        assertThat(post("department/listsub", token, "not json").path("errcode").asInt())
                .isEqualTo(400002);
        JsonNode beyond =
                post("user/list", token, "{\"dept_id\":1,\"cursor\":100000,\"size\":5}")
                        .path("result");
        assertThat(beyond.path("has_more").asBoolean()).isFalse();
        assertThat(beyond.path("list")).isEmpty();
    }

    @Test
    void perApiLimitAnswers90002WithTheRealMessageShape() {
        dingtalk.limits()
                .set(
                        new LimitRule(
                                DingTalkSim.CORP_API_RULE,
                                LimitScope.TENANT_API,
                                2,
                                Duration.ofMinutes(1),
                                Duration.ZERO));
        String token = token();
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            codes.add(post("department/listsub", token, "{}").path("errcode").asInt());
        assertThat(codes).containsExactly(0, 0, 90002, 90002);
        assertThat(post("department/listsub", token, "{}").path("errmsg").asText())
                .startsWith(
                        "您的服务器调用钉钉开放平台当前接口的所有请求都被暂时禁用了, apiPath(/topapi/v2/department/listsub), 从 ")
                .contains("请求总次数超过了 2 次, 处罚将在 ");
        var stats =
                sim.accounting()
                        .limitKey(
                                "dingtalk/"
                                        + DingTalkSim.CORP_API_RULE
                                        + ":"
                                        + CORP
                                        + "/"
                                        + DingTalkSim.DEPARTMENT_LISTSUB);
        assertThat(stats.served()).isEqualTo(2);
        assertThat(stats.refused()).isEqualTo(3);
        assertThat(
                        post("user/list", token, "{\"dept_id\":1,\"cursor\":0,\"size\":5}")
                                .path("errcode")
                                .asInt())
                .isZero();
    }

    @Test
    void ipBanAnswersWithANonJsonPageForFiveMinutes() {
        String token = token();
        dingtalk.limits()
                .set(
                        new LimitRule(
                                DingTalkSim.IP_RULE,
                                LimitScope.IP,
                                5,
                                Duration.ofSeconds(20),
                                Duration.ofMinutes(5)));
        for (int i = 0; i < 5; i++)
            assertThat(post("department/listsub", token, "{}").path("errcode").asInt()).isZero();
        TestHttp.Response banned =
                call("user/list", token, "{\"dept_id\":1,\"cursor\":0,\"size\":5}");
        assertThat(banned.status()).isEqualTo(200);
        assertThat(banned.headers().get("content-type").get(0)).startsWith("text/html");
        assertThat(banned.body()).startsWith("<!DOCTYPE html>").doesNotContain("errcode");
        // every API from that IP, the token endpoint included
        assertThat(
                        TestHttp.get(
                                        base + "/gettoken",
                                        Map.of("appkey", APP_KEY, "appsecret", APP_SECRET))
                                .body())
                .startsWith("<!DOCTYPE html>");

        sim.clock().advance(TimeUnit.SECONDS.toMillis(299));
        dingtalk.ipBanPage(DingTalkSim.IpBanPage.DENY_JSON);
        JsonNode deny = call("department/listsub", token, "{}").json();
        assertThat(deny.path("punish").asText()).isEqualTo("deny");
        assertThat(deny.path("status").asInt()).isEqualTo(1111);
        assertThat(deny.has("errcode")).isFalse();

        sim.clock().advance(TimeUnit.SECONDS.toMillis(2));
        assertThat(post("department/listsub", token, "{}").path("errcode").asInt()).isZero();
        assertThat(
                        sim.accounting()
                                .limitKey("dingtalk/" + DingTalkSim.IP_RULE + ":127.0.0.1")
                                .refused())
                .isEqualTo(3);
    }

    @Test
    void detailsContainBothKindsOfDependencyCycle() {
        liftPerApiLimit();
        String token = token();
        Map<String, List<String>> headsByDept = new HashMap<>();
        Map<String, List<String>> deptsByUser = new HashMap<>();
        Map<String, String> leaderByUser = new HashMap<>();
        Set<String> userIds = new LinkedHashSet<>();
        for (long d : walkDepartments(token)) {
            JsonNode dept = result("department/get", token, "{\"dept_id\":" + d + "}");
            List<String> heads = new ArrayList<>();
            dept.path("dept_manager_userid_list").forEach(h -> heads.add(h.asText()));
            headsByDept.put(String.valueOf(d), heads);
            members(token, d, 100).forEach(u -> userIds.add(u.path("userid").asText()));
        }
        for (String id : userIds) {
            JsonNode u = result("user/get", token, "{\"userid\":\"" + id + "\"}");
            List<String> depts = new ArrayList<>();
            u.path("dept_id_list").forEach(x -> depts.add(x.asText()));
            deptsByUser.put(id, depts);
            if (u.has("manager_userid")) leaderByUser.put(id, u.path("manager_userid").asText());
        }
        assertThat(ContactCycles.departmentsHeadedByMember(headsByDept, deptsByUser)).hasSize(6);
        assertThat(ContactCycles.leaderLoops(leaderByUser))
                .singleElement()
                .satisfies(loop -> assertThat(loop).hasSize(4));
    }
}
