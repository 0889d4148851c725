package io.httpsync.contacts.fetch;

import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;

import org.apache.flink.annotation.Internal;

import java.util.Collection;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@link #cap} corps of one platform and egress IP fetching their directories at once; the
 * others wait their turn in the order they came (a fair semaphore: first come, first in). A corp
 * holds its place only while it fetches (the part that spends the platform's budgets; writing to
 * the database does not), and gives it back whatever happens: a failed or timed-out listing ends
 * its fetch (every listing is bounded), so a slow or failing corp holds one place and never more,
 * and the others go on.
 *
 * <p>Why a cap when the per-IP buckets already keep the rate under the limit: corps sharing an IP's
 * budget all slow down together as more of them run; with the cap, the corps in flight each get
 * about what they need (the document's estimate of requests per corp per minute) and finish, and
 * the next ones start, so each corp's run is short and the first corps land early, for the same
 * total throughput.
 *
 * <p>Thread-safe: any thread may {@link #enter}; the counters are atomic.
 */
@Internal
public final class CorpGate {
    /**
     * The document's estimate: a corp's sync makes about 6,000 requests within a minute, 1,000 a
     * minute.
     */
    public static final int DEFAULT_REQUESTS_PER_CORP_PER_MINUTE = 1000;

    private final String name;
    private final int cap;
    private final Semaphore places;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    /**
     * @param name what the gate is for, in messages (platform and namespace)
     * @param cap the most corps in flight; 0: no cap
     */
    public CorpGate(String name, int cap) {
        if (cap < 0)
            throw new IllegalArgumentException(
                    name + ": the cap on corps in flight cannot be negative, was " + cap);
        this.name = name;
        this.cap = cap;
        this.places = cap == 0 ? null : new Semaphore(cap, true);
    }

    /**
     * The cap the platform's shared budgets allow: for each bucket shared by all corps (per IP, per
     * API across corps, per app), its permits per minute divided by the requests a corp makes per
     * minute, the smallest of these, at least 1; 0 (no cap) if no bucket is shared. DingTalk:
     * 10,000 per 20 s = 30,000 a minute, / 1,000 = 30 corps; WeCom (a service provider's IP):
     * 1,200,000 an hour = 20,000 a minute, / 1,000 = 20 (its 40,000 a minute would allow 40).
     */
    public static int derivedCap(Collection<BucketSpec> buckets, int requestsPerCorpPerMinute) {
        if (requestsPerCorpPerMinute < 1)
            throw new IllegalArgumentException(
                    "contacts.requests-per-corp-per-minute must be at least 1, was "
                            + requestsPerCorpPerMinute);
        long cap = Long.MAX_VALUE;
        for (BucketSpec b : buckets) {
            if (b.scope() == BucketScope.TENANT || b.scope() == BucketScope.TENANT_API) continue;
            double perMinute = b.permits() * 60_000.0 / b.period().toMillis();
            cap = Math.min(cap, (long) Math.floor(perMinute / requestsPerCorpPerMinute));
        }
        return cap == Long.MAX_VALUE ? 0 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, cap));
    }

    /**
     * Waits for a place (in arrival order) and takes it; close the returned place to give it back.
     *
     * @throws InterruptedException if the thread is interrupted while waiting (nothing taken)
     */
    public Place enter() throws InterruptedException {
        if (places != null) {
            waiting.incrementAndGet();
            try {
                places.acquire();
            } finally {
                waiting.decrementAndGet();
            }
        }
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        return new Place();
    }

    public String name() {
        return name;
    }

    /** The most corps in flight; 0: no cap. */
    public int cap() {
        return cap;
    }

    /** Corps fetching now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Corps waiting for a place now. */
    public int waiting() {
        return waiting.get();
    }

    /** The most corps that were in flight at once since this gate was made. */
    public int peakInFlight() {
        return peak.get();
    }

    @Override
    public String toString() {
        return name + ": " + (cap == 0 ? "no cap" : "at most " + cap + " corps in flight");
    }

    /** A corp's place; closing it more than once gives it back once. */
    public final class Place implements AutoCloseable {
        private boolean closed;

        private Place() {}

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            inFlight.decrementAndGet();
            if (places != null) places.release();
        }
    }
}
