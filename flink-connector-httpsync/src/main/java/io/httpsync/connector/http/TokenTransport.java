package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.RenderedRequest;

import org.apache.flink.annotation.Internal;

import java.util.concurrent.CompletableFuture;

/**
 * Sends a token request; the page fetcher provides it over its HTTP client. Non-blocking,
 * thread-safe.
 */
@Internal
@FunctionalInterface
public interface TokenTransport {
    /** The answer's status and body; fails if no answer came (connection, timeout). */
    CompletableFuture<Answer> send(RenderedRequest request);

    /** A token endpoint's answer. */
    record Answer(int status, String body) {}
}
