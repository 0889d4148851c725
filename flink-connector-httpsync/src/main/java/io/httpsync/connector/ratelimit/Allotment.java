package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;

/**
 * The part of one budget (a bucket key) that one limiter may use: a refill rate and a burst. The
 * allotments of every limiter of a job together never exceed the bucket's limit (see {@link
 * JobBudget}).
 *
 * @param ratePerSecond the refill rate of this limiter's bucket; 0 with {@code burst} 0 means no
 *     share at all
 * @param burst permits this limiter may save up and send at once
 */
@Internal
public record Allotment(double ratePerSecond, long burst) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** No share: requests covered by the key wait until an allotment arrives. */
    public static final Allotment NONE = new Allotment(0, 0);

    public Allotment {
        if (ratePerSecond < 0 || burst < 0 || Double.isNaN(ratePerSecond)) {
            throw new IllegalArgumentException(
                    "an allotment cannot be negative: " + ratePerSecond + "/s, burst " + burst);
        }
    }

    public boolean isNone() {
        return ratePerSecond <= 0 || burst <= 0;
    }

    /**
     * The larger of each part: what must be reserved while a limiter may still be at either
     * allotment.
     */
    Allotment max(Allotment other) {
        return new Allotment(
                Math.max(ratePerSecond, other.ratePerSecond), Math.max(burst, other.burst));
    }

    /** Whether every part of this is at most that of {@code other}. */
    boolean within(Allotment other) {
        return ratePerSecond <= other.ratePerSecond + 1e-9 && burst <= other.burst;
    }
}
