package io.httpsync.simulator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulator's notion of "now". Wall-clock time plus an adjustable offset, so a test can move
 * the platform into the future (token expiry, look-back limits, bans) without sleeping, or run the
 * platform's clock behind the client's (a platform whose clock is off). Every answer's {@code Date}
 * header, every update time a mutation stamps and every limit the platform checks follow this
 * clock.
 */
public final class SimClock {
    private final AtomicLong offsetMillis = new AtomicLong();

    public long now() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    /** Moves the platform's clock forward (or back, with a negative amount). */
    public void advance(long millis) {
        offsetMillis.addAndGet(millis);
    }

    /** How far the platform's clock is ahead of the machine's (negative: behind). */
    public long offsetMillis() {
        return offsetMillis.get();
    }
}
