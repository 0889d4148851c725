package io.httpsync.connector.source.event;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import javax.annotation.Nullable;

/**
 * Enumerator to reader, in answer to a {@link TokenRequestEvent}: the tenant's access token and how
 * long to use it, or why there is none.
 *
 * @param tenant the tenant id
 * @param token the access token, or null if it could not be had
 * @param validForMillis how long from now the reader may use it; a duration rather than an instant,
 *     so that the clocks of the JobManager and the TaskManager need not agree
 * @param failure why there is no token (names the tenant, never a secret), or null
 * @param failureStatus the HTTP status of the token endpoint's refusal, or -1 (no answer, or no
 *     failure)
 */
@Internal
public record TokenEvent(
        String tenant,
        @Nullable String token,
        long validForMillis,
        @Nullable String failure,
        int failureStatus)
        implements SourceEvent {
    private static final long serialVersionUID = 2L;

    public static TokenEvent of(String tenant, String token, long validForMillis) {
        return new TokenEvent(tenant, token, Math.max(0, validForMillis), null, -1);
    }

    public static TokenEvent failed(String tenant, String failure) {
        return failed(tenant, failure, -1);
    }

    /**
     * @param failureStatus the HTTP status of the token endpoint's refusal, or -1 if it gave no
     *     answer
     */
    public static TokenEvent failed(String tenant, String failure, int failureStatus) {
        return new TokenEvent(tenant, null, 0, failure, failureStatus);
    }

    /** Without the token: events may be logged. */
    @Override
    public String toString() {
        return "TokenEvent{tenant="
                + tenant
                + (token == null
                        ? ", failure=" + failure
                        : ", token=******, validForMillis=" + validForMillis)
                + "}";
    }
}
