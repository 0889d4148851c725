package io.httpsync.connector.http;

import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.annotation.Internal;

/**
 * One request of a page and its answer, as {@code preview} shows it: the request as sent with every
 * secret masked (the tenant's secret properties, the token, secret-looking parameters and headers,
 * literal secrets of the options), the answer's status and how the error classifier read it.
 * Immutable.
 *
 * @param request the method, the URL as sent (query included) and the body, masked
 * @param httpStatus the HTTP status, or -1 if no answer came
 * @param kind how the answer was classified
 * @param platformCode the platform's code at {@code response.error-code-path}, or null
 * @param message the classifier's reading of the answer (masked), or null
 * @param latencyMillis how long the answer took
 */
@Internal
public record RequestTrace(
        String request,
        int httpStatus,
        ResponseKind kind,
        String platformCode,
        String message,
        long latencyMillis) {}
