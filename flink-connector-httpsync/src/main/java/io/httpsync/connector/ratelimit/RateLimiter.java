package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Decides when a tenant's next request may go out. One instance serves all splits of a reader; the
 * budgets behind it are the job's, divided among its readers by the enumerator, or every job's
 * through Redis (see {@link HierarchicalRateLimiter}). Non-blocking: {@link #acquire} answers with
 * a future, and the caller sends when it completes, never by sleeping. Every method may be called
 * from any thread, including I/O threads.
 */
@Internal
public interface RateLimiter {
    /**
     * Asks to send one request of {@code tenantId}. The future completes (on a thread of the
     * limiter, which must not be blocked by its dependents) when the request may go out now; the
     * caller must then call {@link #release} once, when the request has been answered or abandoned.
     * Cancelling the future gives up the request; a grant that races with the cancellation is
     * released by the limiter.
     */
    CompletableFuture<Void> acquire(String tenantId);

    /**
     * The request granted by an {@link #acquire} of {@code tenantId} is over (answered, failed or
     * never sent).
     */
    void release(String tenantId);

    /**
     * The platform refused a request of {@code tenantId} as too many; no permit of the buckets
     * covering the tenant should be handed out for at least {@code pause} from now, and adaptive
     * buckets slow down.
     */
    void onRateLimited(String tenantId, Duration pause);
}
