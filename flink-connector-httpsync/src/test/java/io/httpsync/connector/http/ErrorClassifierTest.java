package io.httpsync.connector.http;

import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorClassifierTest {
    private static final Function<String, String> NO_HEADERS = name -> null;

    private static ErrorClassifier classifier(
            Map<String, String> preset, Map<String, String> more) {
        Map<String, String> o = new java.util.HashMap<>(preset);
        o.putAll(more);
        return new ErrorClassifier(EndpointSpec.fromOptions(o));
    }

    private final ErrorClassifier kuaishou = classifier(EndpointPresets.kuaishouOrders(), Map.of());
    private final ErrorClassifier taobao =
            classifier(EndpointPresets.taobaoTradesIncrement(), Map.of());
    private final ErrorClassifier jushuitan =
            classifier(EndpointPresets.jushuitanOrders(), Map.of());

    @Test
    void successCodesAndAbsentCodesAreSuccess() {
        ClassifiedResponse ok =
                kuaishou.classify(
                        200,
                        NO_HEADERS,
                        "{\"result\":1,\"data\":{\"cursor\":\"nomore\",\"orderList\":[]}}");
        assertThat(ok.kind()).isEqualTo(ResponseKind.SUCCESS);
        assertThat(ok.body().path("data").path("cursor").asText()).isEqualTo("nomore");
        assertThat(
                        taobao.classify(
                                        200,
                                        NO_HEADERS,
                                        "{\"trades_sold_increment_get_response\":{\"total_results\":0}}")
                                .kind())
                .isEqualTo(ResponseKind.SUCCESS);
    }

    @Test
    void tokenExpiredCodesInsideHttp200() {
        ClassifiedResponse c =
                kuaishou.classify(
                        200,
                        NO_HEADERS,
                        "{\"result\":28,\"code\":\"803000\",\"msg\":\"鉴权失败\",\"error_msg\":\"TOKEN过期\"}");
        assertThat(c.kind()).isEqualTo(ResponseKind.TOKEN_EXPIRED);
        assertThat(c.platformCode()).isEqualTo("28");
        assertThat(c.message()).isEqualTo("HTTP 200, code 28: TOKEN过期");
        assertThat(
                        taobao.classify(
                                        200,
                                        NO_HEADERS,
                                        "{\"error_response\":{\"code\":27,\"msg\":\"Invalid session\"}}")
                                .kind())
                .isEqualTo(ResponseKind.TOKEN_EXPIRED);
    }

    @Test
    void tokenExpiredStatusesAreConfigurable() {
        assertThat(kuaishou.classify(401, NO_HEADERS, "").kind())
                .isEqualTo(ResponseKind.TOKEN_EXPIRED);
        assertThat(kuaishou.classify(403, NO_HEADERS, "").kind()).isEqualTo(ResponseKind.FATAL);
        ErrorClassifier ekuaibao =
                classifier(
                        EndpointPresets.kuaishouOrders(),
                        Map.of("error.token-expired-statuses", "403"));
        assertThat(ekuaibao.classify(403, NO_HEADERS, "").kind())
                .isEqualTo(ResponseKind.TOKEN_EXPIRED);
    }

    @Test
    void rateLimitCodesAndMessagesAndTopBanSeconds() {
        assertThat(
                        kuaishou.classify(
                                        200,
                                        NO_HEADERS,
                                        "{\"result\":17,\"error_msg\":\"Exceed qps limit, KEY [x], MAX_QPS [300.0]\"}")
                                .kind())
                .isEqualTo(ResponseKind.RATE_LIMITED);
        // an undocumented code: the message regex still recognises it
        ClassifiedResponse byMessage =
                kuaishou.classify(
                        200,
                        NO_HEADERS,
                        "{\"result\":1017,\"error_msg\":\"[1017] exceed quota limit,[apiId:x]\"}");
        assertThat(byMessage.kind()).isEqualTo(ResponseKind.RATE_LIMITED);
        ClassifiedResponse ban =
                taobao.classify(
                        200,
                        NO_HEADERS,
                        "{\"error_response\":{\"code\":7,\"msg\":\"App Call Limited\","
                                + "\"sub_code\":\"accesscontrol.limited-by-app-access-count\",\"sub_msg\":\"This ban will last for 71 more seconds\"}}");
        assertThat(ban.kind()).isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(ban.waitHint()).isEqualTo(Duration.ofSeconds(71));
        assertThat(ban.message()).contains("code 7", "This ban will last for 71 more seconds");
    }

    @Test
    void jushuitanCode200IsRateLimitingNotSuccess() {
        assertThat(
                        jushuitan
                                .classify(200, NO_HEADERS, "{\"code\":200,\"msg\":\"调用频次超过限制\"}")
                                .kind())
                .isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(
                        jushuitan
                                .classify(200, NO_HEADERS, "{\"code\":0,\"data\":{\"orders\":[]}}")
                                .kind())
                .isEqualTo(ResponseKind.SUCCESS);
    }

    @Test
    void http429AndWaitHeaders() {
        ClassifiedResponse retryAfter =
                kuaishou.classify(429, h -> h.equals("Retry-After") ? "3" : null, "");
        assertThat(retryAfter.kind()).isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(retryAfter.waitHint()).isEqualTo(Duration.ofSeconds(3));
        String date =
                ZonedDateTime.now().plusSeconds(120).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(
                        kuaishou.classify(429, h -> h.equals("Retry-After") ? date : null, "")
                                .waitHint())
                .isBetween(Duration.ofSeconds(100), Duration.ofSeconds(121));
        ErrorClassifier feishu =
                classifier(
                        EndpointPresets.kuaishouOrders(),
                        Map.of(
                                "error.wait-headers",
                                "x-ogw-ratelimit-reset",
                                "response.error-code-path",
                                "/code",
                                "error.success-codes",
                                "0",
                                "error.rate-limited-codes",
                                "99991400"));
        ClassifiedResponse legacy400 =
                feishu.classify(
                        400,
                        h -> h.equals("x-ogw-ratelimit-reset") ? "52" : null,
                        "{\"code\":99991400,\"msg\":\"request trigger frequency limit\"}");
        assertThat(legacy400.kind()).isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(legacy400.waitHint()).isEqualTo(Duration.ofSeconds(52));
    }

    @Test
    void serverErrorsHtmlPagesAndTruncatedJsonAreRetried() {
        ClassifiedResponse gateway =
                kuaishou.classify(
                        502,
                        NO_HEADERS,
                        "<html><head><title>502 Bad Gateway</title></head></html>");
        assertThat(gateway.kind()).isEqualTo(ResponseKind.RETRYABLE);
        assertThat(gateway.message())
                .startsWith(
                        "HTTP 502 with a body that is not JSON: <html><head><title>502 Bad Gateway");
        assertThat(
                        kuaishou.classify(
                                        200,
                                        NO_HEADERS,
                                        "<!DOCTYPE html><html><body>系统维护中</body></html>")
                                .kind())
                .isEqualTo(ResponseKind.RETRYABLE);
        assertThat(
                        kuaishou.classify(
                                        200,
                                        NO_HEADERS,
                                        "{\"result\":1,\"data\":{\"orderList\":[{\"orderBase")
                                .kind())
                .isEqualTo(ResponseKind.RETRYABLE);
        assertThat(kuaishou.classify(200, NO_HEADERS, "").message())
                .isEqualTo("HTTP 200 with an empty body");
        assertThat(kuaishou.classify(408, NO_HEADERS, "").kind()).isEqualTo(ResponseKind.RETRYABLE);
        ErrorClassifier retryCode = classifier(EndpointPresets.taobaoTradesIncrement(), Map.of());
        assertThat(
                        retryCode
                                .classify(
                                        200,
                                        NO_HEADERS,
                                        "{\"error_response\":{\"code\":15,\"sub_code\":\"isp.system-busy\"}}")
                                .kind())
                .isEqualTo(ResponseKind.RETRYABLE);
    }

    @Test
    void dingTalkPunishBodiesAreRateLimitingWhenTheBodyRegexSaysSo() {
        ErrorClassifier dingtalk =
                classifier(
                        EndpointPresets.kuaishouOrders(),
                        Map.of(
                                "error.rate-limited-body-regex",
                                "\"punish\"\\s*:\\s*\"deny\"|被暂时禁用"));
        ClassifiedResponse punish =
                dingtalk.classify(
                        200,
                        NO_HEADERS,
                        "{\"status\":1111,\"wait\":5,\"source\":\"x5\",\"punish\":\"deny\",\"uuid\":\"u\"}");
        assertThat(punish.kind()).isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(
                        dingtalk.classify(
                                        200,
                                        NO_HEADERS,
                                        "<html>您的服务器调用钉钉开放平台当前接口的所有请求都被暂时禁用了</html>")
                                .kind())
                .isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(
                        kuaishou.classify(200, NO_HEADERS, "{\"status\":1111,\"punish\":\"deny\"}")
                                .kind())
                .isEqualTo(ResponseKind.SUCCESS);
    }

    @Test
    void otherErrorsAreFatal() {
        ClassifiedResponse business =
                kuaishou.classify(200, NO_HEADERS, "{\"result\":2001,\"error_msg\":\"endTime无效\"}");
        assertThat(business.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(business.message()).isEqualTo("HTTP 200, code 2001: endTime无效");
        assertThat(
                        kuaishou.classify(
                                        404, NO_HEADERS, "{\"result\":22,\"error_msg\":\"API不存在\"}")
                                .kind())
                .isEqualTo(ResponseKind.FATAL);
        assertThat(
                        taobao.classify(
                                        200,
                                        NO_HEADERS,
                                        "{\"error_response\":{\"code\":41,\"msg\":\"Invalid arguments\"}}")
                                .kind())
                .isEqualTo(ResponseKind.FATAL);
    }

    @Test
    void requestsWithoutAnAnswer() {
        assertThat(
                        kuaishou.failure(
                                        new CompletionException(
                                                new TimeoutException("Request timeout")))
                                .kind())
                .isEqualTo(ResponseKind.RETRYABLE);
        assertThat(kuaishou.failure(new ConnectException("Connection refused")).kind())
                .isEqualTo(ResponseKind.RETRYABLE);
        assertThat(kuaishou.failure(new IOException("Connection reset")).httpStatus())
                .isEqualTo(-1);
        assertThat(kuaishou.failure(new IllegalArgumentException("bad URL")).kind())
                .isEqualTo(ResponseKind.FATAL);
    }

    @Test
    void retryPolicyBacksOffExponentiallyWithJitterAndHonoursPlatformWaits() {
        RetryPolicy policy =
                new RetryPolicy(
                        5,
                        20,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(2),
                        2.0,
                        0.5,
                        Duration.ofSeconds(1));
        for (int i = 0; i < 50; i++) {
            assertThat(policy.backoff(1, null))
                    .isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
            assertThat(policy.backoff(3, null))
                    .isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(policy.backoff(10, null))
                    .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
            assertThat(policy.backoff(10, Duration.ofSeconds(71)))
                    .isEqualTo(Duration.ofSeconds(71));
            assertThat(policy.rateLimitedWait(1, null))
                    .isBetween(Duration.ofSeconds(1), Duration.ofMillis(1100));
            assertThat(policy.rateLimitedWait(2, Duration.ofSeconds(71)))
                    .isBetween(Duration.ofSeconds(71), Duration.ofMillis(78_100));
            assertThat(policy.rateLimitedWait(9, null))
                    .isBetween(Duration.ofSeconds(2), Duration.ofMillis(2200));
        }
    }

    @Test
    void retryPolicyNeverWaitsLongerThanTheLongestPlatformWait() {
        RetryPolicy policy =
                new RetryPolicy(
                        5,
                        20,
                        Duration.ofMillis(100),
                        Duration.ofSeconds(2),
                        2.0,
                        0.5,
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(5));
        assertThat(policy.exceedsMaxPlatformWait(Duration.ofDays(1))).isTrue();
        assertThat(policy.exceedsMaxPlatformWait(Duration.ofMinutes(5))).isFalse();
        assertThat(policy.exceedsMaxPlatformWait(null)).isFalse();
        assertThat(policy.backoff(1, Duration.ofDays(1))).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.rateLimitedWait(1, Duration.ofDays(1)))
                .isBetween(Duration.ofMinutes(5), Duration.ofSeconds(330));
        assertThat(
                        new RetryPolicy(
                                        5,
                                        20,
                                        Duration.ofMillis(100),
                                        Duration.ofSeconds(2),
                                        2.0,
                                        0.5,
                                        Duration.ofSeconds(1))
                                .maxPlatformWait())
                .isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aBodyBeyondTheCapIsFatalNamingTheOption() {
        ClassifiedResponse c =
                kuaishou.failure(
                        new java.util.concurrent.ExecutionException(
                                new ResponseTooLargeException(
                                        "the HTTP 200 answer's body exceeds 'response.max-body-size' (16 mb)")));
        assertThat(c.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(c.message()).contains("'response.max-body-size'");
    }

    private final ErrorClassifier jdUnion =
            classifier(EndpointPresets.jdUnionOrderRows(), Map.of());

    /** A JD Union answer: outer code "0", the API's document as a string in queryResult. */
    private static String jdUnionAnswer(String queryResult) {
        try {
            return "{\"jd_union_open_order_row_query_responce\":{\"code\":\"0\",\"queryResult\":"
                    + new com.fasterxml.jackson.databind.ObjectMapper()
                            .writeValueAsString(queryResult)
                    + "}}";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void codesInsideADocumentCarriedAsAStringAreClassifiedLikeOuterOnes() {
        ClassifiedResponse ok =
                jdUnion.classify(
                        200,
                        NO_HEADERS,
                        jdUnionAnswer(
                                "{\"code\":200,\"message\":\"success\",\"hasMore\":false,\"data\":[{\"id\":\"1\"}]}"));
        assertThat(ok.kind()).isEqualTo(ResponseKind.SUCCESS);
        assertThat(ok.platformCode()).isEqualTo("200");
        assertThat(
                        ok.body()
                                .at("/jd_union_open_order_row_query_responce/queryResult/data/0/id")
                                .asText())
                .as("the body handed on is the decoded one")
                .isEqualTo("1");

        ClassifiedResponse limited =
                jdUnion.classify(
                        200, NO_HEADERS, jdUnionAnswer("{\"code\":429,\"message\":\"调用太频繁\"}"));
        assertThat(limited.kind()).isEqualTo(ResponseKind.RATE_LIMITED);
        assertThat(limited.platformCode()).isEqualTo("429");

        ClassifiedResponse bad =
                jdUnion.classify(
                        200,
                        NO_HEADERS,
                        jdUnionAnswer("{\"code\":400,\"message\":\"参数错误: endTime 时间跨度不能超过1小时\"}"));
        assertThat(bad.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(bad.platformCode()).isEqualTo("400");
        assertThat(bad.message()).isEqualTo("HTTP 200, code 400: 参数错误: endTime 时间跨度不能超过1小时");

        ClassifiedResponse router =
                jdUnion.classify(
                        200,
                        NO_HEADERS,
                        "{\"error_response\":{\"code\":\"13\",\"zh_desc\":\"签名无效\"}}");
        assertThat(router.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(router.platformCode()).isEqualTo("13");
    }

    @Test
    void aSuccessWhoseDocumentCannotBeDecodedIsFatalNamingThePointer() {
        ClassifiedResponse c =
                jdUnion.classify(200, NO_HEADERS, jdUnionAnswer("{\"code\":200,\"data\":[{\"id\""));
        assertThat(c.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(c.platformCode())
                .as("the outer code, the inner one is unreadable")
                .isEqualTo("0");
        assertThat(c.message())
                .startsWith(
                        "HTTP 200, code 0: option 'response.json-string-paths' of endpoint"
                                + " 'jdunion/jd.union.open.order.row.query':"
                                + " '/jd_union_open_order_row_query_responce/queryResult' is a string that is not valid JSON");

        ClassifiedResponse notAString =
                jdUnion.classify(
                        200,
                        NO_HEADERS,
                        "{\"jd_union_open_order_row_query_responce\":{\"code\":\"0\",\"queryResult\":true}}");
        assertThat(notAString.kind()).isEqualTo(ResponseKind.FATAL);
        assertThat(notAString.message()).contains("is a boolean, not a string");

        // an answer that is an error anyway stays what its status says
        assertThat(
                        jdUnion.classify(
                                        503,
                                        NO_HEADERS,
                                        "{\"jd_union_open_order_row_query_responce\":{\"queryResult\":\"<html>\"}}")
                                .kind())
                .isEqualTo(ResponseKind.RETRYABLE);
    }
}
