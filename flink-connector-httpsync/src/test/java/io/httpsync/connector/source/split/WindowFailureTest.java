package io.httpsync.connector.source.split;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WindowFailureTest {

    private static ExceptionEvent event(
            ResponseKind kind, int status, String code, String message) {
        return new ExceptionEvent(
                "orders",
                "shop-1",
                0,
                10,
                "{}",
                status,
                code,
                kind,
                3,
                message,
                1_700_000_000_000L);
    }

    @Test
    void anUnavailableOrRateLimitingPlatformIsATransientCause() {
        assertThat(
                        WindowFailure.of(event(ResponseKind.RETRYABLE, 503, null, "HTTP 503"))
                                .transientCause())
                .isTrue();
        assertThat(
                        WindowFailure.of(event(ResponseKind.RETRYABLE, 408, null, "HTTP 408"))
                                .transientCause())
                .isTrue();
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.RETRYABLE,
                                                -1,
                                                null,
                                                "no answer within 5000 ms"))
                                .transientCause())
                .isTrue();
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.RETRYABLE,
                                                200,
                                                "15",
                                                "HTTP 200, code 15"))
                                .transientCause())
                .isTrue();
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.RATE_LIMITED,
                                                200,
                                                "17",
                                                "rate limited 9 times"))
                                .transientCause())
                .isTrue();
    }

    @Test
    void aRefusalAnUnknownCodeOrABodyThatIsNotTheDescribedJsonIsALastingCause() {
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.FATAL,
                                                200,
                                                "31",
                                                "HTTP 200, code 31: invalid sign"))
                                .transientCause())
                .isFalse();
        assertThat(
                        WindowFailure.of(event(ResponseKind.FATAL, 400, null, "HTTP 400"))
                                .transientCause())
                .isFalse();
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.RETRYABLE,
                                                200,
                                                null,
                                                "HTTP 200 with a body that is not JSON: <html>"))
                                .transientCause())
                .isFalse();
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.TOKEN_EXPIRED,
                                                401,
                                                null,
                                                "the token was refused 3 times"))
                                .transientCause())
                .isFalse();
        assertThat(
                        WindowFailure.of(
                                        ExceptionEvent.ofWindow(
                                                "orders",
                                                "shop-1",
                                                0,
                                                10,
                                                "{}",
                                                "record could not be decoded",
                                                1L))
                                .transientCause())
                .isFalse();
    }

    @Test
    void theCauseOfAnAnswerIgnoresThePlatformsMessageAndWithoutAnswerTheDigitsOfTheMessage() {
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.FATAL,
                                                200,
                                                "31",
                                                "HTTP 200, code 31: invalid sign, request id 8812"))
                                .cause())
                .isEqualTo(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.FATAL,
                                                200,
                                                "31",
                                                "HTTP 200, code 31: invalid sign, request id 9913"))
                                .cause());
        assertThat(WindowFailure.of(event(ResponseKind.FATAL, 200, "31", "x")).cause())
                .isNotEqualTo(WindowFailure.of(event(ResponseKind.FATAL, 200, "32", "x")).cause());
        assertThat(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.RETRYABLE,
                                                -1,
                                                null,
                                                "connection failed: 127.0.0.1:5001"))
                                .cause())
                .isEqualTo(
                        WindowFailure.of(
                                        event(
                                                ResponseKind.RETRYABLE,
                                                -1,
                                                null,
                                                "connection failed: 127.0.0.1:6002"))
                                .cause());
    }
}
