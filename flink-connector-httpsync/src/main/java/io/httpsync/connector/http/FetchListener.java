package io.httpsync.connector.http;

import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.List;

/**
 * Told what the page fetcher does, so the reader can keep metrics per tenant (requests, requests in
 * flight, retries, rate-limited answers, token fetches). Callbacks come from the caller's thread,
 * AHC I/O threads and the fetcher's timer thread, concurrently: implementations must be
 * thread-safe, quick and non-blocking (counters, gauges).
 */
@Internal
public interface FetchListener {
    FetchListener NONE = new FetchListener() {};

    /** A request of the tenant is sent: one more in flight. */
    default void onRequest(String tenantId) {}

    /** A request of the tenant came back (or failed without an answer): one fewer in flight. */
    default void onResponse(String tenantId, ResponseKind kind, long latencyNanos) {}

    /** The page will be asked for again after {@code delay}, because of an answer of this kind. */
    default void onRetry(String tenantId, ResponseKind cause, Duration delay) {}

    /**
     * The same as {@link #onRetry(String, ResponseKind, Duration)}, with what the answer was
     * ({@code description}, redacted of the tenant's secrets and token); by default passed on
     * without it.
     */
    default void onRetry(String tenantId, ResponseKind cause, Duration delay, String description) {
        onRetry(tenantId, cause, delay);
    }

    /**
     * The platform refused a request of the tenant as too many; the tenant pauses for {@code
     * pause}.
     */
    default void onRateLimited(String tenantId, Duration pause) {}

    /** A new token was fetched for the tenant. */
    default void onTokenFetched(String tenantId) {}

    /**
     * An answer told the platform's time (its {@code Date} header, whole seconds): {@code
     * platformMillis} as the platform's clock had it when it answered, {@code localMillis} this
     * machine's time when the answer was in.
     */
    default void onPlatformTime(String tenantId, long platformMillis, long localMillis) {}

    /** An answer came without a {@code Date} header that tells the platform's time. */
    default void onNoPlatformTime(String tenantId) {}

    /** A listener telling every one of {@code listeners}, in order. */
    static FetchListener all(FetchListener... listeners) {
        List<FetchListener> all = List.of(listeners);
        return new FetchListener() {
            @Override
            public void onRequest(String tenantId) {
                all.forEach(l -> l.onRequest(tenantId));
            }

            @Override
            public void onResponse(String tenantId, ResponseKind kind, long latencyNanos) {
                all.forEach(l -> l.onResponse(tenantId, kind, latencyNanos));
            }

            @Override
            public void onRetry(String tenantId, ResponseKind cause, Duration delay) {
                all.forEach(l -> l.onRetry(tenantId, cause, delay));
            }

            @Override
            public void onRetry(
                    String tenantId, ResponseKind cause, Duration delay, String description) {
                all.forEach(l -> l.onRetry(tenantId, cause, delay, description));
            }

            @Override
            public void onRateLimited(String tenantId, Duration pause) {
                all.forEach(l -> l.onRateLimited(tenantId, pause));
            }

            @Override
            public void onTokenFetched(String tenantId) {
                all.forEach(l -> l.onTokenFetched(tenantId));
            }

            @Override
            public void onPlatformTime(String tenantId, long platformMillis, long localMillis) {
                all.forEach(l -> l.onPlatformTime(tenantId, platformMillis, localMillis));
            }

            @Override
            public void onNoPlatformTime(String tenantId) {
                all.forEach(l -> l.onNoPlatformTime(tenantId));
            }
        };
    }
}
