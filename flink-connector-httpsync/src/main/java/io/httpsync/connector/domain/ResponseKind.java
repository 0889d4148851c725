package io.httpsync.connector.domain;

import org.apache.flink.annotation.PublicEvolving;

/** What an answer (or the lack of one) means for the request. */
@PublicEvolving
public enum ResponseKind {
    /** A page. */
    SUCCESS,
    /** Too many requests: wait (as long as the platform says), pause the tenant, retry. */
    RATE_LIMITED,
    /** The access token is invalid or expired: refresh it, retry. */
    TOKEN_EXPIRED,
    /**
     * A transient failure (5xx, timeout, connection, non-JSON or truncated body, retryable code):
     * back off, retry.
     */
    RETRYABLE,
    /**
     * Asking again gives the same answer (bad parameters, no permission, unknown code): fail at
     * once.
     */
    FATAL
}
