package io.httpsync.simulator;

import io.httpsync.simulator.platform.ContactsPlatformSim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line serves the contacts platforms with one app per corp, as it prints. */
class SimulatorMainContactsTest {

    @Test
    void commandLineServesTheContactsPlatformsWithOneAppPerCorp() {
        try (Simulator sim =
                SimulatorMain.fromOptions(
                                SimulatorMain.parse(
                                        new String[] {
                                            "--platforms",
                                            "wecom,dingtalk,feishu",
                                            "--tenants",
                                            "2",
                                            "--records",
                                            "120"
                                        }))
                        .start(0)) {
            for (String name : new String[] {"wecom", "dingtalk", "feishu"}) {
                assertThat(sim.platform(name).tenantIds()).containsExactly("corp-1", "corp-2");
                assertThat(
                                sim.platform(name)
                                        .groundTruth("corp-2", ContactsPlatformSim.USERS)
                                        .live())
                        .hasSize(120);
            }
            JsonNode wecom =
                    TestHttp.get(
                                    sim.baseUrl("wecom") + "/cgi-bin/gettoken",
                                    Map.of(
                                            "corpid",
                                            SimulatorMain.DEMO_APP_KEY + "-2",
                                            "corpsecret",
                                            SimulatorMain.DEMO_APP_SECRET))
                            .json();
            assertThat(wecom.path("errcode").asInt()).isZero();
            JsonNode dingtalk =
                    TestHttp.get(
                                    sim.baseUrl("dingtalk") + "/gettoken",
                                    Map.of(
                                            "appkey",
                                            SimulatorMain.DEMO_APP_KEY + "-1",
                                            "appsecret",
                                            SimulatorMain.DEMO_APP_SECRET))
                            .json();
            assertThat(dingtalk.path("errcode").asInt()).isZero();
            JsonNode feishu =
                    TestHttp.postJson(
                                    sim.baseUrl("feishu")
                                            + "/open-apis/auth/v3/tenant_access_token/internal",
                                    "{\"app_id\":\""
                                            + SimulatorMain.DEMO_APP_KEY
                                            + "-1\",\"app_secret\":\""
                                            + SimulatorMain.DEMO_APP_SECRET
                                            + "\"}",
                                    Map.of())
                            .json();
            assertThat(feishu.path("code").asInt()).isZero();
        }
    }
}
