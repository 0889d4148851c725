package io.httpsync.connector.source.reader;

import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Keeps a window from counting as finished when the platform's clock had not reached its end plus
 * the lag when its reading began: a platform whose clock runs behind ours stamps records later into
 * that window, after we read it (the sync position must never pass the platform's own "now"). The
 * enumerator plans windows against the platform's clock as the readers report it; this check
 * catches the windows planned before it was known, or while it fell further behind.
 *
 * <p>The platform's time when a window's reading began is estimated as the local time of its
 * assignment (before its first request) plus the skew known when the window ended ({@link
 * PlatformClock}, a lower bound): an estimate that errs towards "too early". A window is too early
 * only beyond {@value #TOLERANCE_MILLIS} ms, the rounding of the {@code Date} header plus network
 * time, so that a correct clock never triggers it. Without a known skew (no {@code Date} headers)
 * windows are not checked.
 *
 * <p>Mailbox thread only, like the reader that calls it.
 */
@Internal
final class PlatformClockCheck {
    static final long TOLERANCE_MILLIS = 2_000;

    private final PlatformClock clock;
    private final long lagMillis;

    /** Local time at which each window in progress was assigned (or restored). */
    private final Map<String, Long> startedAt = new HashMap<>();

    PlatformClockCheck(PlatformClock clock, long lagMillis) {
        this.clock = clock;
        this.lagMillis = lagMillis;
    }

    /** A window is about to be read. */
    void started(WindowSplit split) {
        startedAt.putIfAbsent(split.splitId(), clock.localMillis());
    }

    /**
     * The outcome of a window that ended: a finished window the platform's clock had not passed
     * becomes too early.
     */
    WindowOutcome ended(WindowSplit split, WindowOutcome outcome) {
        Long started = startedAt.remove(split.splitId());
        if (started == null || outcome.kind() != WindowOutcome.Kind.FINISHED) return outcome;
        OptionalLong skew = clock.skewMillis();
        if (skew.isEmpty()) return outcome;
        long platformReached = started + skew.getAsLong();
        return split.endMillis() + lagMillis > platformReached + TOLERANCE_MILLIS
                ? WindowOutcome.tooEarly(platformReached)
                : outcome;
    }
}
