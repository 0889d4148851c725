package io.httpsync.connector.testutil;

import java.time.Duration;

/**
 * The range a bounded test sync covers: whole seconds (the coarsest time format of the platforms),
 * ending two minutes ago, since a bounded source must end at least its lag (one minute by default)
 * before now.
 */
public record BoundedRange(long start, long end) {
    public static BoundedRange lastDays(int days) {
        long now = System.currentTimeMillis();
        long start = now - Duration.ofDays(days).toMillis();
        long end = now - Duration.ofMinutes(2).toMillis();
        return new BoundedRange(start - start % 1000, end - end % 1000);
    }
}
