package io.httpsync.simulator.platform.dingtalk;

import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;

import com.dingtalk.api.DefaultDingTalkClient;
import com.dingtalk.api.request.OapiGettokenRequest;
import com.dingtalk.api.request.OapiV2DepartmentGetRequest;
import com.dingtalk.api.request.OapiV2DepartmentListsubRequest;
import com.dingtalk.api.request.OapiV2UserGetRequest;
import com.dingtalk.api.request.OapiV2UserListRequest;
import com.dingtalk.api.response.OapiGettokenResponse;
import com.dingtalk.api.response.OapiV2DepartmentGetResponse;
import com.dingtalk.api.response.OapiV2DepartmentListsubResponse;
import com.dingtalk.api.response.OapiV2UserGetResponse;
import com.dingtalk.api.response.OapiV2UserListResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.taobao.api.ApiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official old DingTalk SDK (alibaba-dingtalk-service-sdk) against the simulator. */
class DingTalkSdkTest {
    private static final String CORP = "ding-sdk-corp";
    private static final String APP_KEY = "dingsdkappkey";
    private static final String APP_SECRET = "ding-sdk-secret";

    private Simulator sim;
    private DingTalkSim dingtalk;
    private String base;

    @BeforeEach
    void start() {
        sim = new Simulator(19);
        dingtalk = sim.add(DingTalkSim::new);
        dingtalk.addTenant(
                CORP,
                new ContactsPlatformSim.Credentials(APP_KEY, APP_SECRET),
                DirectorySpec.of(12, 50).maxDepth(3).multiDepartmentShare(0.3));
        dingtalk.limits()
                .set(
                        LimitRule.perSecond(
                                DingTalkSim.CORP_API_RULE, LimitScope.TENANT_API, 100_000));
        sim.start(0);
        base = sim.baseUrl("dingtalk");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String token() throws ApiException {
        OapiGettokenRequest req = new OapiGettokenRequest();
        req.setAppkey(APP_KEY);
        req.setAppsecret(APP_SECRET);
        req.setHttpMethod("GET");
        OapiGettokenResponse rsp = new DefaultDingTalkClient(base + "/gettoken").execute(req);
        assertThat(rsp.isSuccess()).as(rsp.getBody()).isTrue();
        assertThat(rsp.getExpiresIn()).isEqualTo(7200L);
        return rsp.getAccessToken();
    }

    private List<OapiV2DepartmentListsubResponse.DeptBaseResponse> listSub(
            String token, long deptId) throws ApiException {
        OapiV2DepartmentListsubRequest req = new OapiV2DepartmentListsubRequest();
        req.setDeptId(deptId);
        OapiV2DepartmentListsubResponse rsp =
                new DefaultDingTalkClient(base + "/topapi/v2/department/listsub")
                        .execute(req, token);
        assertThat(rsp.isSuccess()).as(rsp.getBody()).isTrue();
        return rsp.getResult() == null ? List.of() : rsp.getResult();
    }

    private OapiV2UserListResponse userListPage(String token, long deptId, long cursor)
            throws ApiException {
        OapiV2UserListRequest req = new OapiV2UserListRequest();
        req.setDeptId(deptId);
        req.setCursor(cursor);
        req.setSize(6L);
        return new DefaultDingTalkClient(base + "/topapi/v2/user/list").execute(req, token);
    }

    @Test
    void sdkWalksTheTreePagesUsersAndReadsDetailsAsGroundTruth() throws ApiException {
        String token = token();
        Map<String, GroundTruth.TruthRecord> deptTruth =
                dingtalk.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS).byId();
        Map<String, GroundTruth.TruthRecord> userTruth =
                dingtalk.groundTruth(CORP, ContactsPlatformSim.USERS).byId();

        List<Long> departments = new ArrayList<>(List.of(1L));
        Deque<Long> todo = new ArrayDeque<>(departments);
        while (!todo.isEmpty()) {
            long parent = todo.pop();
            for (var d : listSub(token, parent)) {
                assertThat(d.getParentId()).isEqualTo(parent);
                assertThat(d.getName())
                        .isEqualTo(
                                deptTruth
                                        .get(String.valueOf(d.getDeptId()))
                                        .content()
                                        .path("name")
                                        .asText());
                departments.add(d.getDeptId());
                todo.add(d.getDeptId());
            }
        }
        assertThat(departments)
                .map(String::valueOf)
                .containsExactlyInAnyOrderElementsOf(deptTruth.keySet());

        Map<String, OapiV2UserListResponse.ListUserResponse> listed = new HashMap<>();
        for (long d : departments) {
            OapiV2DepartmentGetRequest get = new OapiV2DepartmentGetRequest();
            get.setDeptId(d);
            OapiV2DepartmentGetResponse detail =
                    new DefaultDingTalkClient(base + "/topapi/v2/department/get")
                            .execute(get, token);
            JsonNode t = deptTruth.get(String.valueOf(d)).content();
            List<String> managers = new ArrayList<>();
            t.path("dept_manager_userid_list").forEach(m -> managers.add(m.asText()));
            assertThat(
                            detail.getResult().getDeptManagerUseridList() == null
                                    ? List.of()
                                    : detail.getResult().getDeptManagerUseridList())
                    .isEqualTo(managers);

            long cursor = 0;
            while (true) {
                OapiV2UserListResponse page = userListPage(token, d, cursor);
                assertThat(page.isSuccess()).as(page.getBody()).isTrue();
                for (var u : page.getResult().getList()) {
                    assertThat(u.getDeptIdList()).contains(d);
                    assertThat(u.getLeader()).isEqualTo(managers.contains(u.getUserid()));
                    listed.put(u.getUserid(), u);
                }
                if (!page.getResult().getHasMore()) break;
                cursor = page.getResult().getNextCursor();
            }
        }
        assertThat(listed.keySet()).containsExactlyInAnyOrderElementsOf(userTruth.keySet());

        for (String id : listed.keySet()) {
            OapiV2UserGetRequest get = new OapiV2UserGetRequest();
            get.setUserid(id);
            OapiV2UserGetResponse.UserGetResponse u =
                    new DefaultDingTalkClient(base + "/topapi/v2/user/get")
                            .execute(get, token)
                            .getResult();
            JsonNode t = userTruth.get(id).content();
            assertThat(u.getName()).isEqualTo(t.path("name").asText());
            assertThat(u.getManagerUserid())
                    .isEqualTo(t.has("manager_userid") ? t.path("manager_userid").asText() : null);
            List<Long> depts = new ArrayList<>();
            t.path("dept_id_list").forEach(x -> depts.add(x.asLong()));
            assertThat(u.getDeptIdList()).isEqualTo(depts);
            assertThat(u.getLeaderInDept()).hasSize(depts.size());
        }
    }

    @Test
    void sdkSeesTheAuthErrorCodes() throws ApiException {
        String token = token();
        OapiV2UserListResponse invalid = userListPage("bogus", 1, 0);
        assertThat(invalid.isSuccess()).isFalse();
        assertThat(invalid.getErrcode()).isEqualTo(88L);
        assertThat(invalid.getSubCode()).isEqualTo("40014");
        dingtalk.tokens().expireAll(CORP);
        OapiV2UserListResponse expired = userListPage(token, 1, 0);
        assertThat(expired.isSuccess()).isFalse();
        assertThat(expired.getErrcode()).isEqualTo(42001L);
        assertThat(token()).isNotEqualTo(token);
    }

    @Test
    void sdkCannotParseTheIpBanPage() throws ApiException {
        String token = token();
        dingtalk.limits()
                .set(
                        new LimitRule(
                                DingTalkSim.IP_RULE,
                                LimitScope.IP,
                                1,
                                Duration.ofSeconds(20),
                                Duration.ofMinutes(5)));
        assertThat(userListPage(token, 1, 0).isSuccess()).isTrue();
        // the ban page is no JSON envelope: the SDK's JSON reader throws an unchecked exception,
        // not its ApiException
        assertThatThrownBy(() -> userListPage(token, 1, 0))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expected value at column 1");
        // and the deny variant parses as JSON but carries no errcode: the SDK reports success with
        // no result
        dingtalk.ipBanPage(DingTalkSim.IpBanPage.DENY_JSON);
        OapiV2UserListResponse deny = userListPage(token, 1, 0);
        assertThat(deny.isSuccess()).isTrue();
        assertThat(deny.getResult()).isNull();
        assertThat(deny.getBody()).contains("\"punish\":\"deny\"");
    }
}
