package io.httpsync.simulator.platform.taobao;

import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
import static io.httpsync.simulator.platform.OrderTestSupport.hmacHex;
import static io.httpsync.simulator.platform.OrderTestSupport.lostFromWindow;
import static io.httpsync.simulator.platform.OrderTestSupport.md5Hex;
import static io.httpsync.simulator.platform.OrderTestSupport.parseGmt8;
import static org.assertj.core.api.Assertions.assertThat;

class TaobaoSimTest {
    private static final String APP_KEY = "23456789";
    private static final String SECRET = "top-app-secret";
    private static final String SESSION = "6100a2b3c4d5e6f7session";
    private static final String METHOD = "taobao.trades.sold.increment.get";

    private Simulator sim;
    private TaobaoSim taobao;
    private String url;

    /** How far the client's clock is off the platform's. */
    private long clientClockOffset;

    @BeforeEach
    void start() {
        sim = new Simulator(11);
        taobao = sim.add(TaobaoSim::new);
        taobao.addTenant(
                "shop-1",
                TaobaoSim.credentials(APP_KEY, SECRET, SESSION),
                DataSpec.of(600, 3 * DAY).timeResolutionMillis(1000));
        sim.start(0);
        url = sim.baseUrl("taobao") + "/router/rest";
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /**
     * A request signed as TOP's docs describe, computed here independently of the simulator's
     * verifier.
     */
    private Map<String, String> signed(
            Map<String, String> business, String signMethod, String secret, String session) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("method", METHOD);
        p.put("app_key", APP_KEY);
        p.put("session", session);
        p.put("timestamp", gmt8(sim.clock().now() + clientClockOffset));
        p.put("format", "json");
        p.put("v", "2.0");
        p.put("sign_method", signMethod);
        p.putAll(business);
        StringBuilder concat = new StringBuilder();
        new TreeMap<>(p).forEach((k, v) -> concat.append(k).append(v));
        String sign =
                switch (signMethod) {
                    case "md5" -> md5Hex(secret + concat + secret);
                    case "hmac" -> hmacHex("HmacMD5", secret, concat.toString());
                    default -> hmacHex("HmacSHA256", secret, concat.toString());
                };
        p.put("sign", sign.toUpperCase());
        return p;
    }

    private static Map<String, String> query(
            long start, long end, int pageNo, int pageSize, boolean useHasNext) {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("fields", "tid,status,modified,created,payment,buyer_nick,orders");
        b.put("start_modified", gmt8(start));
        b.put("end_modified", gmt8(end));
        b.put("page_no", Integer.toString(pageNo));
        b.put("page_size", Integer.toString(pageSize));
        b.put("use_has_next", Boolean.toString(useHasNext));
        return b;
    }

    private JsonNode call(Map<String, String> business) {
        return TestHttp.postForm(url, signed(business, "md5", SECRET, SESSION)).json();
    }

    private static JsonNode ok(JsonNode r) {
        assertThat(r.has("trades_sold_increment_get_response")).as(r.toString()).isTrue();
        return r.path("trades_sold_increment_get_response");
    }

    private static List<JsonNode> trades(JsonNode response) {
        List<JsonNode> out = new ArrayList<>();
        response.path("trades").path("trade").forEach(out::add);
        return out;
    }

    private static JsonNode error(JsonNode r) {
        assertThat(r.has("error_response")).as(r.toString()).isTrue();
        return r.path("error_response");
    }

    @Test
    void pagingEachDayReturnsEveryTradeExactlyOnceNewestFirstWhenNothingChanges() {
        long newest = floorSecond(sim.clock().now());
        List<JsonNode> all = new ArrayList<>();
        for (int day = 0; day < 4; day++) {
            // end_modified is inclusive: consecutive windows end one second before the next one
            // starts
            long end = newest - day * DAY;
            long start = end - DAY + SECOND;
            boolean useHasNext = day % 2 == 0;
            for (int page = 1; ; page++) {
                JsonNode r = ok(call(query(start, end, page, 100, useHasNext)));
                List<JsonNode> trades = trades(r);
                all.addAll(trades);
                for (int i = 1; i < trades.size(); i++) {
                    assertThat(trades.get(i - 1).path("modified").asText())
                            .isGreaterThanOrEqualTo(trades.get(i).path("modified").asText());
                }
                boolean more =
                        useHasNext
                                ? r.path("has_next").asBoolean()
                                : page * 100 < r.path("total_results").asInt();
                assertThat(r.has(useHasNext ? "total_results" : "has_next")).isFalse();
                if (!more) break;
            }
        }
        assertExactlyOnce(all, t -> t.path("tid").asText(), taobao.groundTruth("shop-1"));
        JsonNode first = all.get(0);
        assertThat(first.path("orders").path("order").get(0).path("oid").asLong())
                .isEqualTo(first.path("tid").asLong());
    }

    @Test
    void aPagePastTheEndHasNoTradesKey() {
        long now = floorSecond(sim.clock().now());
        JsonNode r = ok(call(query(now - DAY, now, 1000, 100, false)));
        assertThat(r.has("trades")).isFalse();
        assertThat(r.path("total_results").asInt()).isPositive();
        assertThat(r.path("request_id").asText()).isNotEmpty();
    }

    @Test
    void everySignMethodIsVerifiedAndAWrongSignatureGetsCode25() {
        long now = floorSecond(sim.clock().now());
        for (String method : List.of("md5", "hmac", "hmac-sha256")) {
            ok(
                    TestHttp.postForm(
                                    url,
                                    signed(
                                            query(now - DAY, now, 1, 10, true),
                                            method,
                                            SECRET,
                                            SESSION))
                            .json());
            // GET works as well as POST
            ok(
                    TestHttp.get(
                                    url,
                                    signed(
                                            query(now - DAY, now, 1, 10, true),
                                            method,
                                            SECRET,
                                            SESSION))
                            .json());
            JsonNode wrong =
                    error(
                            TestHttp.postForm(
                                            url,
                                            signed(
                                                    query(now - DAY, now, 1, 10, true),
                                                    method,
                                                    "not-the-secret",
                                                    SESSION))
                                    .json());
            assertThat(wrong.path("code").asInt()).isEqualTo(25);
            assertThat(wrong.path("msg").asText()).isEqualTo("Invalid Signature");
        }
        Map<String, String> tampered =
                signed(query(now - DAY, now, 1, 10, true), "md5", SECRET, SESSION);
        tampered.put("page_size", "11");
        assertThat(error(TestHttp.postForm(url, tampered).json()).path("code").asInt())
                .isEqualTo(25);
    }

    @Test
    void expiredOrUnknownSessionGetsCode27AndATimestampOffByMoreThanTenMinutesGetsCode31() {
        long now = floorSecond(sim.clock().now());
        JsonNode unknown =
                error(
                        TestHttp.postForm(
                                        url,
                                        signed(
                                                query(now - DAY, now, 1, 10, true),
                                                "md5",
                                                SECRET,
                                                "no-such-session"))
                                .json());
        assertThat(unknown.path("code").asInt()).isEqualTo(27);
        assertThat(unknown.path("sub_code").asText()).isEqualTo("invalid-sessionkey");

        sim.clock().advance(31 * DAY);
        long later = floorSecond(sim.clock().now());
        JsonNode expired = error(call(query(later - DAY, later, 1, 10, true)));
        assertThat(expired.path("code").asInt()).isEqualTo(27);
        assertThat(expired.path("sub_code").asText()).isEqualTo("invalid-sessionkey");
        String renewed = taobao.issueSession("shop-1");
        ok(
                TestHttp.postForm(
                                url,
                                signed(
                                        query(later - DAY, later, 1, 10, true),
                                        "md5",
                                        SECRET,
                                        renewed))
                        .json());

        clientClockOffset = -11 * 60 * SECOND;
        JsonNode stale =
                error(
                        TestHttp.postForm(
                                        url,
                                        signed(
                                                query(later - DAY, later, 1, 10, true),
                                                "md5",
                                                SECRET,
                                                renewed))
                                .json());
        assertThat(stale.path("code").asInt()).isEqualTo(31);
        clientClockOffset = 9 * 60 * SECOND;
        ok(
                TestHttp.postForm(
                                url,
                                signed(
                                        query(later - DAY, later, 1, 10, true),
                                        "md5",
                                        SECRET,
                                        renewed))
                        .json());
    }

    @Test
    void aShopAddedWithoutASessionGetsTheDefaultOne() {
        taobao.addTenant(
                "shop-2",
                TaobaoSim.credentials(APP_KEY, SECRET, null),
                DataSpec.of(10, DAY / 2).timeResolutionMillis(1000));
        long now = floorSecond(sim.clock().now());
        JsonNode r =
                ok(
                        TestHttp.postForm(
                                        url,
                                        signed(
                                                query(now - DAY, now, 1, 100, false),
                                                "md5",
                                                SECRET,
                                                TaobaoSim.defaultSession("shop-2")))
                                .json());
        assertThat(ids(r))
                .containsExactlyInAnyOrderElementsOf(
                        taobao.groundTruth("shop-2").live().stream()
                                .map(GroundTruth.TruthRecord::id)
                                .toList());
    }

    @Test
    void windowPageSizeAndLookBackAreEnforcedWithTheParameterError() {
        long now = floorSecond(sim.clock().now());
        List<Map<String, String>> bad =
                List.of(
                        query(now - DAY - SECOND, now, 1, 10, true), // wider than a day
                        query(
                                now - 100 * DAY,
                                now - 99 * DAY,
                                1,
                                10,
                                true), // older than three months
                        query(now, now - DAY, 1, 10, true), // end before start
                        query(now - DAY, now, 1, 101, true),
                        query(now - DAY, now, 1, 0, true),
                        query(now - DAY, now, 0, 10, true));
        for (Map<String, String> b : bad) {
            JsonNode e = error(call(b));
            assertThat(e.path("code").asInt()).as(b.toString()).isEqualTo(41);
            assertThat(e.path("sub_code").asText()).isEqualTo("isv.invalid-parameter");
            assertThat(e.path("sub_msg").asText()).isNotEmpty();
        }
        ok(call(query(now - DAY, now, 1, 100, true)));
        ok(call(query(now - 80 * DAY, now - 79 * DAY, 1, 100, true)));

        taobao.parameterError(15, "isv.invalid-parameter:page_size");
        JsonNode e = error(call(query(now - DAY, now, 1, 101, true)));
        assertThat(e.path("code").asInt()).isEqualTo(15);
        assertThat(e.path("sub_code").asText()).isEqualTo("isv.invalid-parameter:page_size");
    }

    @Test
    void endModifiedIsInclusiveUnlessSetOtherwise() {
        GroundTruth.TruthRecord some = taobao.groundTruth("shop-1").live().get(7);
        long modified = some.updateTime();
        assertThat(ids(ok(call(query(modified - 3_600_000, modified, 1, 100, false)))))
                .contains(some.id());
        taobao.endModifiedInclusive(false);
        assertThat(ids(ok(call(query(modified - 3_600_000, modified, 1, 100, false)))))
                .doesNotContain(some.id());
        assertThat(ids(ok(call(query(modified, modified + 3_600_000, 1, 100, false)))))
                .contains(some.id());
    }

    private static Set<String> ids(JsonNode response) {
        Set<String> ids = new HashSet<>();
        trades(response).forEach(t -> ids.add(t.path("tid").asText()));
        return ids;
    }

    @Test
    void limitsAnswerCode7WithTheAccessControlSubCodeAndTheBanAndAreAccounted() {
        taobao.limits()
                .set(
                        new LimitRule(
                                "app-api-access-count",
                                LimitScope.APP_API,
                                3,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(30)));
        long now = floorSecond(sim.clock().now());
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) answers.add(call(query(now - DAY, now, 1, 10, true)));
        answers.subList(0, 3).forEach(TaobaoSimTest::ok);
        for (JsonNode refused : answers.subList(3, 5)) {
            JsonNode e = error(refused);
            assertThat(e.path("code").asInt()).isEqualTo(7);
            assertThat(e.path("msg").asText()).isEqualTo("App Call Limited");
            assertThat(e.path("sub_code").asText())
                    .isEqualTo("accesscontrol.limited-by-app-api-access-count");
            assertThat(e.path("sub_msg").asText())
                    .matches("This ban will last for \\d+ more seconds");
        }
        assertThat(error(answers.get(3)).path("sub_msg").asText())
                .isEqualTo("This ban will last for 30 more seconds");
        Accounting.Stats stats =
                sim.accounting().limitKey("taobao/app-api-access-count:" + APP_KEY + "/" + METHOD);
        assertThat(stats.served()).isEqualTo(3);
        assertThat(stats.refused()).isEqualTo(2);
        assertThat(stats.maxPerSecond()).isEqualTo(5);

        // the ban outlasts the window: a second later the app is still banned
        sim.clock().advance(2 * SECOND);
        assertThat(error(call(query(now - DAY, now, 1, 10, true))).path("code").asInt())
                .isEqualTo(7);

        taobao.limits().clear();
        taobao.limits().set(LimitRule.perSecond("api-access-count", LimitScope.API, 1));
        ok(call(query(now - DAY, now, 1, 10, true)));
        assertThat(error(call(query(now - DAY, now, 1, 10, true))).path("sub_code").asText())
                .isEqualTo("accesscontrol.limited-by-api-access-count");
    }

    @Test
    void forwardPagingOverAWindowWhoseTradesChangeLosesTradesAndBackwardPagingDoesNot() {
        long newest = floorSecond(sim.clock().now());
        long start = newest - 2 * DAY + SECOND;
        long end = newest - DAY;
        taobao.mutatePerPage("shop-1", new MutationRates(3, 0, 0));

        Set<String> forward = new HashSet<>();
        for (int page = 1; ; page++) {
            JsonNode r = ok(call(query(start, end, page, 20, true)));
            trades(r).forEach(t -> forward.add(t.path("tid").asText()));
            if (!r.path("has_next").asBoolean()) break;
        }
        Set<String> lost =
                lostFromWindow(forward, taobao.groundTruth("shop-1"), t -> t >= start && t <= end);
        assertThat(lost).as("trades never modified, still in the window, never seen").isNotEmpty();

        // TOP's remedy: learn the total, then page from the last page back to the first
        Set<String> backward = new HashSet<>();
        JsonNode first = ok(call(query(start, end, 1, 20, false)));
        trades(first).forEach(t -> backward.add(t.path("tid").asText()));
        for (int page = (first.path("total_results").asInt() + 19) / 20; page >= 1; page--) {
            trades(ok(call(query(start, end, page, 20, false))))
                    .forEach(t -> backward.add(t.path("tid").asText()));
        }
        assertThat(
                        lostFromWindow(
                                backward,
                                taobao.groundTruth("shop-1"),
                                t -> t >= start && t <= end))
                .isEmpty();
    }

    @Test
    void injectedFaultsAreServed() {
        long now = floorSecond(sim.clock().now());
        int total = ok(call(query(now - DAY, now, 1, 10, false))).path("total_results").asInt();
        taobao.faults()
                .script(
                        Fault.LYING_TOTAL,
                        Fault.SERVER_ERROR,
                        Fault.HTML_PAGE,
                        Fault.MALFORMED_JSON,
                        Fault.TOKEN_EXPIRED);
        assertThat(ok(call(query(now - DAY, now, 1, 10, false))).path("total_results").asInt())
                .isNotEqualTo(total);
        TestHttp.Response fiveHundred =
                TestHttp.postForm(
                        url, signed(query(now - DAY, now, 1, 10, false), "md5", SECRET, SESSION));
        assertThat(fiveHundred.status()).isIn(502, 503);
        assertThat(
                        TestHttp.postForm(
                                        url,
                                        signed(
                                                query(now - DAY, now, 1, 10, false),
                                                "md5",
                                                SECRET,
                                                SESSION))
                                .body())
                .startsWith("<!DOCTYPE html>");
        String cut =
                TestHttp.postForm(
                                url,
                                signed(query(now - DAY, now, 1, 10, false), "md5", SECRET, SESSION))
                        .body();
        assertThat(cut).startsWith("{\"trades_sold_increment_get_response\"").doesNotEndWith("}}");
        assertThat(error(call(query(now - DAY, now, 1, 10, false))).path("code").asInt())
                .isEqualTo(27);
    }

    @Test
    void timesAreGmt8() {
        GroundTruth.TruthRecord some = taobao.groundTruth("shop-1").live().get(0);
        assertThat(parseGmt8(some.content().path("modified").asText()))
                .isEqualTo(some.updateTime());
    }
}
