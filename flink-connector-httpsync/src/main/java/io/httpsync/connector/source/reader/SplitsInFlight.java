package io.httpsync.connector.source.reader;

import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.http.FetchListener;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;

import java.io.Serializable;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How many windows a reader pages at once (each with one request in flight): a fixed number ({@code
 * scan.splits-in-flight}), or, by default, sized by Little's law so that the requests in flight
 * keep the rate-limit budget busy: the reader's requests per second times the request latency, with
 * headroom for the time a slot spends between two requests (emitting a page, taking a permit), at
 * most {@code scan.max-splits-in-flight}.
 *
 * @param fixed the number of windows, or 0: sized from the rate and the latency
 * @param max the most windows a reader pages at once when sized (the ceiling)
 */
@Internal
public record SplitsInFlight(int fixed, int max) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * The latency assumed until the first answer is in: a common one for open-platform list APIs.
     */
    static final Duration ASSUMED_LATENCY = Duration.ofMillis(200);

    /**
     * Weight of the newest answer in the moving average of latency (about the last ten answers).
     */
    static final double LATENCY_WEIGHT = 0.2;

    /**
     * Requests in flight per request the budget allows within one latency: a slot also waits for
     * its permit and for its page to be emitted, and latency varies.
     */
    static final double HEADROOM = 1.5;

    public SplitsInFlight {
        if (fixed < 0) throw new IllegalArgumentException("fixed must be >= 0, was " + fixed);
        if (max < 1) throw new IllegalArgumentException("max must be >= 1, was " + max);
    }

    public static SplitsInFlight fixed(int splits) {
        if (splits < 1)
            throw new IllegalArgumentException("splits in flight must be >= 1, was " + splits);
        return new SplitsInFlight(splits, Math.max(splits, 1));
    }

    public static SplitsInFlight sized(int max) {
        return new SplitsInFlight(0, max);
    }

    public boolean isSized() {
        return fixed == 0;
    }

    /**
     * The target of one reader.
     *
     * @param requestsPerSecond the requests per second this reader may make (its share of the
     *     tightest budget); read on every {@link Target#get}
     */
    Target target(DoubleSupplier requestsPerSecond) {
        return new Target(this, requestsPerSecond);
    }

    /**
     * One reader's target, following the latency of its answers.
     *
     * <p>Thread contract: {@link #onResponse} is called from HTTP I/O threads, {@link #get} from
     * the reader's mailbox and split fetcher threads; the moving average is one volatile field,
     * updated under this object's lock (updates are rare and short), read without it.
     */
    @Internal
    static final class Target implements FetchListener {
        private final SplitsInFlight spec;
        private final DoubleSupplier requestsPerSecond;

        /** The moving average of the latency of successful requests, in seconds; NaN: none yet. */
        private volatile double latencySeconds = Double.NaN;

        private Target(SplitsInFlight spec, DoubleSupplier requestsPerSecond) {
            this.spec = spec;
            this.requestsPerSecond = requestsPerSecond;
        }

        @Override
        public void onResponse(String tenantId, ResponseKind kind, long latencyNanos) {
            // only pages: a timeout or a refused request says nothing of how long a page takes
            if (kind != ResponseKind.SUCCESS || !spec.isSized()) return;
            observed(latencyNanos / 1e9);
        }

        @VisibleForTesting
        synchronized void observed(double seconds) {
            double before = latencySeconds;
            latencySeconds =
                    Double.isNaN(before) ? seconds : before + LATENCY_WEIGHT * (seconds - before);
        }

        /** The moving average of request latency, or the assumed one before any answer. */
        double latencySeconds() {
            double l = latencySeconds;
            return Double.isNaN(l) ? ASSUMED_LATENCY.toNanos() / 1e9 : l;
        }

        /**
         * How many windows the enumerator should plan for this reader, narrowing a bounded sync's
         * windows if the step gives fewer: the target when it is sized from a finite rate, else 0
         * (no narrowing). A fixed number or a reader without a rate limit has no budget to keep
         * busy, and narrower windows would only cost requests for partial last pages. Any thread.
         */
        int planningSlots() {
            if (!spec.isSized()) return 0;
            double rate = requestsPerSecond.getAsDouble();
            if (Double.isNaN(rate) || rate <= 0 || Double.isInfinite(rate)) return 0;
            return get();
        }

        /** How many windows the reader should page at once now. Any thread. */
        int get() {
            if (!spec.isSized()) return spec.fixed;
            double rate = requestsPerSecond.getAsDouble();
            if (Double.isNaN(rate) || rate <= 0 || Double.isInfinite(rate)) return spec.max;
            double wanted = Math.ceil(rate * latencySeconds() * HEADROOM) + 1;
            return (int) Math.max(1, Math.min(spec.max, wanted));
        }
    }
}
