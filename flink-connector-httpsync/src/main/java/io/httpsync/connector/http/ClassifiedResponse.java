package io.httpsync.connector.http;

import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * An answer as the error classifier understood it.
 *
 * @param httpStatus the HTTP status, or -1 if no answer came
 * @param platformCode the platform's code at {@code response.error-code-path}, or null
 * @param message what went wrong, for exception events (may contain platform text, never our
 *     secrets once redacted)
 * @param waitHint how long the platform asked us to wait (Retry-After, ban seconds), or null
 * @param body the parsed JSON body, or null if there was none or it was not JSON
 */
@Internal
public record ClassifiedResponse(
        ResponseKind kind,
        int httpStatus,
        String platformCode,
        String message,
        Duration waitHint,
        JsonNode body) {
    static ClassifiedResponse noAnswer(ResponseKind kind, String message) {
        return new ClassifiedResponse(kind, -1, null, message, null, null);
    }

    ClassifiedResponse withKind(ResponseKind newKind, String newMessage) {
        return new ClassifiedResponse(
                newKind, httpStatus, platformCode, newMessage, waitHint, body);
    }
}
