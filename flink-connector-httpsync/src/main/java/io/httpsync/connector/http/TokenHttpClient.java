package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.RenderedRequest;

import org.apache.flink.annotation.Internal;

import org.asynchttpclient.AsyncCompletionHandlerBase;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Sends token requests over an async-http-client of its own (one I/O thread): the transport of a
 * token provider that has no page fetcher to borrow one from, such as the enumerator's, which must
 * never block its thread. Answers complete on the client's I/O thread. Thread-safe; {@link #close}
 * fails the requests still in flight.
 */
@Internal
public final class TokenHttpClient implements TokenTransport, Closeable {
    private final SecretSafeHttp http;

    public TokenHttpClient(String threadPoolName, Duration requestTimeout) {
        this.http = new SecretSafeHttp(threadPoolName, 1, requestTimeout);
    }

    @Override
    public CompletableFuture<Answer> send(RenderedRequest request) {
        return http.send(request, new AsyncCompletionHandlerBase())
                .thenApply(resp -> new Answer(resp.getStatusCode(), HttpRequests.body(resp)));
    }

    @Override
    public void close() throws IOException {
        http.close();
    }
}
