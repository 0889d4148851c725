package io.httpsync.connector.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.MetricGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The rate limiter of {@link RateLimitSpec}: a request takes {@code weight} permits from every bucket covering it
 * (app, API, IP, tenant, tenant and API), and goes out only when all of them have the permits at once.
 *
 * <p><b>Why take all at once instead of reserving ahead.</b> Bucket4j can reserve a future slot in one bucket
 * (going into debt), but a request waiting for its tenant bucket would then hold a slot of the app bucket that the
 * app bucket thinks is used now, while the request goes out later, together with the slots the app bucket hands out
 * meanwhile, and the app's window would overflow. So a request takes from every bucket only at the moment it may go
 * (handing back what it took if a later bucket has nothing), and otherwise learns from the bucket that refused how
 * long to wait, and queues behind that bucket; only the head of a bucket's queue is woken when its wait is over.
 *
 * <p><b>Sharing.</b> Buckets live in a {@link BucketStore} by key (namespace, bucket, its definition, and the
 * tenant or API of its scope): the JVM-wide
 * {@link LocalBucketStore} shares them between all subtasks in a TaskManager (and so a job's whole budget is used
 * by whichever subtasks are busy, instead of each getting {@code rate / parallelism}); the {@link RedisBucketStore}
 * shares them between TaskManagers and jobs.
 *
 * <p><b>Windows.</b> A bucket refills at {@link BucketSpec#safeRatePerSecond} times the utilization, so that a
 * platform counting any window of one period sees at most the limit, with room for jitter.
 *
 * <p><b>Rate-limited answers</b> put every bucket covering the tenant into debt worth the pause (the ban), so later
 * grants wait it out and then resume at the bucket's rate, and cut adaptive buckets ({@link AdaptiveRate}).
 *
 * <p><b>Threads.</b> All bucket operations (which may be Redis round trips) run on one JVM-wide daemon thread of the
 * limiters, never on the caller's thread; {@link #acquire}, {@link #release} and {@link #onRateLimited} only hand
 * off and may be called from any thread, including I/O threads.
 */
@Internal
public final class HierarchicalRateLimiter implements RateLimiter {
    private static final ScheduledThreadPoolExecutor WORKER = worker();

    private final RateLimitSpec spec;
    private final BucketStore store;
    private final ConcurrencyLimits concurrency;
    private final Map<String, List<Covering>> coveringByTenant = new ConcurrentHashMap<>();
    private final Map<String, AdaptiveRate> adaptiveByKey = new ConcurrentHashMap<>();
    private final Map<String, BucketMetrics> metrics = new LinkedHashMap<>();
    /** Grants waiting for a permit, by the key of the bucket that had none. Only on the worker thread. */
    private final Map<String, Waiters> waitersByBucket = new HashMap<>();

    public HierarchicalRateLimiter(RateLimitSpec spec) {
        this(spec, spec.backend() == RateLimitSpec.Backend.REDIS ? RedisBucketStore.of(spec.redisUri()) : LocalBucketStore.SHARED);
    }

    HierarchicalRateLimiter(RateLimitSpec spec, BucketStore store) {
        this.spec = spec;
        this.store = store;
        this.concurrency = ConcurrencyLimits.shared(spec.namespace(), spec.maxTenants(), spec.maxInFlightPerTenant());
        for (BucketSpec b : spec.buckets()) {
            metrics.put(b.name(), new BucketMetrics(() -> currentRate(b)));
        }
    }

    /** Metrics per bucket name, in the order of the spec. */
    public Map<String, BucketMetrics> metrics() {
        return Collections.unmodifiableMap(metrics);
    }

    /** Registers every bucket's metrics under {@code group.rateLimit.<bucket>}. */
    public void registerMetrics(MetricGroup group) {
        MetricGroup limits = group.addGroup("rateLimit");
        metrics.forEach((name, m) -> m.register(limits.addGroup(name)));
    }

    @Override
    public CompletableFuture<Void> acquire(String tenantId) {
        Grant grant = new Grant(tenantId, System.nanoTime());
        WORKER.execute(() -> guarded(grant, () -> enter(grant)));
        return grant.future;
    }

    @Override
    public void release(String tenantId) {
        if (!concurrency.unlimited()) concurrency.exit(tenantId);
    }

    @Override
    public void onRateLimited(String tenantId, Duration pause) {
        long now = System.currentTimeMillis();
        WORKER.execute(() -> {
            for (Covering c : covering(tenantId)) {
                metrics.get(c.spec.name()).rejected();
                if (c.adaptive != null && c.adaptive.decrease(now)) reconfigure(c);
                double rate = c.ratePerSecond();
                long debt = (long) Math.ceil(pause.toNanos() / 1e9 * rate);
                long toTake = c.bucket.getAvailableTokens() + debt;
                // concurrent answers may both add debt: the bucket then ends in at least the debt of one pause
                if (toTake > 0) c.bucket.consumeIgnoringRateLimits(toTake);
            }
        });
    }

    // ------------------------------------------------------------------ on the worker thread

    /** Runs a step of a grant; a failure (Redis unreachable) fails the grant instead of losing it. */
    private void guarded(Grant g, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            fail(g, e);
        }
    }

    private void fail(Grant g, RuntimeException e) {
        if (g.future.completeExceptionally(new IllegalStateException("rate limiter of namespace '" + spec.namespace()
                + "' failed: " + e.getClass().getSimpleName(), e))) {
            release(g.tenant);
        }
    }

    private void enter(Grant g) {
        if (g.future.isDone()) return;
        if (!concurrency.unlimited() && !concurrency.tryEnter(g.tenant, () -> WORKER.execute(() -> guarded(g, () -> enter(g))))) return;
        take(g);
    }

    /**
     * Takes the permits of every bucket covering the grant's tenant and grants it, or parks it behind the bucket that
     * had none. Returns the key of the bucket it was parked behind, or null if it is granted or given up.
     */
    private String take(Grant g) {
        if (g.future.isDone()) { // cancelled while waiting: what it entered is given back
            release(g.tenant);
            return null;
        }
        List<Covering> buckets = covering(g.tenant);
        for (int i = 0; i < buckets.size(); i++) {
            Covering c = buckets.get(i);
            if (c.adaptive != null && c.adaptive.maybeIncrease(System.currentTimeMillis())) reconfigure(c);
            ConsumptionProbe probe = c.bucket.tryConsumeAndReturnRemaining(c.spec.weight());
            if (!probe.isConsumed()) {
                for (int j = 0; j < i; j++) buckets.get(j).bucket.addTokens(buckets.get(j).spec.weight());
                g.blockedBy = c.spec.name();
                park(c.key, g, Math.max(1, probe.getNanosToWaitForRefill()));
                return c.key;
            }
        }
        long waited = System.nanoTime() - g.askedNanos;
        for (Covering c : buckets) metrics.get(c.spec.name()).granted(c.spec.weight());
        if (g.blockedBy != null) metrics.get(g.blockedBy).waited(waited);
        if (!g.future.complete(null)) release(g.tenant);
        return null;
    }

    /**
     * Queues a grant behind a bucket that had no permit. Only the head of a bucket's queue is woken when a permit is
     * due (one timer per bucket), instead of every waiter polling the bucket: with hundreds of waiters, polling kept
     * the worker so busy that it woke up late, and a full bucket of burst 1 wastes its refill while nobody takes.
     */
    private void park(String bucketKey, Grant g, long waitNanos) {
        Waiters w = waitersByBucket.computeIfAbsent(bucketKey, k -> new Waiters());
        if (bucketKey.equals(g.drainingFrom)) w.queue.addFirst(g); // the head stays the head
        else w.queue.addLast(g);
        if (!w.armed) {
            w.armed = true;
            WORKER.schedule(() -> drain(bucketKey, w), waitNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A permit of the bucket is due: grants its waiters in order until one has to wait again. */
    private void drain(String bucketKey, Waiters w) {
        w.armed = false;
        Grant g;
        while ((g = w.queue.pollFirst()) != null) {
            Grant grant = g;
            grant.drainingFrom = bucketKey;
            String parkedBehind;
            try {
                parkedBehind = take(grant);
            } catch (RuntimeException e) {
                parkedBehind = null;
                fail(grant, e);
            }
            grant.drainingFrom = null;
            if (bucketKey.equals(parkedBehind)) return; // the queue's timer is armed again
        }
        waitersByBucket.remove(bucketKey, w);
    }

    private List<Covering> covering(String tenant) {
        return coveringByTenant.computeIfAbsent(tenant, t -> {
            List<Covering> out = new ArrayList<>();
            for (BucketSpec b : spec.buckets()) {
                String key = bucketPrefix(b) + b.scope().key(spec.api(), t);
                double ceiling = b.safeRatePerSecond(spec.utilization());
                AdaptiveRate adaptive = b.adaptive()
                        ? adaptiveByKey.computeIfAbsent(key, k -> new AdaptiveRate(ceiling, spec.adaptive(), System.currentTimeMillis()))
                        : null;
                double rate = adaptive != null ? adaptive.rate() : ceiling;
                out.add(new Covering(b, key, store.bucket(key, configuration(b, rate)), adaptive, ceiling));
            }
            return List.copyOf(out);
        });
    }

    /**
     * {@code namespace:name:permits/period-ms/burst:}: a bucket's definition is part of its key, so that two
     * definitions under one name (a changed configuration, or a mistake) never silently share one bucket.
     */
    private String bucketPrefix(BucketSpec b) {
        return spec.namespace() + ":" + b.name() + ":" + b.permits() + "/" + b.period().toMillis() + "/" + b.burst() + ":";
    }

    private void reconfigure(Covering c) {
        c.bucket.replaceConfiguration(configuration(c.spec, c.adaptive.rate()), TokensInheritanceStrategy.AS_IS);
    }

    /** {@code burst} saved up at most, refilled one permit at a time at {@code ratePerSecond}. */
    private static BucketConfiguration configuration(BucketSpec b, double ratePerSecond) {
        long nanosPerPermit = Math.max(1, Math.round(1e9 / ratePerSecond));
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(b.burst()).refillGreedy(1, Duration.ofNanos(nanosPerPermit)).build())
                .build();
    }

    /** The rate of a bucket name: its adaptive rate (the lowest over its keys), else its fixed safe rate. */
    private double currentRate(BucketSpec b) {
        double ceiling = b.safeRatePerSecond(spec.utilization());
        if (!b.adaptive()) return ceiling;
        String prefix = bucketPrefix(b);
        return adaptiveByKey.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(e -> e.getValue().rate()).min().orElse(ceiling * spec.adaptive().initialFraction());
    }

    private static ScheduledThreadPoolExecutor worker() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "httpsync-rate-limiter");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /** One bucket covering a tenant's requests. */
    private record Covering(BucketSpec spec, String key, Bucket bucket, AdaptiveRate adaptive, double ceiling) {
        double ratePerSecond() {
            return adaptive != null ? adaptive.rate() : ceiling;
        }
    }

    /** The grants parked behind one bucket, and whether a timer will wake the head. Only on the worker thread. */
    private static final class Waiters {
        final ArrayDeque<Grant> queue = new ArrayDeque<>();
        boolean armed;
    }

    /** One acquire, from the ask to the grant. Touched only on the worker thread (the future from any). */
    private static final class Grant {
        final String tenant;
        final long askedNanos;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        String blockedBy;
        /** The key of the bucket whose queue is granting this one right now, if any. */
        String drainingFrom;

        Grant(String tenant, long askedNanos) {
            this.tenant = tenant;
            this.askedNanos = askedNanos;
        }
    }
}
