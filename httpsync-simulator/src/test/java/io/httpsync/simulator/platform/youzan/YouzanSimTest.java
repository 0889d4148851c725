package io.httpsync.simulator.platform.youzan;

import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.TestHttp;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.httpsync.simulator.platform.OrderTestSupport.DAY;
import static io.httpsync.simulator.platform.OrderTestSupport.SECOND;
import static io.httpsync.simulator.platform.OrderTestSupport.assertExactlyOnce;
import static io.httpsync.simulator.platform.OrderTestSupport.floorSecond;
import static io.httpsync.simulator.platform.OrderTestSupport.gmt8;
import static io.httpsync.simulator.platform.OrderTestSupport.lostFromWindow;
import static io.httpsync.simulator.platform.OrderTestSupport.parseGmt8;
import static org.assertj.core.api.Assertions.assertThat;

class YouzanSimTest {
    private static final String CLIENT_ID = "c1ec50fec659767243";
    private static final String CLIENT_SECRET = "a8c0d8dd7e636cbce03b696cce7ac1ab";
    private static final String KDT_ID = "42652714";
    private static final String TID = "^E\\d{22}$";

    private Simulator sim;
    private YouzanSim youzan;
    private String base;

    @BeforeEach
    void start() {
        sim = new Simulator(17);
        youzan = sim.add(YouzanSim::new);
        youzan.addTenant(
                KDT_ID,
                YouzanSim.credentials(CLIENT_ID, CLIENT_SECRET),
                DataSpec.of(600, 10 * DAY).timeResolutionMillis(1000));
        youzan.limits().clear();
        sim.start(0);
        base = sim.baseUrl("youzan");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private JsonNode tokenResponse(String secret, boolean refresh) {
        ObjectNode body =
                Json.object()
                        .put("client_id", CLIENT_ID)
                        .put("client_secret", secret)
                        .put("authorize_type", "silent")
                        .put("grant_id", KDT_ID)
                        .put("refresh", refresh);
        return TestHttp.postJson(base + "/auth/token", body.toString(), Map.of()).json();
    }

    private String token() {
        JsonNode r = tokenResponse(CLIENT_SECRET, false);
        assertThat(r.path("success").asBoolean()).as(r.toString()).isTrue();
        return r.path("data").path("access_token").asText();
    }

    private JsonNode trades(String token, ObjectNode body) {
        return TestHttp.postJson(
                        base + "/api/youzan.trades.sold.get/4.0.4?access_token=" + token,
                        body.toString(),
                        Map.of())
                .json();
    }

    private static ObjectNode updated(long start, long end, int pageNo, int pageSize) {
        return Json.object()
                .put("start_update", gmt8(start))
                .put("end_update", gmt8(end))
                .put("page_no", pageNo)
                .put("page_size", pageSize);
    }

    private static JsonNode data(JsonNode r) {
        assertThat(r.path("success").asBoolean()).as(r.toString()).isTrue();
        assertThat(r.path("code").asInt()).isEqualTo(200);
        assertThat(r.path("trace_id").asText()).isNotEmpty();
        return r.path("data");
    }

    private static List<JsonNode> list(JsonNode data) {
        List<JsonNode> out = new ArrayList<>();
        data.path("full_order_info_list").forEach(out::add);
        return out;
    }

    private static String tid(JsonNode order) {
        return order.path("full_order_info").path("order_info").path("tid").asText();
    }

    private static String time(JsonNode order, String field) {
        return order.path("full_order_info").path("order_info").path(field).asText();
    }

    @Test
    void silentTokenIsReusedUntilRefreshedAndExpiresInEpochMillis() {
        JsonNode first = tokenResponse(CLIENT_SECRET, false).path("data");
        long expires = first.path("expires").asLong();
        assertThat(expires)
                .isBetween(sim.clock().now() + 7 * DAY - 60_000, sim.clock().now() + 7 * DAY);
        assertThat(tokenResponse(CLIENT_SECRET, false).path("data").path("access_token").asText())
                .isEqualTo(first.path("access_token").asText());
        assertThat(tokenResponse(CLIENT_SECRET, true).path("data").path("access_token").asText())
                .isNotEqualTo(first.path("access_token").asText());

        JsonNode wrong = tokenResponse("wrong-secret", false);
        assertThat(wrong.path("success").asBoolean()).isFalse();
        assertThat(wrong.has("data") && !wrong.path("data").isNull()).isFalse();
    }

    @Test
    void pagingUpdateWindowsReturnsEveryOrderExactlyOnceNewestUpdateFirst() {
        String token = token();
        long newest = floorSecond(sim.clock().now());
        List<JsonNode> all = new ArrayList<>();
        for (int half = 0; half < 3; half++) {
            long end = newest - half * 5 * DAY;
            long start = end - 5 * DAY + SECOND;
            for (int page = 1; ; page++) {
                JsonNode d = data(trades(token, updated(start, end, page, 100)));
                List<JsonNode> orders = list(d);
                for (int i = 1; i < orders.size(); i++) {
                    assertThat(time(orders.get(i - 1), "update_time"))
                            .isGreaterThanOrEqualTo(time(orders.get(i), "update_time"));
                }
                all.addAll(orders);
                if (page * 100 >= d.path("total_results").asInt()) break;
            }
        }
        all.forEach(o -> assertThat(tid(o)).matches(TID));
        assertExactlyOnce(all, YouzanSimTest::tid, youzan.groundTruth(KDT_ID));
    }

    @Test
    void tidEmbedsTheCreationTimeAndDeletedOrdersKeepTheirTid() {
        JsonNode some = youzan.groundTruth(KDT_ID).live().get(0).content();
        String created = time(some, "created").replaceAll("[^0-9]", "");
        assertThat(tid(some)).startsWith("E" + created);

        youzan.mutatePerPage(KDT_ID, new MutationRates(0, 0, 2));
        long now = floorSecond(sim.clock().now());
        data(trades(token(), updated(now - 5 * DAY, now, 1, 100)));
        List<String> deleted = youzan.groundTruth(KDT_ID).deletedIds();
        assertThat(deleted).hasSize(2).allMatch(id -> id.matches(TID) && !id.startsWith("E1970"));
    }

    @Test
    void sortsByCreationWhenOnlyACreatedRangeIsGivenAndIgnoresUnpairedBounds() {
        String token = token();
        long now = floorSecond(sim.clock().now());
        ObjectNode byCreated =
                Json.object()
                        .put("start_created", gmt8(now - 10 * DAY))
                        .put("end_created", gmt8(now))
                        .put("page_size", 100);
        List<JsonNode> orders = list(data(trades(token, byCreated)));
        for (int i = 1; i < orders.size(); i++) {
            assertThat(time(orders.get(i - 1), "created"))
                    .isGreaterThanOrEqualTo(time(orders.get(i), "created"));
        }
        // epoch millis work as well as the documented text format
        ObjectNode millis =
                Json.object()
                        .put("start_created", now - 10 * DAY)
                        .put("end_created", now)
                        .put("page_size", 100);
        assertThat(list(data(trades(token, millis))).stream().map(YouzanSimTest::tid).toList())
                .isEqualTo(orders.stream().map(YouzanSimTest::tid).toList());

        ObjectNode unpaired =
                Json.object().put("start_update", gmt8(now - DAY)).put("page_size", 1);
        assertThat(data(trades(token, unpaired)).path("total_results").asInt()).isEqualTo(600);
    }

    @Test
    void expiredOrUnknownTokenGetsTheGatewayError() {
        long now = floorSecond(sim.clock().now());
        JsonNode unknown = trades("no-such-token", updated(now - DAY, now, 1, 10));
        assertThat(unknown.path("gw_err_resp").path("err_code").asInt()).isEqualTo(4203);
        assertThat(unknown.has("success")).isFalse();

        String token = token();
        JsonNode bearer =
                TestHttp.postJson(
                                base + "/api/youzan.trades.sold.get/4.0.4",
                                updated(now - DAY, now, 1, 10).toString(),
                                Map.of("Authorization", "Bearer " + token))
                        .json();
        data(bearer);

        sim.clock().advance(7 * DAY + SECOND);
        long later = floorSecond(sim.clock().now());
        assertThat(
                        trades(token, updated(later - DAY, later, 1, 10))
                                .path("gw_err_resp")
                                .path("err_code")
                                .asInt())
                .isEqualTo(4203);
        youzan.gatewayErrorCodes(40010, 40011);
        assertThat(
                        trades(token, updated(later - DAY, later, 1, 10))
                                .path("gw_err_resp")
                                .path("err_code")
                                .asInt())
                .isEqualTo(40010);
    }

    @Test
    void pagingCapsWindowAndPageSizeAreEnforcedAsBusinessErrors() {
        String token = token();
        long now = floorSecond(sim.clock().now());
        List<ObjectNode> bad =
                List.of(
                        updated(now - DAY, now, 101, 10), // more than 100 pages
                        updated(now - DAY, now, 1, 101), // more than 100 a page
                        updated(now - DAY, now, 33, 100), // 3300 > 3200 records deep
                        updated(now - DAY, now, 0, 10),
                        updated(
                                parseGmt8("2024-01-01 00:00:00"),
                                parseGmt8("2024-04-01 00:00:01"),
                                1,
                                10), // over 3 months
                        updated(now, now - DAY, 1, 10));
        for (ObjectNode b : bad) {
            JsonNode r = trades(token, b);
            assertThat(r.path("success").asBoolean()).as(b.toString()).isFalse();
            assertThat(r.path("code").asInt()).isEqualTo(4000);
            assertThat(r.path("message").asText()).isNotEmpty();
        }
        assertThat(list(data(trades(token, updated(now - DAY, now, 32, 100))))).isEmpty();
        data(
                trades(
                        token,
                        updated(
                                parseGmt8("2024-01-01 00:00:00"),
                                parseGmt8("2024-04-01 00:00:00"),
                                1,
                                10)));

        youzan.pagingCaps(5, 50, 200).parameterErrorCode(141);
        JsonNode capped = trades(token, updated(now - DAY, now, 5, 50));
        assertThat(capped.path("code").asInt()).isEqualTo(141);
        assertThat(capped.path("message").asText()).contains("200");
        data(trades(token, updated(now - DAY, now, 4, 50)));
    }

    @Test
    void rateLimitAnswersTheGatewayErrorAndIsAccounted() {
        youzan.limits().set(LimitRule.perSecond("shop-api-qps", LimitScope.TENANT_API, 2));
        String token = token();
        long now = floorSecond(sim.clock().now());
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(trades(token, updated(now - DAY, now, 1, 10)));
        answers.subList(0, 2).forEach(YouzanSimTest::data);
        for (JsonNode refused : answers.subList(2, 4)) {
            assertThat(refused.path("gw_err_resp").path("err_code").asInt()).isEqualTo(4003);
            assertThat(refused.path("gw_err_resp").path("err_msg").asText()).isNotEmpty();
        }
        Accounting.Stats stats =
                sim.accounting()
                        .limitKey("youzan/shop-api-qps:" + KDT_ID + "/youzan.trades.sold.get");
        assertThat(stats.served()).isEqualTo(2);
        assertThat(stats.refused()).isEqualTo(2);
        assertThat(stats.maxPerSecond()).isEqualTo(4);
    }

    @Test
    void forwardPageNoPagingOverAnUpdateWindowLosesOrdersUpdatedWhilePaging() {
        String token = token();
        long newest = floorSecond(sim.clock().now());
        long start = newest - 6 * DAY + SECOND;
        long end = newest - 3 * DAY;
        youzan.mutatePerPage(KDT_ID, new MutationRates(3, 0, 0));
        Set<String> seen = new HashSet<>();
        for (int page = 1; ; page++) {
            JsonNode d = data(trades(token, updated(start, end, page, 20)));
            list(d).forEach(o -> seen.add(tid(o)));
            if (page * 20 >= d.path("total_results").asInt()) break;
        }
        assertThat(lostFromWindow(seen, youzan.groundTruth(KDT_ID), t -> t >= start && t <= end))
                .as("orders never updated, still in the window, never seen")
                .isNotEmpty();
    }

    @Test
    void injectedFaultsAreServed() {
        String token = token();
        long now = floorSecond(sim.clock().now());
        ObjectNode body = updated(now - DAY, now, 1, 10);
        int total = data(trades(token, body)).path("total_results").asInt();
        youzan.faults()
                .script(
                        Fault.LYING_TOTAL,
                        Fault.SERVER_ERROR,
                        Fault.HTML_PAGE,
                        Fault.MALFORMED_JSON,
                        Fault.TOKEN_EXPIRED);
        assertThat(data(trades(token, body)).path("total_results").asInt()).isNotEqualTo(total);
        String url = base + "/api/youzan.trades.sold.get/4.0.4?access_token=" + token;
        assertThat(TestHttp.postJson(url, body.toString(), Map.of()).status()).isIn(502, 503);
        assertThat(TestHttp.postJson(url, body.toString(), Map.of()).body())
                .startsWith("<!DOCTYPE html>");
        assertThat(TestHttp.postJson(url, body.toString(), Map.of()).body())
                .startsWith("{\"success\":true")
                .doesNotEndWith("}");
        assertThat(trades(token, body).path("gw_err_resp").path("err_code").asInt())
                .isEqualTo(4203);
    }

    @Test
    void truthRecordsAreWhatTheListRenders() {
        GroundTruth.TruthRecord some = youzan.groundTruth(KDT_ID).live().get(5);
        assertThat(parseGmt8(time(some.content(), "update_time"))).isEqualTo(some.updateTime());
        assertThat(some.content().path("full_order_info").path("orders").size()).isBetween(1, 3);
    }
}
