package io.httpsync.connector.domain;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serial;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/**
 * A page request that failed for good: which endpoint, tenant, window and page, what the platform
 * answered last, after how many attempts, and when. It goes to a side output (and to a table or
 * topic from there), so it carries full context and no secret: the message is redacted of the
 * tenant's secrets and token. Immutable.
 */
@PublicEvolving
public final class ExceptionEvent implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    private final String endpoint;
    private final String tenantId;
    private final long windowStart;
    private final long windowEnd;
    private final String position;
    private final int httpStatus;
    private final String platformCode;
    private final ResponseKind kind;
    private final int attempts;
    private final String message;
    private final long timeMillis;

    /**
     * @param position the page position as serialized split state
     * @param httpStatus the last HTTP status, or -1 if no answer came
     * @param platformCode the platform's last code, or null
     * @param kind what the last answer meant
     */
    public ExceptionEvent(
            String endpoint,
            String tenantId,
            long windowStart,
            long windowEnd,
            String position,
            int httpStatus,
            String platformCode,
            ResponseKind kind,
            int attempts,
            String message,
            long timeMillis) {
        this.endpoint = endpoint;
        this.tenantId = tenantId;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.position = position;
        this.httpStatus = httpStatus;
        this.platformCode = platformCode;
        this.kind = kind;
        this.attempts = attempts;
        this.message = message;
        this.timeMillis = timeMillis;
    }

    /**
     * An event about a window that is not a failed request: a record that could not be decoded,
     * records beyond a deep-paging cap that could not be read. No HTTP status, no platform code, no
     * attempts.
     */
    public static ExceptionEvent ofWindow(
            String endpoint,
            String tenantId,
            long windowStart,
            long windowEnd,
            String position,
            String message,
            long timeMillis) {
        return new ExceptionEvent(
                endpoint,
                tenantId,
                windowStart,
                windowEnd,
                position,
                -1,
                null,
                ResponseKind.FATAL,
                0,
                message,
                timeMillis);
    }

    public String endpoint() {
        return endpoint;
    }

    public String tenantId() {
        return tenantId;
    }

    /** The window's start, epoch millis (inclusive). */
    public long windowStart() {
        return windowStart;
    }

    /** The window's end, epoch millis (exclusive). */
    public long windowEnd() {
        return windowEnd;
    }

    public String position() {
        return position;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String platformCode() {
        return platformCode;
    }

    public ResponseKind kind() {
        return kind;
    }

    public int attempts() {
        return attempts;
    }

    public String message() {
        return message;
    }

    public long timeMillis() {
        return timeMillis;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExceptionEvent e
                && e.windowStart == windowStart
                && e.windowEnd == windowEnd
                && e.httpStatus == httpStatus
                && e.attempts == attempts
                && e.timeMillis == timeMillis
                && e.endpoint.equals(endpoint)
                && e.tenantId.equals(tenantId)
                && Objects.equals(e.position, position)
                && Objects.equals(e.platformCode, platformCode)
                && e.kind == kind
                && e.message.equals(message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                endpoint,
                tenantId,
                windowStart,
                windowEnd,
                position,
                httpStatus,
                platformCode,
                kind,
                attempts,
                message,
                timeMillis);
    }

    @Override
    public String toString() {
        return "ExceptionEvent{endpoint="
                + endpoint
                + ", tenant="
                + tenantId
                + ", window=["
                + Instant.ofEpochMilli(windowStart)
                + ", "
                + Instant.ofEpochMilli(windowEnd)
                + "), position="
                + position
                + ", httpStatus="
                + httpStatus
                + ", platformCode="
                + platformCode
                + ", kind="
                + kind
                + ", attempts="
                + attempts
                + ", message="
                + message
                + ", time="
                + Instant.ofEpochMilli(timeMillis)
                + "}";
    }
}
