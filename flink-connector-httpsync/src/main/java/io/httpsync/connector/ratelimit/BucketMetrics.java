package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * What one bucket (by name, over all its keys) did for one limiter: permits granted, time requests
 * waited because of it, rate-limited answers seen, and its current rate in permits per second (the
 * adaptive rate of adaptive buckets). Updated from any thread; registered as gauges under {@code
 * rateLimit.<bucket>.*}.
 */
@Internal
public final class BucketMetrics {
    private final AtomicLong granted = new AtomicLong();
    private final AtomicLong waitNanos = new AtomicLong();
    private final AtomicLong rejections = new AtomicLong();
    private final DoubleSupplier rate;

    BucketMetrics(DoubleSupplier rate) {
        this.rate = rate;
    }

    void granted(long permits) {
        granted.addAndGet(permits);
    }

    void waited(long nanos) {
        waitNanos.addAndGet(nanos);
    }

    void rejected() {
        rejections.incrementAndGet();
    }

    public long permitsGranted() {
        return granted.get();
    }

    public long waitMillis() {
        return waitNanos.get() / 1_000_000;
    }

    public long rejections() {
        return rejections.get();
    }

    public double ratePerSecond() {
        return rate.getAsDouble();
    }

    void register(MetricGroup group) {
        group.gauge("permitsGranted", (Gauge<Long>) this::permitsGranted);
        group.gauge("waitMillis", (Gauge<Long>) this::waitMillis);
        group.gauge("rejections", (Gauge<Long>) this::rejections);
        group.gauge("ratePerSecond", (Gauge<Double>) this::ratePerSecond);
    }
}
