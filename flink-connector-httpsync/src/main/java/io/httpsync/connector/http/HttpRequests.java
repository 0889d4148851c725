package io.httpsync.connector.http;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.BodyKind;
import io.httpsync.connector.endpoint.RenderedRequest;

import org.apache.flink.annotation.Internal;

import org.asynchttpclient.DefaultAsyncHttpClientConfig;
import org.asynchttpclient.Dsl;
import org.asynchttpclient.Request;
import org.asynchttpclient.RequestBuilder;
import org.asynchttpclient.Response;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;

/**
 * How httpsync speaks HTTP with async-http-client, in one place for the page fetcher and the token
 * client: the client settings, a rendered request as an AHC request, an answer's body in its
 * declared charset and its {@code Date}. Stateless.
 */
@Internal
final class HttpRequests {
    private HttpRequests() {}

    /**
     * A client that never retries on its own (retries are ours: counted, classified, backed off)
     * nor follows redirects.
     */
    static DefaultAsyncHttpClientConfig.Builder clientConfig(
            String threadPoolName, int ioThreads, Duration requestTimeout) {
        return Dsl.config()
                .setThreadPoolName(threadPoolName)
                .setIoThreadsCount(ioThreads)
                .setMaxRequestRetry(0)
                .setFollowRedirect(false)
                .setConnectTimeout(Duration.ofSeconds(10))
                .setRequestTimeout(requestTimeout)
                .setReadTimeout(requestTimeout)
                .setUserAgent("httpsync");
    }

    /**
     * The AHC request for a rendered one: form parameters in the body of a form request, else in
     * the query.
     */
    static Request toRequest(RenderedRequest r, Duration requestTimeout) {
        RequestBuilder b =
                new RequestBuilder(r.method().name())
                        .setUrl(r.url())
                        .setCharset(StandardCharsets.UTF_8)
                        .setRequestTimeout(requestTimeout);
        r.headers().forEach(b::setHeader);
        if (r.bodyKind() == BodyKind.FORM) {
            r.params().forEach(b::addFormParam);
            b.setHeader("Content-Type", "application/x-www-form-urlencoded;charset=utf-8");
        } else {
            r.params().forEach(b::addQueryParam);
        }
        if (r.bodyKind() == BodyKind.JSON) {
            b.setBody(r.body()).setHeader("Content-Type", "application/json;charset=utf-8");
        }
        return b.build();
    }

    /**
     * The request as it goes out, for a person to read: method, URL with its query, headers, and
     * the form or JSON body. The values of parameters and headers whose names look secret ({@link
     * Tenant#isSecretKey}, {@code Authorization}, {@code sign}) are masked here; the caller masks
     * the tenant's secrets and the token in the rest.
     */
    static String describe(RenderedRequest r, Duration requestTimeout) {
        LinkedHashMap<String, String> params = new LinkedHashMap<>();
        r.params().forEach((k, v) -> params.put(k, looksSecret(k) ? MASK : v));
        LinkedHashMap<String, String> headers = new LinkedHashMap<>();
        r.headers().forEach((k, v) -> headers.put(k, looksSecret(k) ? MASK : v));
        RenderedRequest shown =
                new RenderedRequest(r.method(), r.bodyKind(), r.url(), params, headers, r.body());
        Request request = toRequest(shown, requestTimeout);
        StringBuilder out =
                new StringBuilder(r.method().name()).append(' ').append(request.getUrl());
        headers.forEach((k, v) -> out.append("\n  header ").append(k).append(": ").append(v));
        if (r.bodyKind() == BodyKind.FORM) {
            StringBuilder form = new StringBuilder();
            params.forEach(
                    (k, v) ->
                            form.append(form.length() == 0 ? "" : "&")
                                    .append(k)
                                    .append('=')
                                    .append(v));
            out.append("\n  form body: ").append(form);
        } else if (r.bodyKind() == BodyKind.JSON) {
            out.append("\n  JSON body: ").append(r.body());
        }
        return out.toString();
    }

    private static final String MASK = "******";

    private static boolean looksSecret(String name) {
        return Tenant.isSecretKey(name)
                || name.equalsIgnoreCase("authorization")
                || name.equalsIgnoreCase("sign");
    }

    /**
     * The body decoded in the charset of its content type, UTF-8 (the platforms' encoding) if none
     * or unknown.
     */
    static String body(Response resp) {
        return resp.getResponseBody(charsetOf(resp.getContentType()));
    }

    /**
     * The answer's {@code Date} header in epoch millis, or {@link Long#MIN_VALUE} if it has none
     * that parses.
     */
    static long dateHeaderMillis(Response resp) {
        String date = resp.getHeader("Date");
        if (date == null) return Long.MIN_VALUE;
        try {
            return ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant()
                    .toEpochMilli();
        } catch (DateTimeParseException e) {
            return Long.MIN_VALUE; // a platform's own idea of a date tells us nothing reliable
        }
    }

    private static Charset charsetOf(String contentType) {
        if (contentType != null) {
            int i = contentType.toLowerCase(Locale.ROOT).indexOf("charset=");
            if (i >= 0) {
                try {
                    return Charset.forName(
                            contentType.substring(i + 8).replace("\"", "").split(";")[0].trim());
                } catch (RuntimeException ignored) {
                    // an unknown charset falls back to UTF-8, the platforms' encoding
                }
            }
        }
        return StandardCharsets.UTF_8;
    }
}
