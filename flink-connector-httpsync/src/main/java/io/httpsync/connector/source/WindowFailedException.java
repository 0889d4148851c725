package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.FlinkRuntimeException;

import java.time.Instant;

/**
 * The cause of a failed bounded sync: a window failed {@code failures} times in a row with the same
 * lasting cause (see {@link HttpSyncSourceBuilder#setMaxWindowFailures}), so asking again would not
 * help. Its message names the tenant, the window and the platform's last answer, never a secret.
 * The enumerator fails the job with it without restarts; find it in the cause chain of the job's
 * failure.
 */
@PublicEvolving
public final class WindowFailedException extends FlinkRuntimeException {
    private static final long serialVersionUID = 1L;

    private final String tenant;
    private final long windowStart;
    private final long windowEnd;
    private final int failures;
    private final String reason;

    public WindowFailedException(
            String tenant, long windowStart, long windowEnd, int failures, String reason) {
        super(
                "window ["
                        + Instant.ofEpochMilli(windowStart)
                        + ", "
                        + Instant.ofEpochMilli(windowEnd)
                        + ") of tenant '"
                        + tenant
                        + "' failed "
                        + failures
                        + " times in a row with the same cause, so the bounded sync ends"
                        + " unfinished (asking again would give the same answer): "
                        + reason);
        this.tenant = tenant;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.failures = failures;
        this.reason = reason;
    }

    /** The first {@link WindowFailedException} in {@code error}'s cause chain, or null. */
    public static WindowFailedException findIn(Throwable error) {
        return ExceptionUtils.findThrowable(error, WindowFailedException.class).orElse(null);
    }

    public String tenant() {
        return tenant;
    }

    public long windowStart() {
        return windowStart;
    }

    public long windowEnd() {
        return windowEnd;
    }

    public int failures() {
        return failures;
    }

    /** The platform's last answer, or what else failed the window (no secrets). */
    public String reason() {
        return reason;
    }
}
