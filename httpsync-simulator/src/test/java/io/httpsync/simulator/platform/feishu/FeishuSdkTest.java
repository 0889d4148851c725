package io.httpsync.simulator.platform.feishu;

import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;

import com.fasterxml.jackson.databind.JsonNode;
import com.lark.oapi.Client;
import com.lark.oapi.service.contact.v3.model.ChildrenDepartmentReq;
import com.lark.oapi.service.contact.v3.model.ChildrenDepartmentResp;
import com.lark.oapi.service.contact.v3.model.Department;
import com.lark.oapi.service.contact.v3.model.DepartmentLeader;
import com.lark.oapi.service.contact.v3.model.FindByDepartmentUserReq;
import com.lark.oapi.service.contact.v3.model.FindByDepartmentUserResp;
import com.lark.oapi.service.contact.v3.model.GetDepartmentReq;
import com.lark.oapi.service.contact.v3.model.GetDepartmentResp;
import com.lark.oapi.service.contact.v3.model.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official Feishu/Lark SDK (oapi-sdk) against the simulator: token, paging and parsing must all
 * work.
 */
class FeishuSdkTest {
    private static final String CORP = "feishu-sdk-corp";
    private static final String APP_SECRET = "feishu-sdk-secret";

    private Simulator sim;
    private FeishuSim feishu;
    private Client client;

    @BeforeEach
    void start() {
        // the SDK caches tenant tokens process-wide by app id: a fresh app id per test keeps tokens
        // of earlier simulators out
        String appId = "cli_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        sim = new Simulator(29);
        feishu = sim.add(FeishuSim::new);
        feishu.addTenant(
                CORP,
                new ContactsPlatformSim.Credentials(appId, APP_SECRET),
                DirectorySpec.of(12, 45).maxDepth(3).multiDepartmentShare(0.3));
        feishu.limits().set(LimitRule.perSecond("api-qps", LimitScope.TENANT_API, 100_000));
        sim.start(0);
        client = Client.newBuilder(appId, APP_SECRET).openBaseUrl(sim.baseUrl("feishu")).build();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private List<Department> allDepartments() throws Exception {
        List<Department> out = new ArrayList<>();
        String pageToken = null;
        do {
            ChildrenDepartmentResp r =
                    client.contact()
                            .department()
                            .children(
                                    ChildrenDepartmentReq.newBuilder()
                                            .departmentId("0")
                                            .fetchChild(true)
                                            .pageSize(5)
                                            .pageToken(pageToken)
                                            .build());
            assertThat(r.success()).as(r.getMsg()).isTrue();
            out.addAll(Arrays.asList(r.getData().getItems()));
            pageToken = r.getData().getHasMore() ? r.getData().getPageToken() : null;
        } while (pageToken != null);
        // the root, which children never lists, by its own API
        GetDepartmentResp root =
                client.contact()
                        .department()
                        .get(GetDepartmentReq.newBuilder().departmentId("0").build());
        assertThat(root.success()).as(root.getMsg()).isTrue();
        out.add(root.getData().getDepartment());
        return out;
    }

    private List<User> members(String departmentId) throws Exception {
        List<User> out = new ArrayList<>();
        String pageToken = null;
        do {
            FindByDepartmentUserResp r =
                    client.contact()
                            .user()
                            .findByDepartment(
                                    FindByDepartmentUserReq.newBuilder()
                                            .departmentId(departmentId)
                                            .pageSize(4)
                                            .pageToken(pageToken)
                                            .build());
            assertThat(r.success()).as(r.getMsg()).isTrue();
            if (r.getData().getItems() != null) out.addAll(Arrays.asList(r.getData().getItems()));
            pageToken = r.getData().getHasMore() ? r.getData().getPageToken() : null;
        } while (pageToken != null);
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    @Test
    void sdkPagesDepartmentsAndUsersAsGroundTruth() throws Exception {
        Map<String, GroundTruth.TruthRecord> deptTruth =
                feishu.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS).byId();
        List<Department> departments = allDepartments();
        assertThat(departments)
                .extracting(Department::getOpenDepartmentId)
                .containsExactlyInAnyOrderElementsOf(deptTruth.keySet());
        for (Department d : departments) {
            JsonNode t = deptTruth.get(d.getOpenDepartmentId()).content();
            assertThat(d.getName()).isEqualTo(t.path("name").asText());
            assertThat(d.getDepartmentId()).isEqualTo(t.path("department_id").asText());
            assertThat(d.getParentDepartmentId())
                    .isEqualTo(t.path("parent_department_id").asText());
            assertThat(d.getLeaderUserId())
                    .isEqualTo(t.has("leader_user_id") ? t.path("leader_user_id").asText() : null);
            assertThat(Arrays.stream(d.getLeaders()).map(DepartmentLeader::getLeaderID).toList())
                    .isEqualTo(t.path("leaders").findValuesAsText("leaderID"));
            assertThat(d.getStatus().getIsDeleted()).isFalse();
        }

        Map<String, GroundTruth.TruthRecord> userTruth =
                feishu.groundTruth(CORP, ContactsPlatformSim.USERS).byId();
        Map<String, User> users = new HashMap<>();
        Set<String> memberships = new HashSet<>();
        List<String> queried =
                new ArrayList<>(departments.stream().map(Department::getOpenDepartmentId).toList());
        for (String dept : queried) {
            for (User u : members(dept)) {
                assertThat(memberships.add(u.getOpenId() + "@" + dept)).isTrue();
                users.put(u.getOpenId(), u);
            }
        }
        assertThat(users.keySet()).containsExactlyInAnyOrderElementsOf(userTruth.keySet());
        users.forEach(
                (id, u) -> {
                    JsonNode t = userTruth.get(id).content();
                    assertThat(u.getName()).isEqualTo(t.path("name").asText());
                    assertThat(u.getUserId()).isEqualTo(t.path("user_id").asText());
                    assertThat(u.getUnionId()).isEqualTo(t.path("union_id").asText());
                    assertThat(Arrays.asList(u.getDepartmentIds()))
                            .isEqualTo(texts(t.path("department_ids")));
                    assertThat(u.getLeaderUserId())
                            .isEqualTo(
                                    t.has("leader_user_id")
                                            ? t.path("leader_user_id").asText()
                                            : null);
                    assertThat(u.getJobTitle()).isEqualTo(t.path("job_title").asText());
                    assertThat(u.getJoinTime()).isEqualTo(t.path("join_time").asInt());
                    assertThat(u.getStatus().getIsActivated()).isTrue();
                    assertThat(u.getOrders()).hasSize(u.getDepartmentIds().length);
                });
        assertThat(memberships).hasSizeGreaterThan(users.size());
        assertThat(sim.accounting().endpoint("feishu/" + FeishuSim.TENANT_ACCESS_TOKEN).served())
                .as("the SDK caches its token")
                .isEqualTo(1);
        assertThat(
                        sim.accounting()
                                .endpoint("feishu/" + FeishuSim.USERS_FIND_BY_DEPARTMENT)
                                .served())
                .isGreaterThan(queried.size());
    }

    @Test
    void sdkSurfacesTheFrequencyLimitAnswer() throws Exception {
        feishu.limits()
                .set(
                        new LimitRule(
                                "api-qpm",
                                LimitScope.TENANT_API,
                                1,
                                Duration.ofMinutes(1),
                                Duration.ZERO));
        FindByDepartmentUserReq req =
                FindByDepartmentUserReq.newBuilder().departmentId("0").pageSize(10).build();
        assertThat(client.contact().user().findByDepartment(req).success()).isTrue();
        FindByDepartmentUserResp refused = client.contact().user().findByDepartment(req);
        assertThat(refused.success()).isFalse();
        assertThat(refused.getCode()).isEqualTo(99991400);
        assertThat(refused.getMsg()).isEqualTo("request trigger frequency limit");
        assertThat(refused.getRawResponse().getStatusCode()).isEqualTo(429);
        assertThat(refused.getRawResponse().getHeaders().get("x-ogw-ratelimit-limit"))
                .containsExactly("1");
    }
}
