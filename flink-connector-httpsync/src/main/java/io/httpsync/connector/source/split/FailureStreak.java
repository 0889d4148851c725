package io.httpsync.connector.source.split;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.io.Serializable;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * How often a window failed in a row, and with which cause: part of the window's split, so that it
 * survives a checkpoint and a restore with the window (a restored job must not give a window that
 * keeps failing a fresh count). It decides when a failed window is read again and when a bounded
 * sync gives up on it (see {@link WindowFailure} and {@code SyncPlan#maxWindowFailures()}).
 *
 * <p>A failure with another cause than the previous one starts a new streak. A window that
 * finishes, or is replaced by other windows (split as too large or too early), leaves its streak
 * behind with its split.
 *
 * @param cause the {@link WindowFailure#cause() cause} of the last failure
 * @param failures how many failures in a row had that cause, at least 1
 */
@Internal
public record FailureStreak(String cause, int failures) implements Serializable {

    private static final long serialVersionUID = 1L;

    public FailureStreak {
        checkNotNull(cause, "cause");
        checkArgument(
                failures >= 1, "A failure streak counts at least one failure, not %s", failures);
    }

    /**
     * The streak after {@code failure}: one longer if it has the cause of {@code previous}, else a
     * new one.
     */
    public static FailureStreak after(@Nullable FailureStreak previous, WindowFailure failure) {
        return previous != null && previous.cause.equals(failure.cause())
                ? new FailureStreak(failure.cause(), previous.failures + 1)
                : new FailureStreak(failure.cause(), 1);
    }
}
