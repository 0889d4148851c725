package io.httpsync.contacts.fetch;

import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;

import org.apache.flink.annotation.Internal;

import java.time.Duration;
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
 * <p>With the redis backend ({@link #shared}) the places are in Redis ({@link RedisCorpPlaces}):
 * the cap holds over every process and job using that Redis for the platform and egress IP, the
 * line is in arrival order over all of them, and a place a process took expires within a lease
 * unless that process renews it (it does, while the corp fetches), so a job that dies frees its
 * places. The counters below stay this process's.
 *
 * <p>Thread-safe: any thread may {@link #enter}; the counters are atomic; the places are
 * thread-safe ({@link Places}).
 */
@Internal
public final class CorpGate implements AutoCloseable {
    /** How long a place in Redis stays taken without being renewed, by default. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    /**
     * Where the places are: in this process or in Redis. Thread-safe: {@link #take} is called from
     * any number of threads at once.
     */
    interface Places extends AutoCloseable {
        /**
         * Waits for a place in arrival order and takes it; returns what gives it back (called
         * once).
         *
         * @throws InterruptedException if the thread is interrupted while waiting (nothing taken)
         */
        Runnable take() throws InterruptedException;

        @Override
        void close();
    }

    /** The shared places could not be used (Redis is unreachable); the message names the gate. */
    public static final class UnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A fair semaphore of this process. */
    private static final class LocalPlaces implements Places {
        private final Semaphore places;

        LocalPlaces(int cap) {
            this.places = new Semaphore(cap, true);
        }

        @Override
        public Runnable take() throws InterruptedException {
            places.acquire();
            return places::release;
        }

        @Override
        public void close() {}
    }

    /**
     * The document's estimate: a corp's sync makes about 6,000 requests within a minute, 1,000 a
     * minute.
     */
    public static final int DEFAULT_REQUESTS_PER_CORP_PER_MINUTE = 1000;

    private final String name;
    private final int cap;
    private final Places places;
    private final boolean shared;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    /**
     * @param name what the gate is for, in messages (platform and namespace)
     * @param cap the most corps in flight; 0: no cap
     */
    public CorpGate(String name, int cap) {
        this(name, checked(name, cap), cap == 0 ? null : new LocalPlaces(cap), false);
    }

    private CorpGate(String name, int cap, Places places, boolean shared) {
        this.name = name;
        this.cap = cap;
        this.places = places;
        this.shared = shared;
    }

    private static int checked(String name, int cap) {
        if (cap < 0)
            throw new IllegalArgumentException(
                    name + ": the cap on corps in flight cannot be negative, was " + cap);
        return cap;
    }

    /**
     * A gate whose places are in Redis, shared by every gate (of any process or job) with the same
     * Redis and {@code key}; with cap 0 (no cap), a gate of this process as the plain
     * constructor's.
     *
     * @param redisUri the Redis server (may hold a password: it appears in no message)
     * @param key what the places are of: the platform and its rate-limit namespace
     * @param lease how long a place stays taken unless renewed ({@code
     *     contacts.corps-in-flight-lease}); renewed every third of it while the corp fetches
     */
    public static CorpGate shared(
            String name, int cap, String redisUri, String key, Duration lease) {
        if (checked(name, cap) == 0) return new CorpGate(name, 0);
        return new CorpGate(name, cap, new RedisCorpPlaces(redisUri, key, name, cap, lease), true);
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
     * @throws UnavailableException if the places are in Redis and it cannot be used (nothing taken)
     */
    public Place enter() throws InterruptedException {
        Runnable giveBack = null;
        if (places != null) {
            waiting.incrementAndGet();
            try {
                giveBack = places.take();
            } finally {
                waiting.decrementAndGet();
            }
        }
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        return new Place(giveBack);
    }

    public String name() {
        return name;
    }

    /** The most corps in flight; 0: no cap. */
    public int cap() {
        return cap;
    }

    /** Whether the places are in Redis, shared with other processes and jobs. */
    public boolean shared() {
        return shared;
    }

    /** Corps of this process fetching now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Corps of this process waiting for a place now. */
    public int waiting() {
        return waiting.get();
    }

    /** The most corps of this process that were in flight at once since this gate was made. */
    public int peakInFlight() {
        return peak.get();
    }

    @Override
    public String toString() {
        return name
                + ": "
                + (cap == 0
                        ? "no cap"
                        : "at most " + cap + " corps in flight" + (shared ? " (in Redis)" : ""));
    }

    /**
     * Stops using the places: with Redis, stops renewing the places still held (they expire) and
     * closes the connection.
     */
    @Override
    public void close() {
        if (places != null) places.close();
    }

    /** A corp's place; closing it more than once gives it back once. */
    public final class Place implements AutoCloseable {
        private final Runnable giveBack;
        private boolean closed;

        private Place(Runnable giveBack) {
            this.giveBack = giveBack;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            inFlight.decrementAndGet();
            if (giveBack != null) giveBack.run();
        }
    }
}
