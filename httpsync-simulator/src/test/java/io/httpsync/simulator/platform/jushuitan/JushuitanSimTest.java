package io.httpsync.simulator.platform.jushuitan;

import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.httpsync.simulator.platform.OrderTestSupport.DAY;
import static io.httpsync.simulator.platform.OrderTestSupport.SECOND;
import static io.httpsync.simulator.platform.OrderTestSupport.assertExactlyOnce;
import static io.httpsync.simulator.platform.OrderTestSupport.floorSecond;
import static io.httpsync.simulator.platform.OrderTestSupport.gmt8;
import static io.httpsync.simulator.platform.OrderTestSupport.lostFromWindow;
import static io.httpsync.simulator.platform.OrderTestSupport.md5Hex;
import static org.assertj.core.api.Assertions.assertThat;

class JushuitanSimTest {
    private static final String APP_KEY = "b0b7d1db226d4216a3d58df9ffa2dde5";
    private static final String SECRET = "99c4cef262f34ca882975a7064de0b87";
    private static final String TOKEN = "b7e3b1e24e174593af8ca5c397e53dad";
    private static final String QUERY = "/open/orders/single/query";

    private Simulator sim;
    private JushuitanSim jst;
    private String base;
    private long clientClockOffset;

    @BeforeEach
    void start() {
        sim = new Simulator(13);
        jst = sim.add(JushuitanSim::new);
        jst.addTenant(
                "co-1",
                JushuitanSim.credentials(APP_KEY, SECRET, TOKEN),
                DataSpec.of(600, 6 * DAY).timeResolutionMillis(1000));
        sim.start(0);
        base = sim.baseUrl("jushuitan");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /**
     * Adds timestamp and charset and signs as the docs describe: md5hex_lower(secret + sorted
     * name+value).
     */
    private Map<String, String> signed(Map<String, String> params, String secret) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("timestamp", Long.toString((sim.clock().now() + clientClockOffset) / 1000));
        p.put("charset", "utf-8");
        StringBuilder s = new StringBuilder(secret);
        new TreeMap<>(p).forEach((k, v) -> s.append(k).append(v));
        p.put("sign", md5Hex(s.toString()));
        return p;
    }

    private JsonNode query(String biz, String token, String secret) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("app_key", APP_KEY);
        p.put("access_token", token);
        p.put("version", "2");
        p.put("biz", biz);
        return TestHttp.postForm(base + QUERY, signed(p, secret)).json();
    }

    private JsonNode query(ObjectNode biz) {
        return query(biz.toString(), TOKEN, SECRET);
    }

    private static ObjectNode biz(long begin, long end, int pageIndex, int pageSize) {
        return Json.object()
                .put("modified_begin", gmt8(begin))
                .put("modified_end", gmt8(end))
                .put("page_index", pageIndex)
                .put("page_size", pageSize);
    }

    private static JsonNode data(JsonNode r) {
        assertThat(r.path("code").asInt()).as(r.toString()).isZero();
        return r.path("data");
    }

    private static List<JsonNode> orders(JsonNode data) {
        List<JsonNode> out = new ArrayList<>();
        data.path("orders").forEach(out::add);
        return out;
    }

    @Test
    void pagingAWeekReturnsEveryOrderExactlyOnceWhenNothingChanges() {
        jst.limits().clear();
        long end = floorSecond(sim.clock().now());
        long begin = end - 7 * DAY + SECOND;
        List<JsonNode> all = new ArrayList<>();
        for (int page = 1; ; page++) {
            JsonNode d = data(query(biz(begin, end, page, 100)));
            assertThat(d.path("page_index").asInt()).isEqualTo(page);
            assertThat(d.path("page_count").asInt())
                    .isEqualTo((d.path("data_count").asInt() + 99) / 100);
            all.addAll(orders(d));
            if (!d.path("has_next").asBoolean()) break;
        }
        assertThat(all).hasSize(600);
        assertExactlyOnce(all, o -> o.path("o_id").asText(), jst.groundTruth("co-1"));
    }

    @Test
    void startTsReturnsExactlyTheOrdersChangedSinceTheLastSeenRowVersion() {
        jst.limits().clear();
        long end = floorSecond(sim.clock().now());
        ObjectNode first =
                biz(end - 7 * DAY + SECOND, end, 1, 100)
                        .put("start_ts", 0)
                        .put("is_get_total", false);
        long lastTs = 0;
        int seen = 0;
        for (int page = 1; ; page++) {
            JsonNode d = data(query(first.put("page_index", page)));
            assertThat(d.path("data_count").asInt()).isZero();
            for (JsonNode o : orders(d)) {
                assertThat(o.path("ts").asLong()).isGreaterThan(lastTs);
                lastTs = o.path("ts").asLong();
                seen++;
            }
            if (!d.path("has_next").asBoolean()) break;
        }
        assertThat(seen).isEqualTo(600);

        List<GroundTruth.TruthRecord> live = jst.groundTruth("co-1").live();
        Set<String> changed = Set.of(live.get(3).id(), live.get(300).id());
        changed.forEach(id -> jst.tenant("co-1").update(Long.parseLong(id)));
        long later = floorSecond(sim.clock().now()) + SECOND;
        JsonNode d =
                data(
                        query(
                                biz(later - 7 * DAY, later, 1, 100)
                                        .put("start_ts", lastTs + 1)
                                        .put("is_get_total", false)));
        Set<String> ids = new HashSet<>();
        orders(d).forEach(o -> ids.add(o.path("o_id").asText()));
        assertThat(ids).isEqualTo(changed);
    }

    @Test
    void wrongSignatureGetsCode10AndAStaleTimestampCode140() {
        long end = floorSecond(sim.clock().now());
        JsonNode wrong = query(biz(end - DAY, end, 1, 10).toString(), TOKEN, "not-the-secret");
        assertThat(wrong.path("code").asInt()).isEqualTo(10);
        assertThat(wrong.path("msg").asText()).contains("无效签名");
        assertThat(wrong.path("data").isNull()).isTrue();

        clientClockOffset = -16 * 60 * SECOND;
        assertThat(query(biz(end - DAY, end, 1, 10)).path("code").asInt()).isEqualTo(140);
        clientClockOffset = -14 * 60 * SECOND;
        data(query(biz(end - DAY, end, 1, 10)));
        jst.maxTimestampSkewMillis(10 * 60 * SECOND);
        assertThat(query(biz(end - DAY, end, 1, 10)).path("code").asInt()).isEqualTo(140);
    }

    @Test
    void expiredOrUnknownAccessTokenGetsCode100() {
        long end = floorSecond(sim.clock().now());
        assertThat(
                        query(biz(end - DAY, end, 1, 10).toString(), "no-such-token", SECRET)
                                .path("code")
                                .asInt())
                .isEqualTo(100);
        sim.clock().advance(181 * DAY);
        long later = floorSecond(sim.clock().now());
        JsonNode expired = query(biz(later - DAY, later, 1, 10));
        assertThat(expired.path("code").asInt()).isEqualTo(100);
        assertThat(expired.path("msg").asText()).contains("access_token");
    }

    @Test
    void aCompanyAddedWithoutATokenGetsTheDefaultOneUsableWithTheSameApp() {
        jst.addTenant(
                "co-2",
                JushuitanSim.credentials(APP_KEY, SECRET, null),
                DataSpec.of(10, DAY).timeResolutionMillis(1000));
        long end = floorSecond(sim.clock().now());
        JsonNode d =
                data(
                        query(
                                biz(end - 2 * DAY, end, 1, 100).toString(),
                                JushuitanSim.defaultAccessToken("co-2"),
                                SECRET));
        assertThat(d.path("data_count").asInt()).isEqualTo(jst.groundTruth("co-2").live().size());
    }

    private JsonNode auth(String path, Map<String, String> params, String secret) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("app_key", APP_KEY);
        return TestHttp.postForm(base + path, signed(p, secret)).json();
    }

    @Test
    void initTokenAndRefreshTokenIssueWorkingTokensAndARefreshKillsTheOldOnes() {
        JsonNode init =
                auth(
                        "/openWeb/auth/getInitToken",
                        Map.of("grant_type", "authorization_code", "code", "a1B2c3"),
                        SECRET);
        assertThat(init.path("code").asInt()).as(init.toString()).isZero();
        JsonNode token = init.path("data");
        assertThat(token.path("expires_in").asLong()).isEqualTo(180L * 24 * 3600);
        assertThat(token.path("scope").asText()).isEqualTo("all");
        long end = floorSecond(sim.clock().now());
        String biz = biz(end - DAY, end, 1, 10).toString();
        data(query(biz, token.path("access_token").asText(), SECRET));

        assertThat(
                        auth(
                                        "/openWeb/auth/getInitToken",
                                        Map.of("grant_type", "authorization_code", "code", "abc"),
                                        SECRET)
                                .path("code")
                                .asInt())
                .isEqualTo(130);
        assertThat(
                        auth(
                                        "/openWeb/auth/getInitToken",
                                        Map.of(
                                                "grant_type",
                                                "authorization_code",
                                                "code",
                                                "a1B2c3"),
                                        "wrong")
                                .path("code")
                                .asInt())
                .isEqualTo(10);

        String oldRefresh = token.path("refresh_token").asText();
        JsonNode refreshed =
                auth(
                        "/openWeb/auth/refreshToken",
                        Map.of(
                                "grant_type",
                                "refresh_token",
                                "refresh_token",
                                oldRefresh,
                                "scope",
                                "all"),
                        SECRET);
        assertThat(refreshed.path("code").asInt()).as(refreshed.toString()).isZero();
        data(query(biz, refreshed.path("data").path("access_token").asText(), SECRET));
        assertThat(query(biz, token.path("access_token").asText(), SECRET).path("code").asInt())
                .isEqualTo(100);
        assertThat(
                        auth(
                                        "/openWeb/auth/refreshToken",
                                        Map.of(
                                                "grant_type",
                                                "refresh_token",
                                                "refresh_token",
                                                oldRefresh,
                                                "scope",
                                                "all"),
                                        SECRET)
                                .path("code")
                                .asInt())
                .isEqualTo(100);

        jst.refreshForbidden(true);
        assertThat(
                        auth(
                                        "/openWeb/auth/refreshToken",
                                        Map.of(
                                                "grant_type",
                                                "refresh_token",
                                                "refresh_token",
                                                refreshed
                                                        .path("data")
                                                        .path("refresh_token")
                                                        .asText(),
                                                "scope",
                                                "all"),
                                        SECRET)
                                .path("code")
                                .asInt())
                .isEqualTo(150);
    }

    @Test
    void windowPageSizeAndRequiredConditionsAreEnforced() {
        jst.limits().clear();
        long end = floorSecond(sim.clock().now());
        List<ObjectNode> bad =
                List.of(
                        biz(end - 7 * DAY - SECOND, end, 1, 10), // wider than 7 days
                        biz(end - DAY, end, 1, 101),
                        biz(end - DAY, end, 0, 10),
                        biz(end, end - DAY, 1, 10),
                        Json.object()
                                .put("page_index", 1)
                                .put("page_size", 10), // no time range, no ids
                        Json.object().put("modified_begin", gmt8(end - DAY))); // begin without end
        for (ObjectNode b : bad) {
            JsonNode r = query(b);
            assertThat(r.path("code").asInt()).as(b.toString()).isEqualTo(130);
            assertThat(r.path("msg").asText()).isNotEmpty();
        }
        assertThat(query("not json", TOKEN, SECRET).path("code").asInt()).isEqualTo(130);
        jst.parameterErrorCode(4);
        assertThat(query(biz(end - DAY, end, 1, 101)).path("code").asInt()).isEqualTo(4);
        data(query(biz(end - 7 * DAY, end, 1, 100)));
    }

    @Test
    void defaultLimitsAnswer199AboveFiveASecondAnd200AboveAHundredAMinute() {
        long end = floorSecond(sim.clock().now());
        ObjectNode biz = biz(end - DAY, end, 1, 10);
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 6; i++) codes.add(query(biz).path("code").asInt());
        assertThat(codes).containsExactly(0, 0, 0, 0, 0, 199);
        assertThat(query(biz).path("msg").asText()).isEqualTo("调用频次超过限制!请稍后再试");
        for (int second = 1; second < 20; second++) {
            sim.clock().advance(1001);
            for (int i = 0; i < 5; i++) assertThat(query(biz).path("code").asInt()).isZero();
        }
        sim.clock().advance(1001);
        JsonNode perMinute = query(biz);
        assertThat(perMinute.path("code").asInt()).isEqualTo(200);
        assertThat(perMinute.path("msg").asText()).isEqualTo("调用频次超过限制");

        Accounting.Stats stats =
                sim.accounting().limitKey("jushuitan/per-second:co-1/orders.single.query");
        assertThat(stats.served()).isEqualTo(100);
        assertThat(stats.refused()).isEqualTo(3);
        assertThat(stats.maxPerSecond()).isEqualTo(7);
        assertThat(sim.accounting().endpoint("jushuitan/orders.single.query").refused())
                .isEqualTo(3);
    }

    @Test
    void forwardPageIndexPagingOverAModifiedWindowLosesOrdersChangedWhilePaging() {
        jst.limits().clear();
        long newest = floorSecond(sim.clock().now());
        long begin = newest - 4 * DAY + SECOND;
        long end = newest - 2 * DAY;
        jst.mutatePerPage("co-1", new MutationRates(3, 0, 0));
        Set<String> seen = new HashSet<>();
        for (int page = 1; ; page++) {
            JsonNode d = data(query(biz(begin, end, page, 20)));
            orders(d).forEach(o -> seen.add(o.path("o_id").asText()));
            if (!d.path("has_next").asBoolean()) break;
        }
        assertThat(lostFromWindow(seen, jst.groundTruth("co-1"), t -> t >= begin && t <= end))
                .as("orders never modified, still in the window, never seen")
                .isNotEmpty();
    }

    @Test
    void injectedFaultsAreServed() {
        jst.limits().clear();
        long end = floorSecond(sim.clock().now());
        ObjectNode biz = biz(end - DAY, end, 1, 10);
        int total = data(query(biz)).path("data_count").asInt();
        jst.faults()
                .script(
                        Fault.LYING_TOTAL,
                        Fault.SERVER_ERROR,
                        Fault.HTML_PAGE,
                        Fault.MALFORMED_JSON,
                        Fault.TOKEN_EXPIRED);
        JsonNode lying = data(query(biz));
        assertThat(lying.path("data_count").asInt()).isNotEqualTo(total);
        assertThat(lying.path("page_count").asInt())
                .isEqualTo((lying.path("data_count").asInt() + 9) / 10);
        Map<String, String> p =
                new LinkedHashMap<>(
                        Map.of(
                                "app_key",
                                APP_KEY,
                                "access_token",
                                TOKEN,
                                "version",
                                "2",
                                "biz",
                                biz.toString()));
        assertThat(TestHttp.postForm(base + QUERY, signed(p, SECRET)).status()).isIn(502, 503);
        assertThat(TestHttp.postForm(base + QUERY, signed(p, SECRET)).body())
                .startsWith("<!DOCTYPE html>");
        assertThat(TestHttp.postForm(base + QUERY, signed(p, SECRET)).body())
                .startsWith("{\"code\":0")
                .doesNotEndWith("}}");
        assertThat(query(biz).path("code").asInt()).isEqualTo(100);
    }
}
