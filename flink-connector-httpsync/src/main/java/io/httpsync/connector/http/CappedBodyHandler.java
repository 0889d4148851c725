package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.EndpointOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.MemorySize;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.asynchttpclient.AsyncCompletionHandlerBase;
import org.asynchttpclient.HttpResponseBodyPart;
import org.asynchttpclient.HttpResponseStatus;

/**
 * Collects an answer like async-http-client's default handler, but stops at {@code
 * response.max-body-size}: a declared {@code Content-Length} beyond it is refused before the body
 * is read, and a body (chunked, or lying about its length) that grows beyond it is dropped as soon
 * as it does. Either way the request fails with a {@link ResponseTooLargeException} and the
 * connection is closed, so that no answer can hold more than the cap in memory.
 *
 * <p>One instance per request. Async-http-client calls it from one I/O thread at a time, one
 * callback after the other, publishing the fields between them.
 */
@Internal
final class CappedBodyHandler extends AsyncCompletionHandlerBase {
    private final long maxBytes;
    private int status = -1;
    private long received;

    CappedBodyHandler(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public State onStatusReceived(HttpResponseStatus responseStatus) throws Exception {
        status = responseStatus.getStatusCode();
        return super.onStatusReceived(responseStatus);
    }

    @Override
    public State onHeadersReceived(HttpHeaders headers) throws Exception {
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                long declared = Long.parseLong(length.trim());
                if (declared > maxBytes)
                    throw tooLarge("its Content-Length is " + declared + " bytes");
            } catch (NumberFormatException ignored) {
                // a malformed length is no promise; the bytes are counted as they come
            }
        }
        return super.onHeadersReceived(headers);
    }

    @Override
    public State onBodyPartReceived(HttpResponseBodyPart part) throws Exception {
        received += part.length();
        if (received > maxBytes) throw tooLarge("more than that arrived");
        return super.onBodyPartReceived(part);
    }

    private ResponseTooLargeException tooLarge(String detail) {
        // thrown from a callback, it aborts the request: async-http-client closes the connection
        // and fails the future
        return new ResponseTooLargeException(
                "the HTTP "
                        + status
                        + " answer's body exceeds '"
                        + EndpointOptions.RESPONSE_MAX_BODY_SIZE.key()
                        + "' ("
                        + new MemorySize(maxBytes)
                        + "): "
                        + detail
                        + "; it was not read");
    }
}
