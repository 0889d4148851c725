package io.httpsync.simulator.platform.wecom;

import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;

import com.fasterxml.jackson.databind.JsonNode;
import me.chanjar.weixin.common.error.WxErrorException;
import me.chanjar.weixin.cp.api.WxCpService;
import me.chanjar.weixin.cp.api.impl.WxCpServiceImpl;
import me.chanjar.weixin.cp.bean.WxCpDepart;
import me.chanjar.weixin.cp.bean.WxCpUser;
import me.chanjar.weixin.cp.bean.user.WxCpDeptUserResult;
import me.chanjar.weixin.cp.config.impl.WxCpDefaultConfigImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WxJava (weixin-java-cp), a widely used WeCom SDK, against the simulator: its parsing must succeed
 * and agree.
 */
class WeComSdkTest {
    private static final String CORP = "ww-sdk-corp";
    private static final String SECRET = "sdk-corp-secret";

    private Simulator sim;
    private WeComSim wecom;
    private WxCpService service;

    @BeforeEach
    void start() {
        sim = new Simulator(13);
        wecom = sim.add(WeComSim::new);
        wecom.addTenant(
                CORP,
                new ContactsPlatformSim.Credentials(CORP, SECRET),
                DirectorySpec.of(15, 60).maxDepth(3).multiDepartmentShare(0.3));
        sim.start(0);
        WxCpDefaultConfigImpl config = new WxCpDefaultConfigImpl();
        config.setCorpId(CORP);
        config.setCorpSecret(SECRET);
        config.setBaseApiUrl(sim.baseUrl("wecom"));
        service = new WxCpServiceImpl();
        service.setWxCpConfigStorage(config);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    @Test
    void departmentServiceListsEveryDepartmentAsGroundTruth() throws WxErrorException {
        List<WxCpDepart> departs = service.getDepartmentService().list(null);
        Map<String, GroundTruth.TruthRecord> truth =
                wecom.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS).byId();
        assertThat(departs)
                .extracting(d -> String.valueOf(d.getId()))
                .containsExactlyInAnyOrderElementsOf(truth.keySet());
        for (WxCpDepart d : departs) {
            JsonNode t = truth.get(String.valueOf(d.getId())).content();
            assertThat(d.getName()).isEqualTo(t.path("name").asText());
            assertThat(d.getParentId()).isEqualTo(t.path("parentid").asLong());
            assertThat(d.getOrder()).isEqualTo(t.path("order").asLong());
            assertThat(d.getDepartmentLeader())
                    .containsExactlyElementsOf(texts(t.path("department_leader")));
        }
        assertThat(service.getDepartmentService().simpleList(null)).hasSameSizeAs(departs);
    }

    @Test
    void userServiceListsEveryUserOfEveryDepartmentAsGroundTruth() throws WxErrorException {
        Map<String, WxCpUser> users = new HashMap<>();
        for (WxCpDepart d : service.getDepartmentService().list(null)) {
            List<WxCpUser> detailed =
                    service.getUserService().listByDepartment(d.getId(), false, 0);
            List<WxCpUser> simple =
                    service.getUserService().listSimpleByDepartment(d.getId(), false, 0);
            assertThat(simple)
                    .extracting(WxCpUser::getUserId)
                    .containsExactlyElementsOf(detailed.stream().map(WxCpUser::getUserId).toList());
            detailed.forEach(u -> users.put(u.getUserId(), u));
        }
        Map<String, GroundTruth.TruthRecord> truth =
                wecom.groundTruth(CORP, ContactsPlatformSim.USERS).byId();
        assertThat(users.keySet()).containsExactlyInAnyOrderElementsOf(truth.keySet());
        users.forEach(
                (id, u) -> {
                    JsonNode t = truth.get(id).content();
                    assertThat(u.getName()).isEqualTo(t.path("name").asText());
                    assertThat(Arrays.stream(u.getDepartIds()).map(String::valueOf).toList())
                            .isEqualTo(texts(t.path("department")));
                    assertThat(
                                    u.getDirectLeader() == null
                                            ? List.of()
                                            : List.of(u.getDirectLeader()))
                            .isEqualTo(texts(t.path("direct_leader")));
                    assertThat(Arrays.stream(u.getIsLeaderInDept()).map(String::valueOf).toList())
                            .isEqualTo(texts(t.path("is_leader_in_dept")));
                    assertThat(u.getMainDepartment()).isEqualTo(t.path("main_department").asText());
                });
    }

    @Test
    void listIdPagesThroughEveryMembership() throws WxErrorException {
        Set<String> pairs = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            WxCpDeptUserResult page = service.getUserService().getUserListId(cursor, 9);
            page.getDeptUser()
                    .forEach(
                            e ->
                                    assertThat(pairs.add(e.getUserId() + "@" + e.getDepartment()))
                                            .isTrue());
            cursor = page.getNextCursor();
            pages++;
        } while (cursor != null && !cursor.isEmpty());
        Set<String> expected = new HashSet<>();
        wecom.groundTruth(CORP, ContactsPlatformSim.USERS)
                .live()
                .forEach(
                        u ->
                                u.content()
                                        .path("department")
                                        .forEach(d -> expected.add(u.id() + "@" + d.asLong())));
        assertThat(pairs).isEqualTo(expected);
        assertThat(pages).isGreaterThan(1);
    }

    @Test
    void sdkFetchesANewTokenAfterEarlyInvalidation() throws WxErrorException {
        service.getDepartmentService().list(null);
        assertThat(sim.accounting().endpoint("wecom/gettoken").served()).isEqualTo(1);
        wecom.tokens().expireAll(CORP); // WeCom may kill a token before its 7200 s are up
        assertThat(service.getDepartmentService().list(null)).isNotEmpty();
        assertThat(sim.accounting().endpoint("wecom/gettoken").served()).isEqualTo(2);
        // the 42001 answer, then the retry with the new token
        assertThat(sim.accounting().endpoint("wecom/department/list").served()).isEqualTo(3);
    }
}
