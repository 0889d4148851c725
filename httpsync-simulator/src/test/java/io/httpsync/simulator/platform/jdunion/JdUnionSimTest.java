package io.httpsync.simulator.platform.jdunion;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.httpsync.simulator.platform.OrderTestSupport.SECOND;
import static io.httpsync.simulator.platform.OrderTestSupport.assertExactlyOnce;
import static io.httpsync.simulator.platform.OrderTestSupport.floorSecond;
import static io.httpsync.simulator.platform.OrderTestSupport.gmt8;
import static io.httpsync.simulator.platform.OrderTestSupport.lostFromWindow;
import static io.httpsync.simulator.platform.OrderTestSupport.md5Hex;
import static org.assertj.core.api.Assertions.assertThat;

class JdUnionSimTest {
    private static final String APP_KEY = "jd-app-key-1";
    private static final String SECRET = "jd-app-secret-1";
    private static final long HOUR = 3_600_000L;

    private Simulator sim;
    private JdUnionSim jd;
    private String url;

    @BeforeEach
    void start() {
        sim = new Simulator(13);
        jd = sim.add(JdUnionSim::new);
        jd.addTenant(
                "promoter-1",
                JdUnionSim.credentials(APP_KEY, SECRET),
                DataSpec.of(300, 12 * HOUR).timeResolutionMillis(1000));
        sim.start(0);
        url = sim.baseUrl("jdunion") + "/routerjson";
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** A request signed as JD's docs describe, computed here independently of the simulator. */
    private Map<String, String> signed(String paramJson, String secret) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("method", JdUnionSim.ORDER_ROWS);
        p.put("app_key", APP_KEY);
        p.put("timestamp", gmt8(sim.clock().now()));
        p.put("format", "json");
        p.put("v", "1.0");
        p.put("sign_method", "md5");
        p.put("360buy_param_json", paramJson);
        StringBuilder concat = new StringBuilder();
        new TreeMap<>(p).forEach((k, v) -> concat.append(k).append(v));
        p.put("sign", md5Hex(secret + concat + secret).toUpperCase());
        return p;
    }

    private static String orderReq(long start, long end, int pageIndex, int pageSize) {
        return "{\"orderReq\":{\"startTime\":\""
                + gmt8(start)
                + "\",\"endTime\":\""
                + gmt8(end)
                + "\",\"pageIndex\":"
                + pageIndex
                + ",\"pageSize\":"
                + pageSize
                + ",\"type\":3}}";
    }

    /** The outer answer, checked for the API's shape: code "0" and a string queryResult. */
    private JsonNode call(String paramJson) {
        JsonNode r = TestHttp.postForm(url, signed(paramJson, SECRET)).json();
        JsonNode response = r.path(JdUnionSim.RESPONSE_KEY);
        assertThat(response.path("code").asText()).as(r.toString()).isEqualTo("0");
        assertThat(response.path("queryResult").isTextual()).as(r.toString()).isTrue();
        return response;
    }

    /** The document inside {@code queryResult}. */
    private static JsonNode inner(JsonNode response) {
        try {
            return Json.MAPPER.readTree(response.path("queryResult").textValue());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pagingHourlyWindowsByHasMoreInsideTheStringReturnsEveryRowExactlyOnce() {
        jd.limits().clear(); // 20 calls a second: this test pages quicker
        long newest = floorSecond(sim.clock().now());
        List<JsonNode> all = new ArrayList<>();
        for (int hour = 0; hour < 13; hour++) {
            // the end is inclusive: consecutive windows end one second before the next one starts
            long end = newest - hour * HOUR;
            long start = end - HOUR + SECOND;
            for (int page = 1; ; page++) {
                JsonNode result = inner(call(orderReq(start, end, page, 10)));
                assertThat(result.path("code").asInt()).isEqualTo(200);
                assertThat(result.path("message").asText()).isEqualTo("success");
                result.path("data").forEach(all::add);
                if (!result.path("hasMore").asBoolean()) break;
            }
        }
        assertExactlyOnce(all, r -> r.path("id").asText(), jd.groundTruth("promoter-1"));
    }

    @Test
    void aWindowWiderThanAnHourIsAParameterErrorInsideTheString() {
        long now = floorSecond(sim.clock().now());
        JsonNode result = inner(call(orderReq(now - HOUR - SECOND, now, 1, 10)));
        assertThat(result.path("code").asInt()).isEqualTo(JdUnionSim.BAD_PARAMETER);
        assertThat(result.path("message").asText()).contains("endTime").contains("1小时");
        assertThat(result.has("data")).isFalse();

        JsonNode pageSize = inner(call(orderReq(now - HOUR, now, 1, 201)));
        assertThat(pageSize.path("code").asInt()).isEqualTo(JdUnionSim.BAD_PARAMETER);
        JsonNode noOrderReq = inner(call("{\"startTime\":\"x\"}"));
        assertThat(noOrderReq.path("code").asInt()).isEqualTo(JdUnionSim.BAD_PARAMETER);
    }

    @Test
    void aWrongSignatureIsRefusedByTheRouterOutsideTheString() {
        long now = floorSecond(sim.clock().now());
        JsonNode r =
                TestHttp.postForm(url, signed(orderReq(now - HOUR, now, 1, 10), "wrong-secret"))
                        .json();
        assertThat(r.has(JdUnionSim.RESPONSE_KEY)).isFalse();
        assertThat(r.path("error_response").path("code").asText()).isEqualTo("13");
    }

    @Test
    void aCallOverTheLimitGetsTheRateLimitCodeInsideTheString() {
        jd.limits()
                .set(
                        new LimitRule(
                                "app-calls",
                                LimitScope.APP,
                                2,
                                Duration.ofMinutes(1),
                                Duration.ZERO));
        long now = floorSecond(sim.clock().now());
        Set<Integer> codes = new HashSet<>();
        for (int i = 0; i < 3; i++)
            codes.add(inner(call(orderReq(now - HOUR, now, 1, 10))).path("code").asInt());
        assertThat(codes).containsExactlyInAnyOrder(200, JdUnionSim.RATE_LIMITED);
    }

    @Test
    void rowsLeavingAWindowWhileItIsPagedForwardShiftLaterRowsOntoPagesAlreadyRead() {
        jd.limits().clear();
        jd.mutatePerPage("promoter-1", new MutationRates(3, 0, 0));
        long end = floorSecond(sim.clock().now()) - 2 * HOUR;
        long start = end - HOUR + SECOND;
        Set<String> seen = new HashSet<>();
        for (int page = 1; ; page++) {
            JsonNode result = inner(call(orderReq(start, end, page, 3)));
            result.path("data").forEach(r -> seen.add(r.path("id").asText()));
            if (!result.path("hasMore").asBoolean()) break;
        }
        assertThat(lostFromWindow(seen, jd.groundTruth("promoter-1"), t -> t >= start && t <= end))
                .as("rows never seen although they stayed in the window")
                .isNotEmpty();
    }
}
