package io.httpsync.simulator.platform.kuaishou;

import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class KuaishouSimTest {
    private static final String APP_KEY = "ks-app-1";
    private static final String APP_SECRET = "app-secret-1";
    private static final String SIGN_SECRET = "sign-secret-1";
    private static final long DAY = TimeUnit.DAYS.toMillis(1);

    private Simulator sim;
    private KuaishouSim kuaishou;
    private String base;

    @BeforeEach
    void start() {
        sim = new Simulator(7);
        kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                "shop-1",
                KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                DataSpec.of(700, 6 * DAY).timeResolutionMillis(1));
        sim.start(0);
        base = sim.baseUrl("kuaishou");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String token() {
        JsonNode r =
                TestHttp.get(
                                base + "/oauth2/access_token",
                                Map.of(
                                        "app_id",
                                        APP_KEY,
                                        "app_secret",
                                        APP_SECRET,
                                        "grant_type",
                                        "code",
                                        "code",
                                        "shop-1"))
                        .json();
        assertThat(r.path("result").asInt()).isEqualTo(1);
        assertThat(r.path("expires_in").asLong()).isEqualTo(172_800);
        return r.path("access_token").asText();
    }

    /**
     * A signed request as the official doc describes, computed here independently of the
     * simulator's verifier.
     */
    private static Map<String, String> signed(
            String token, String param, String signMethod, String secret) {
        return signed(KuaishouSim.ORDER_LIST, token, param, signMethod, secret);
    }

    private static Map<String, String> signed(
            String method, String token, String param, String signMethod, String secret) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("appkey", APP_KEY);
        p.put("method", method);
        p.put("version", "1");
        p.put("param", param);
        p.put("access_token", token);
        p.put("timestamp", Long.toString(System.currentTimeMillis()));
        p.put("signMethod", signMethod);
        String signStr =
                "access_token="
                        + token
                        + "&appkey="
                        + APP_KEY
                        + "&method="
                        + method
                        + "&param="
                        + param
                        + "&signMethod="
                        + signMethod
                        + "&timestamp="
                        + p.get("timestamp")
                        + "&version=1&signSecret="
                        + secret;
        p.put(
                "sign",
                signMethod.equals("MD5")
                        ? io.httpsync.simulator.platform.Crypto.hex(
                                io.httpsync.simulator.platform.Crypto.md5(signStr))
                        : io.httpsync.simulator.platform.Crypto.base64(
                                io.httpsync.simulator.platform.Crypto.hmac(
                                        "HmacSHA256", secret, signStr)));
        return p;
    }

    private JsonNode refresh(String refreshToken) {
        return TestHttp.get(
                        base + "/oauth2/refresh_token",
                        Map.of(
                                "app_id",
                                APP_KEY,
                                "app_secret",
                                APP_SECRET,
                                "grant_type",
                                "refresh_token",
                                "refresh_token",
                                refreshToken))
                .json();
    }

    @Test
    void aRefreshTokenRotatesAndWorksAgainOnlyWithinItsGraceAndEveryTokenRequestIsLogged() {
        String first = kuaishou.issueRefreshToken("shop-1");
        JsonNode rotated = refresh(first);
        assertThat(rotated.path("result").asInt()).isEqualTo(1);
        String second = rotated.path("refresh_token").asText();
        assertThat(second).isNotEqualTo(first);
        assertThat(refresh(first).path("result").asInt())
                .as("the spent one within the default grace")
                .isEqualTo(1);

        kuaishou.refreshGraceMillis(0);
        assertThat(refresh(second).path("result").asInt()).isEqualTo(1);
        JsonNode again = refresh(second);
        assertThat(again.path("result").asInt()).isEqualTo(100200102);
        assertThat(again.path("error_msg").asText()).isEqualTo("refreshToken.discarded");
        token();

        assertThat(sim.accounting().tokenRequests())
                .extracting(e -> e.grant() + " " + e.tenant() + " " + e.outcome())
                .containsExactly(
                        "refresh_token shop-1 ok",
                        "refresh_token shop-1 ok",
                        "refresh_token shop-1 ok",
                        "refresh_token shop-1 refreshToken.discarded",
                        "code shop-1 ok");
        assertThat(refresh("no-such-token").path("error_msg").asText()).isEqualTo("invalid_grant");
        assertThat(sim.accounting().tokenRequests().get(5).tenant()).isNull();
    }

    @Test
    void detailReturnsTheOrderAsTheListRendersItAndRefusesUnknownOids() {
        String token = token();
        long now = sim.clock().now();
        JsonNode listed =
                list(token, now - 6 * DAY, now, "", "HMAC_SHA256")
                        .path("data")
                        .path("orderList")
                        .get(0);
        long oid = listed.path("orderBaseInfo").path("oid").asLong();

        JsonNode detail = detail(token, Json.object().put("oid", oid).toString());
        assertThat(detail.path("result").asInt()).isEqualTo(1);
        assertThat(detail.path("data")).isEqualTo(listed);

        JsonNode unknown = detail(token, Json.object().put("oid", 42).toString());
        assertThat(unknown.path("result").asInt()).isEqualTo(2001);
        assertThat(unknown.path("error_msg").asText()).isEqualTo("订单不存在");
        assertThat(sim.accounting().endpoint("kuaishou/" + KuaishouSim.ORDER_DETAIL).served())
                .isEqualTo(2);
    }

    @Test
    void detailChecksItsOwnMethodInTheSignature() {
        String param = Json.object().put("oid", 1).toString();
        Map<String, String> signedForList = signed(token(), param, "HMAC_SHA256", SIGN_SECRET);
        JsonNode r = TestHttp.get(base + "/open/order/detail", signedForList).json();
        assertThat(r.path("result").asInt())
                .as("method open.order.cursor.list sent to the detail API")
                .isEqualTo(22);
    }

    private JsonNode detail(String token, String param) {
        return TestHttp.get(
                        base + "/open/order/detail",
                        signed(KuaishouSim.ORDER_DETAIL, token, param, "HMAC_SHA256", SIGN_SECRET))
                .json();
    }

    private JsonNode list(String token, long begin, long end, String cursor, String signMethod) {
        String param =
                Json.object()
                        .put("queryType", 2)
                        .put("sort", 1)
                        .put("pageSize", 50)
                        .put("beginTime", begin)
                        .put("endTime", end)
                        .put("cursor", cursor)
                        .toString();
        return TestHttp.get(
                        base + "/open/order/cursor/list",
                        signed(token, param, signMethod, SIGN_SECRET))
                .json();
    }

    private List<JsonNode> pageAll(String token, long begin, long end) {
        List<JsonNode> all = new ArrayList<>();
        String cursor = "";
        for (int guard = 0; guard < 1000; guard++) {
            JsonNode r = list(token, begin, end, cursor, guard % 2 == 0 ? "MD5" : "HMAC_SHA256");
            assertThat(r.path("result").asInt()).as(r.toString()).isEqualTo(1);
            r.path("data").path("orderList").forEach(all::add);
            cursor = r.path("data").path("cursor").asText();
            if (cursor.equals("nomore")) return all;
        }
        throw new AssertionError("cursor never reached nomore");
    }

    @Test
    void cursorPagingReturnsEveryRecordExactlyOnceWhenNothingChanges() {
        String token = token();
        long now = System.currentTimeMillis();
        List<JsonNode> all = new ArrayList<>();
        for (long end = now; end > now - 7 * DAY; end -= 3 * DAY) {
            all.addAll(pageAll(token, end - 3 * DAY, end));
        }
        Set<String> ids = new HashSet<>();
        all.forEach(
                o ->
                        assertThat(ids.add(o.path("orderBaseInfo").path("oid").asText()))
                                .as("duplicate")
                                .isTrue());
        GroundTruth truth = kuaishou.groundTruth("shop-1");
        assertThat(ids)
                .containsExactlyInAnyOrderElementsOf(
                        truth.live().stream().map(GroundTruth.TruthRecord::id).toList());
        for (JsonNode o : all) {
            assertThat(Json.contentHash(o))
                    .isEqualTo(
                            truth.byId()
                                    .get(o.path("orderBaseInfo").path("oid").asText())
                                    .contentHash());
        }
    }

    @Test
    void recordsInsertedWithAPayloadAreListedWithItInInsertionOrder() {
        String token = token();
        long at =
                System.currentTimeMillis()
                        - 7 * DAY
                        - 3; // outside the generated data, which spans 6 days
        List<String> buyers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            buyers.add("payload-" + i);
            kuaishou.tenant("shop-1").insert(at, "payload-" + i);
        }
        List<String> listed = new ArrayList<>();
        String cursor = "";
        while (!cursor.equals("nomore")) {
            JsonNode data = list(token, at, at + 1, cursor, "HMAC_SHA256").path("data");
            data.path("orderList")
                    .forEach(
                            o -> {
                                assertThat(o.path("orderBaseInfo").path("updateTime").asLong())
                                        .isEqualTo(at);
                                listed.add(o.path("orderBaseInfo").path("buyerNick").asText());
                            });
            cursor = data.path("cursor").asText();
        }
        assertThat(listed).containsExactlyElementsOf(buyers);
    }

    @Test
    void wrongSignatureIsRejected() {
        String token = token();
        long now = System.currentTimeMillis();
        String param =
                Json.object()
                        .put("queryType", 2)
                        .put("pageSize", 10)
                        .put("beginTime", now - DAY)
                        .put("endTime", now)
                        .put("cursor", "")
                        .toString();
        JsonNode md5 =
                TestHttp.get(
                                base + "/open/order/cursor/list",
                                signed(token, param, "MD5", "wrong-secret"))
                        .json();
        assertThat(md5.path("result").asInt()).isEqualTo(10);
        assertThat(md5.path("error_msg").asText()).contains("签名");
        JsonNode hmac =
                TestHttp.get(
                                base + "/open/order/cursor/list",
                                signed(token, param, "HMAC_SHA256", "wrong-secret"))
                        .json();
        assertThat(hmac.path("result").asInt()).isEqualTo(10);
    }

    @Test
    void expiredTokenGetsResult28() {
        String token = token();
        sim.clock().advance(TimeUnit.SECONDS.toMillis(172_801));
        long now = sim.clock().now();
        JsonNode r = list(token, now - DAY, now, "", "MD5");
        assertThat(r.path("result").asInt()).isEqualTo(28);
        assertThat(r.path("error_msg").asText()).isEqualTo("TOKEN过期");
    }

    @Test
    void windowPageSizeAndLookBackLimitsAreEnforced() {
        String token = token();
        long now = System.currentTimeMillis();
        assertThat(list(token, now - 8 * DAY, now, "", "MD5").path("error_msg").asText())
                .contains("7天");
        assertThat(
                        list(token, now - 100 * DAY, now - 95 * DAY, "", "MD5")
                                .path("error_msg")
                                .asText())
                .contains("90天");
        assertThat(list(token, now, now - DAY, "", "MD5").path("error_msg").asText())
                .isEqualTo("endTime无效");
        String param =
                Json.object()
                        .put("queryType", 2)
                        .put("pageSize", 51)
                        .put("beginTime", now - DAY)
                        .put("endTime", now)
                        .toString();
        JsonNode r =
                TestHttp.get(
                                base + "/open/order/cursor/list",
                                signed(token, param, "MD5", SIGN_SECRET))
                        .json();
        assertThat(r.path("result").asInt()).isEqualTo(2001);
        kuaishou.pageSizeOverflowIsError(false);
        r =
                TestHttp.get(
                                base + "/open/order/cursor/list",
                                signed(token, param, "MD5", SIGN_SECRET))
                        .json();
        assertThat(r.path("result").asInt()).isEqualTo(1);
        assertThat(r.path("data").path("orderList").size()).isLessThanOrEqualTo(50);
    }

    @Test
    void qpsLimitAnswersLikeThePlatformAndIsAccounted() {
        kuaishou.limits()
                .set(
                        io.httpsync.simulator.limit.LimitRule.perSecond(
                                "user-api-qps",
                                io.httpsync.simulator.limit.LimitScope.TENANT_API,
                                3));
        String token = token();
        long now = System.currentTimeMillis();
        List<Integer> results = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            results.add(list(token, now - DAY, now, "", "MD5").path("result").asInt());
        assertThat(results.subList(0, 3)).containsOnly(1);
        assertThat(results.subList(3, 5)).containsOnly(17);
        var stats =
                sim.accounting().limitKey("kuaishou/user-api-qps:shop-1/open.order.cursor.list");
        assertThat(stats.served()).isEqualTo(3);
        assertThat(stats.refused()).isEqualTo(2);
        assertThat(stats.maxPerSecond()).isEqualTo(5);
        JsonNode refused = list(token, now - DAY, now, "", "MD5");
        assertThat(refused.path("error_msg").asText())
                .startsWith(
                        "Exceed qps limit, KEY [apiId:open.order.cursor.list;primaryUserId:shop-1], MAX_QPS [3.0]");
    }

    @Test
    void updatesWhilePagingMoveRecordsToNewerTimesAndGroundTruthFollows() {
        String token = token();
        kuaishou.mutatePerPage("shop-1", new MutationRates(2, 1, 1));
        long now = System.currentTimeMillis();
        pageAll(token, now - 6 * DAY, now - 3 * DAY);
        GroundTruth truth = kuaishou.groundTruth("shop-1");
        assertThat(truth.deletedIds()).isNotEmpty();
        assertThat(truth.live().stream().filter(r -> r.updateTime() >= now - 1000)).isNotEmpty();
    }

    @Test
    void injectedFaultsAreServed() {
        String token = token();
        long now = System.currentTimeMillis();
        kuaishou.faults()
                .script(
                        Fault.SERVER_ERROR,
                        Fault.HTML_PAGE,
                        Fault.MALFORMED_JSON,
                        Fault.TOKEN_EXPIRED);
        String param =
                Json.object()
                        .put("queryType", 2)
                        .put("pageSize", 10)
                        .put("beginTime", now - DAY)
                        .put("endTime", now)
                        .toString();
        TestHttp.Response r1 =
                TestHttp.get(
                        base + "/open/order/cursor/list", signed(token, param, "MD5", SIGN_SECRET));
        assertThat(r1.status()).isIn(502, 503);
        TestHttp.Response r2 =
                TestHttp.get(
                        base + "/open/order/cursor/list", signed(token, param, "MD5", SIGN_SECRET));
        assertThat(r2.status()).isEqualTo(200);
        assertThat(r2.body()).startsWith("<!DOCTYPE html>");
        TestHttp.Response r3 =
                TestHttp.get(
                        base + "/open/order/cursor/list", signed(token, param, "MD5", SIGN_SECRET));
        assertThat(r3.body()).startsWith("{\"result\":1").doesNotEndWith("}}");
        JsonNode r4 =
                TestHttp.get(
                                base + "/open/order/cursor/list",
                                signed(token, param, "MD5", SIGN_SECRET))
                        .json();
        assertThat(r4.path("result").asInt()).isEqualTo(28);
    }
}
