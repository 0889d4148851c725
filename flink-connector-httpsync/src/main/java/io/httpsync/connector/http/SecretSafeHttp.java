package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.RenderedRequest;

import org.apache.flink.annotation.Internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.asynchttpclient.AsyncHandler;
import org.asynchttpclient.AsyncHttpClient;
import org.asynchttpclient.Dsl;
import org.asynchttpclient.Request;
import org.asynchttpclient.uri.Uri;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An async-http-client that never lets its own loggers, nor Netty's, see what carries secrets: a
 * request's path, query and headers (platforms put access tokens, signatures and app secrets
 * there).
 *
 * <p>Why: at DEBUG, async-http-client logs every request's URL ({@code NettyRequestSender}, {@code
 * NettyConnectListener}) and the whole request with its headers ({@code HttpHandler}); at TRACE it
 * puts Netty's {@code LoggingHandler} first in the pipeline, which dumps the bytes written. A user
 * who turns these loggers up (or, with the SQL jar, turns up {@code io.httpsync}, under which the
 * shaded client's loggers live) would print every token. No logging configuration of ours could
 * prevent it, since the user's configuration decides.
 *
 * <p>How: the client is handed a request to {@code scheme://host[:port]/} that carries, instead of
 * its path, query and own headers, one header {@value #MARKER} with a number. A Netty handler
 * placed just before the HTTP encoder (after every place that logs the request object) puts the
 * real path, query and headers back into a new request object, which only the encoder sees: the
 * client keeps, and logs, the one without them. The wire-dumping {@code LoggingHandler} is removed
 * from each new channel. HTTP/2 is off, since its requests bypass the HTTP/1.1 encoder (the
 * platforms' list APIs all speak HTTP/1.1). Bodies are not hidden: neither logs them (a form or
 * JSON body is a buffer whose bytes no {@code toString} prints).
 *
 * <p>Thread-safe: {@link #send} from any thread; the handler runs on the channels' event loops; the
 * parts waiting to be sent live in a concurrent map until their request completes.
 */
@Internal
public final class SecretSafeHttp implements Closeable {
    /**
     * The header that stands in for a request's path, query and own headers until it is encoded.
     */
    static final String MARKER = "X-Httpsync-Request";

    private static final String HANDLER = "httpsync-request-parts";

    /**
     * async-http-client's names: its HTTP/1.1 codec, and the wire logger it adds when TRACE is on.
     */
    private static final String AHC_CODEC = "http";

    private static final String AHC_WIRE_LOGGER = "logging";

    private final AsyncHttpClient http;
    private final Duration requestTimeout;
    private final Map<String, Parts> waiting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** What a request carries that no logger may see. */
    private record Parts(String relativeUrl, Map<String, String> headers) {}

    public SecretSafeHttp(String threadPoolName, int ioThreads, Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        Restorer restorer = new Restorer();
        this.http =
                Dsl.asyncHttpClient(
                        HttpRequests.clientConfig(threadPoolName, ioThreads, requestTimeout)
                                .setHttp2Enabled(false)
                                .setHttpAdditionalChannelInitializer(
                                        channel -> {
                                            ChannelPipeline pipeline = channel.pipeline();
                                            if (pipeline.get(AHC_WIRE_LOGGER) != null)
                                                pipeline.remove(AHC_WIRE_LOGGER);
                                            pipeline.addAfter(AHC_CODEC, HANDLER, restorer);
                                        }));
    }

    /**
     * Sends the request; its answer goes to {@code handler}. Never throws: a request the client
     * refuses fails the future.
     */
    public <T> CompletableFuture<T> send(RenderedRequest r, AsyncHandler<T> handler) {
        String id = Long.toString(ids.incrementAndGet());
        try {
            Request real = HttpRequests.toRequest(r, requestTimeout);
            waiting.put(
                    id, new Parts(real.getUri().toRelativeUrl(), new LinkedHashMap<>(r.headers())));
            return http.executeRequest(visible(real, id), handler)
                    .toCompletableFuture()
                    .whenComplete((answer, error) -> waiting.remove(id));
        } catch (RuntimeException e) { // a URL the client cannot parse, or a closed client
            waiting.remove(id);
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The request the client sees: to the host's root, with the body and content type, and the
     * marker.
     */
    private static Request visible(Request real, String id) {
        Uri uri = real.getUri();
        HttpHeaders headers = new DefaultHttpHeaders();
        String contentType = real.getHeaders().get("Content-Type");
        if (contentType != null) headers.set("Content-Type", contentType);
        headers.set(MARKER, id);
        return real.toBuilder()
                .setUrl(
                        uri.getScheme()
                                + "://"
                                + uri.getHost()
                                + (uri.getPort() == -1 ? "" : ":" + uri.getPort())
                                + "/")
                .setHeaders(headers)
                .build();
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    /**
     * Puts the hidden parts back, into a new request object that only the HTTP encoder sees. Event
     * loop threads.
     */
    @ChannelHandler.Sharable
    private final class Restorer extends ChannelDuplexHandler {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof HttpRequest request) || !request.headers().contains(MARKER)) {
                ctx.write(msg, promise);
                return;
            }
            Parts parts = waiting.get(request.headers().get(MARKER));
            if (parts
                    == null) { // completed already (e.g. timed out while connecting): nothing left
                // to send
                ReferenceCountUtil.release(msg);
                promise.setFailure(
                        new IllegalStateException("the request was completed before it was sent"));
                return;
            }
            HttpHeaders headers = request.headers().copy();
            headers.remove(MARKER);
            parts.headers().forEach(headers::set);
            // a request through a proxy names its absolute URL: the visible one ends in the root's
            // "/"
            String uri =
                    request.uri().startsWith("/")
                            ? parts.relativeUrl()
                            : request.uri().substring(0, request.uri().length() - 1)
                                    + parts.relativeUrl();
            HttpRequest restored =
                    request instanceof FullHttpRequest full
                            ? new DefaultFullHttpRequest(
                                    request.protocolVersion(),
                                    request.method(),
                                    uri,
                                    full.content(),
                                    headers,
                                    full.trailingHeaders())
                            : new DefaultHttpRequest(
                                    request.protocolVersion(), request.method(), uri, headers);
            // the encoder releases the shared content once, as it would have released the
            // original's
            ctx.write(restored, promise);
        }
    }
}
