package io.httpsync.simulator.data;

import java.util.ArrayList;
import java.util.List;

/**
 * How much data a tenant holds and how it is spread over time: {@code records} evenly (random) over
 * {@code [now - spanMillis, now)}, plus the records of each hot window. Update times are creation
 * time plus a random delay, never in the future.
 */
public final class DataSpec {
    private int records = 1_000;
    private long spanMillis = 7L * 24 * 3600 * 1000;
    private long timeResolutionMillis = 1000;
    private long seed = 42;
    private final List<HotWindow> hotWindows = new ArrayList<>();

    public static DataSpec of(int records, long spanMillis) {
        return new DataSpec().records(records).spanMillis(spanMillis);
    }

    public DataSpec records(int n) {
        if (n < 0) throw new IllegalArgumentException("records must be >= 0, was " + n);
        this.records = n;
        return this;
    }

    public DataSpec spanMillis(long span) {
        if (span <= 0) throw new IllegalArgumentException("spanMillis must be > 0, was " + span);
        this.spanMillis = span;
        return this;
    }

    /**
     * Times are multiples of this (1000 for platforms whose time format has seconds, 1 for epoch
     * millis).
     */
    public DataSpec timeResolutionMillis(long resolution) {
        if (resolution <= 0) throw new IllegalArgumentException("timeResolutionMillis must be > 0");
        this.timeResolutionMillis = resolution;
        return this;
    }

    public DataSpec seed(long seed) {
        this.seed = seed;
        return this;
    }

    public DataSpec hotWindow(HotWindow w) {
        hotWindows.add(w);
        return this;
    }

    public int records() {
        return records;
    }

    public long spanMillis() {
        return spanMillis;
    }

    public long timeResolutionMillis() {
        return timeResolutionMillis;
    }

    public long seed() {
        return seed;
    }

    public List<HotWindow> hotWindows() {
        return List.copyOf(hotWindows);
    }
}
