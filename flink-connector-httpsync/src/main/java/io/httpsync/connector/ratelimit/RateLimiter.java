package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import java.time.Duration;

/**
 * Decides when a tenant's next request may go out. Shared by all splits of a reader (and, after issue 4, by all
 * subtasks and jobs). Non-blocking: it hands out reservations as delays, and the caller waits by scheduling, never by
 * sleeping. Implementations are thread-safe; every method may be called from any thread, including I/O threads.
 */
@Internal
public interface RateLimiter {
    /**
     * Reserves one permit for a request of {@code tenantId}.
     *
     * @return nanoseconds the caller must wait before sending (0: send now)
     */
    long reserve(String tenantId);

    /**
     * The platform refused a request of {@code tenantId} as too many; no permit of the tenant should be handed out
     * for at least {@code pause} from now (reservations already handed out cannot be recalled).
     */
    void onRateLimited(String tenantId, Duration pause);
}
