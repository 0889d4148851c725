package io.httpsync.connector.auth;

import org.apache.flink.annotation.Internal;

import java.util.concurrent.CompletableFuture;

/**
 * Hands out the access token of a tenant ({@code ${token}}). Asynchronous and non-blocking: every
 * method may be called from any thread, I/O threads included, and returns at once. Thread-safe.
 */
@Internal
public interface TokenProvider {
    /** The tenant's current token; fails with a message naming the tenant, never a secret. */
    CompletableFuture<String> token(Tenant tenant);

    /**
     * The platform answered that {@code token} is expired or invalid: forget it, so the next {@link
     * #token} call gets a new one. A token other than the current one (an older request's) is
     * ignored.
     */
    void invalidate(Tenant tenant, String token);

    /** Whether {@link #invalidate} leads to a different token (false for a static token). */
    boolean canRefresh();
}
