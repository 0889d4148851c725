package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.metrics.MetricGroup;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The rate limiter of {@link RateLimitSpec}: a request takes {@code weight} permits from every
 * bucket covering it (app, API, IP, tenant, tenant and API), and goes out only when all of them
 * have the permits at once.
 *
 * <p><b>Why take all at once instead of reserving ahead.</b> Bucket4j can reserve a future slot in
 * one bucket (going into debt), but a request waiting for its tenant bucket would then hold a slot
 * of the app bucket that the app bucket thinks is used now, while the request goes out later,
 * together with the slots the app bucket hands out meanwhile, and the app's window would overflow.
 * So a request takes from every bucket only at the moment it may go (handing back what it took if a
 * later bucket has nothing), and otherwise learns from the bucket that refused how long to wait,
 * and queues behind that bucket; only the head of a bucket's queue is woken when its wait is over.
 *
 * <p><b>Sharing a budget.</b> Each bucket key (namespace, bucket, its definition, and the tenant or
 * API of its scope) is one budget, and this limiter uses the part of it given by its {@link
 * Allotment}:
 *
 * <ul>
 *   <li>{@link #forJob}: the part the job's {@link JobBudget} (in the source's enumerator) allots
 *       to this reader, by demand, through {@link #allot}; a request waits while its key has no
 *       allotment. Every bucket is then one budget across all readers of the job on all
 *       TaskManagers.
 *   <li>{@link #evenShare}: a fixed {@code 1/n} part, for {@code n} limiters that cannot talk to
 *       each other (the parallel instances of a lookup function); {@code n = 1} is the whole
 *       budget.
 *   <li>{@link #redis}: buckets kept in Redis at the whole budget, shared by every limiter using
 *       that Redis and namespace, in any job.
 * </ul>
 *
 * <p><b>Windows.</b> A bucket refills at {@link BucketSpec#safeRatePerSecond} times the
 * utilization, so that a platform counting any window of one period sees at most the limit, with
 * room for jitter.
 *
 * <p><b>Rate-limited answers</b> put every bucket covering the tenant into debt worth the pause
 * (the ban; without one, the bucket is only emptied, so the next grant waits one refill at the
 * bucket's rate), so later grants wait it out and then resume at the bucket's rate, and cut
 * adaptive buckets ({@link AdaptiveRate}). Where the adapted rate lives follows the budget:
 * allotted by the job, it is the job's ({@link JobBudget}, told through {@link #budgetReport}), so
 * that every reader obeys it; with a fixed allotment (Redis, even shares), it is this limiter's,
 * and a Redis bucket's configuration carries it to the other limiters sharing the bucket.
 *
 * <p><b>Threads.</b> All bucket operations (which may be Redis round trips) run on one daemon
 * worker thread shared by the limiters of this class loader, never on the caller's thread; {@link
 * #acquire}, {@link #release}, {@link #onRateLimited} and {@link #allot} only hand off and may be
 * called from any thread, including I/O threads. {@link #budgetReport} may be called from any
 * thread. {@link #close} gives back the shared worker, concurrency counters and Redis connection
 * (each released when its last limiter closes).
 */
@Internal
public final class HierarchicalRateLimiter implements RateLimiter, AutoCloseable {
    @VisibleForTesting
    static final JvmShared<String, ScheduledThreadPoolExecutor> WORKERS =
            new JvmShared<>(name -> worker(), ScheduledThreadPoolExecutor::shutdownNow);

    private final RateLimitSpec spec;

    /** Where buckets of a fixed allotment live (Redis); null: this limiter's own local buckets. */
    @Nullable private final BucketStore store;

    /**
     * The allotment of a key that nobody allots (fixed modes); null: only {@link #allot} gives
     * allotments.
     */
    @Nullable private final Function<BucketSpec, Allotment> fixedAllotment;

    private final List<AutoCloseable> leases = new ArrayList<>();
    private final ScheduledThreadPoolExecutor worker;
    private final ConcurrencyLimits concurrency;
    private final Map<String, List<Covering>> coveringByTenant = new ConcurrentHashMap<>();

    /** One covering per bucket key. Only on the worker thread. */
    private final Map<String, Covering> coveringByKey = new HashMap<>();

    /**
     * Per-tenant buckets at a tenant's own rate ({@link #overrideTenantRate}), by key. Only on the
     * worker thread.
     */
    private final Map<String, BucketSpec> overriddenByKey = new HashMap<>();

    private final Map<String, AdaptiveRate> adaptiveByKey = new ConcurrentHashMap<>();
    private final Map<String, BucketMetrics> metrics = new LinkedHashMap<>();

    /**
     * Grants waiting for a permit, by the key of the bucket that had none. Only on the worker
     * thread.
     */
    private final Map<String, Waiters> waitersByBucket = new HashMap<>();

    /** Grants waiting for an allotment of a key that has none. Only on the worker thread. */
    private final Map<String, ArrayDeque<Grant>> unallotted = new HashMap<>();

    /**
     * Per key: requests asked for and not over now (written on the worker thread), and the most
     * since the last report.
     */
    private final Map<String, Integer> asked = new ConcurrentHashMap<>();

    private final Map<String, Integer> askedPeak = new ConcurrentHashMap<>();

    /**
     * Per key of an adaptive bucket allotted by the job: rate-limited answers since the last report
     * (written on the worker thread, drained by {@link #budgetReport}).
     */
    private final Map<String, Integer> refused = new ConcurrentHashMap<>();

    /**
     * The allotments applied, as one snapshot (replaced on the worker thread once a whole answer is
     * applied).
     */
    private volatile JobBudget.Allotments applied = JobBudget.Allotments.NONE;

    private volatile Runnable onAllotmentWanted = () -> {};

    private HierarchicalRateLimiter(
            RateLimitSpec spec,
            @Nullable BucketStore store,
            @Nullable Function<BucketSpec, Allotment> fixedAllotment) {
        this.spec = spec;
        this.store = store;
        this.fixedAllotment = fixedAllotment;
        this.worker = lease(WORKERS.acquire("worker")).value();
        this.concurrency =
                lease(
                                ConcurrencyLimits.SHARED.acquire(
                                        new ConcurrencyLimits.Key(
                                                spec.namespace(),
                                                spec.maxTenants(),
                                                spec.maxInFlightPerTenant())))
                        .value();
        for (BucketSpec b : spec.buckets()) {
            metrics.put(b.name(), new BucketMetrics(() -> currentRate(b)));
        }
    }

    /**
     * A reader's limiter of a job whose budgets the enumerator holds ({@link JobBudget}); see
     * {@link #allot}.
     */
    public static HierarchicalRateLimiter forJob(RateLimitSpec spec) {
        return new HierarchicalRateLimiter(spec, null, null);
    }

    /**
     * One of {@code n} limiters that each use a fixed, even part of every budget; {@code n = 1}:
     * the whole budget.
     */
    public static HierarchicalRateLimiter evenShare(RateLimitSpec spec, int n) {
        if (n < 1)
            throw new IllegalArgumentException(
                    "a budget is shared by at least one limiter, not " + n);
        return new HierarchicalRateLimiter(
                spec, null, b -> JobBudget.evenShare(b, spec.utilization(), n));
    }

    /**
     * A limiter whose buckets live in the Redis of the spec, shared with every limiter using it.
     */
    public static HierarchicalRateLimiter redis(RateLimitSpec spec) {
        if (spec.backend() != RateLimitSpec.Backend.REDIS)
            throw new IllegalArgumentException("the spec's backend is " + spec.backend());
        HierarchicalRateLimiter limiter = null;
        JvmShared<String, RedisBucketStore>.Lease lease =
                RedisBucketStore.SHARED.acquire(spec.redisUri());
        try {
            limiter =
                    new HierarchicalRateLimiter(
                            spec,
                            lease.value(),
                            b -> JobBudget.evenShare(b, spec.utilization(), 1));
            limiter.leases.add(lease);
            return limiter;
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /**
     * A limiter of one of {@code instances} processes (or subtasks) that cannot talk to each other
     * but each make all the requests of their own tenants, and whose limiters within the process
     * share {@code store}: buckets of a shared scope (app, API, IP) are an even {@code 1/instances}
     * part of their budget, held in {@code store} so that every limiter given it (one per API, say)
     * draws from the same part; per-tenant buckets are the whole budget (the caller guarantees that
     * a tenant's requests are made by one instance at a time). With the redis backend, every bucket
     * is the whole budget in Redis, shared by every limiter of any process using it, and {@code
     * store} and {@code instances} are not used.
     */
    public static HierarchicalRateLimiter sharedIn(
            RateLimitSpec spec, LocalBucketStore store, int instances) {
        if (spec.backend() == RateLimitSpec.Backend.REDIS) return redis(spec);
        if (instances < 1)
            throw new IllegalArgumentException(
                    "a budget is shared by at least one instance, not " + instances);
        return new HierarchicalRateLimiter(
                spec,
                store,
                b ->
                        JobBudget.evenShare(
                                b, spec.utilization(), b.scope().perTenant() ? 1 : instances));
    }

    /**
     * The limiter of one of {@code n} parallel instances that no enumerator allots budgets to (a
     * lookup function, a dependent endpoint's operator): {@link #redis} with the Redis backend,
     * else {@link #evenShare}, so that together they stay within every limit.
     */
    public static HierarchicalRateLimiter forParallelInstances(RateLimitSpec spec, int n) {
        return spec.backend() == RateLimitSpec.Backend.REDIS ? redis(spec) : evenShare(spec, n);
    }

    /**
     * The limiter the spec's backend asks for in a reader of a source: {@link #redis} or {@link
     * #forJob}.
     */
    public static HierarchicalRateLimiter forReader(RateLimitSpec spec) {
        return spec.backend() == RateLimitSpec.Backend.REDIS ? redis(spec) : forJob(spec);
    }

    /** The whole budget, in a given store (tests: two stores on one Redis stand for two JVMs). */
    @VisibleForTesting
    HierarchicalRateLimiter(RateLimitSpec spec, BucketStore store) {
        this(spec, store, b -> JobBudget.evenShare(b, spec.utilization(), 1));
    }

    private <L extends AutoCloseable> L lease(L lease) {
        leases.add(lease);
        return lease;
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

    /** Whether allotments come from {@link #allot} (the job's budget), not from a fixed share. */
    public boolean isAllottedByJob() {
        return fixedAllotment == null;
    }

    /**
     * Called (on the worker thread; it must only hand off) when a request waits for a key that has
     * no allotment, so that the reader asks the job's budget for one now instead of at its next
     * poll.
     */
    public void onAllotmentWanted(Runnable wanted) {
        this.onAllotmentWanted = wanted;
    }

    /**
     * Demand and applied allotments per key, for the job's budget. The peaks are reset. Any thread.
     */
    public BudgetReport budgetReport() {
        Map<String, Integer> demand = new HashMap<>();
        for (String key : askedPeak.keySet()) {
            Integer peak = askedPeak.remove(key);
            if (peak != null && peak > 0) demand.merge(key, peak, Math::max);
        }
        asked.forEach(
                (key, now) -> {
                    if (now > 0) demand.merge(key, now, Math::max);
                });
        Map<String, Integer> refusals = new HashMap<>();
        for (String key : refused.keySet()) {
            Integer n = refused.remove(key);
            if (n != null && n > 0) refusals.put(key, n);
        }
        JobBudget.Allotments now = applied;
        return new BudgetReport(demand, now.byKey(), now.sequence(), refusals);
    }

    /**
     * The requests per second the job's budget allotted this limiter: of each bucket the sum of its
     * keys' allotments (divided by the permits a request takes), the tightest bucket; NaN before
     * any allotment. Any thread.
     */
    public double allottedRequestsPerSecond() {
        Map<String, Allotment> byKey = applied.byKey();
        if (byKey.isEmpty()) return Double.NaN;
        double tightest = Double.NaN;
        for (BucketSpec b : spec.buckets()) {
            String prefix = spec.keyPrefix(b);
            double sum = 0;
            boolean any = false;
            for (Map.Entry<String, Allotment> e : byKey.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    sum += e.getValue().ratePerSecond();
                    any = true;
                }
            }
            if (any)
                tightest =
                        Double.isNaN(tightest)
                                ? sum / b.weight()
                                : Math.min(tightest, sum / b.weight());
        }
        return tightest;
    }

    /**
     * Gives a tenant a limit of its own (its property {@code rate-limit.permits-per-second}, e.g. a
     * shop raised from 10 to 100 requests per second): its tenant-scoped buckets ({@code tenant},
     * {@code tenant-api}) allow {@code permitsPerSecond} instead of the endpoint's, with at most
     * the endpoint's burst ({@link BucketSpec#atRate}); null: back to the endpoint's. For limiters
     * of a fixed allotment (Redis, even shares): allotted by the job, the job's {@link JobBudget}
     * holds the override. With Redis the bucket's new configuration reaches every limiter sharing
     * it. Buckets of other scopes stay as they are. Any thread; applied on the worker thread,
     * before any request the caller makes after it.
     */
    public void overrideTenantRate(String tenantId, @Nullable Double permitsPerSecond) {
        if (isAllottedByJob())
            throw new IllegalStateException(
                    "this limiter's allotments come from the job's budget, which holds overrides");
        worker.execute(
                () -> {
                    for (BucketSpec b : spec.buckets()) {
                        if (!b.scope().perTenant()) continue;
                        String key = spec.key(b, tenantId);
                        BucketSpec own = permitsPerSecond == null ? b : b.atRate(permitsPerSecond);
                        BucketSpec before =
                                own == b
                                        ? overriddenByKey.remove(key)
                                        : overriddenByKey.put(key, own);
                        Covering c = coveringByKey.get(key);
                        if (c == null || own.equals(before == null ? b : before)) continue;
                        c.spec = own;
                        apply(c, fixedAllotment.apply(own));
                    }
                });
    }

    /**
     * The job's budget allotted these parts (keys absent: none). Any thread; applied on the worker
     * thread.
     */
    public void allot(JobBudget.Allotments allotments) {
        if (!isAllottedByJob())
            throw new IllegalStateException("this limiter has fixed allotments");
        worker.execute(
                () -> {
                    Set<String> keys = new HashSet<>(coveringByKey.keySet());
                    keys.addAll(allotments.byKey().keySet());
                    for (String key : keys) {
                        Covering c = coveringByKey.get(key);
                        Allotment next = allotments.byKey().getOrDefault(key, Allotment.NONE);
                        if (c == null) {
                            // allotted before this limiter asked for it (a restarted reader's
                            // leftover): keep it for later
                            c = covering(key, spec.bucketOfKey(key));
                            if (c == null) continue;
                        }
                        if (!next.equals(c.allotment)) apply(c, next);
                    }
                    applied = allotments;
                });
    }

    @Override
    public CompletableFuture<Void> acquire(String tenantId) {
        Grant grant = new Grant(tenantId, System.nanoTime());
        worker.execute(() -> guarded(grant, () -> enter(grant)));
        return grant.future;
    }

    @Override
    public void release(String tenantId) {
        if (!concurrency.unlimited()) concurrency.exit(tenantId);
        try {
            worker.execute(
                    () -> {
                        for (Covering c : covering(tenantId))
                            asked.computeIfPresent(c.key, (k, n) -> n <= 1 ? null : n - 1);
                    });
        } catch (RejectedExecutionException closed) {
            // the limiter closed: nobody reads the demand any more
        }
    }

    @Override
    public void onRateLimited(String tenantId, Duration pause) {
        long now = System.currentTimeMillis();
        worker.execute(
                () -> {
                    for (Covering c : covering(tenantId)) {
                        metrics.get(c.spec.name()).rejected();
                        if (c.adaptive != null && c.adaptive.decrease(now)) reconfigure(c);
                        if (c.spec.adaptive() && isAllottedByJob()) {
                            refused.merge(c.key, 1, Integer::sum);
                            onAllotmentWanted.run(); // the job's rate is cut at the next poll
                        }
                        if (c.bucket == null) continue;
                        double rate = c.ratePerSecond();
                        long debt = (long) Math.ceil(pause.toNanos() / 1e9 * rate);
                        long toTake = c.bucket.getAvailableTokens() + debt;
                        // concurrent answers may both add debt: the bucket then ends in at least
                        // the debt of one pause
                        if (toTake > 0) c.bucket.consumeIgnoringRateLimits(toTake);
                    }
                });
    }

    /**
     * Gives back the shared worker, concurrency counters and Redis connection; grants still waiting
     * fail.
     */
    @Override
    public void close() {
        List<Grant> waiting = new ArrayList<>();
        try {
            worker.submit(
                            () -> {
                                waitersByBucket.values().forEach(w -> waiting.addAll(w.queue));
                                unallotted.values().forEach(waiting::addAll);
                                waitersByBucket.clear();
                                unallotted.clear();
                            })
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the worker is gone or stuck: nothing more to collect
        }
        waiting.forEach(g -> g.future.cancel(false));
        for (AutoCloseable lease : leases) {
            try {
                lease.close();
            } catch (Exception e) {
                // leases do not throw; a failure to close one must not keep the others
            }
        }
    }

    // ------------------------------------------------------------------ on the worker thread

    /**
     * Runs a step of a grant; a failure (Redis unreachable) fails the grant instead of losing it.
     */
    private void guarded(Grant g, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            fail(g, e);
        }
    }

    private void fail(Grant g, RuntimeException e) {
        if (g.future.completeExceptionally(
                new IllegalStateException(
                        "rate limiter of namespace '"
                                + spec.namespace()
                                + "' failed: "
                                + e.getClass().getSimpleName(),
                        e))) {
            release(g.tenant);
        }
    }

    private void enter(Grant g) {
        if (g.future.isDone()) return;
        if (!concurrency.unlimited()
                && !concurrency.tryEnter(
                        g.tenant, () -> worker.execute(() -> guarded(g, () -> enter(g))))) return;
        for (Covering c : covering(g.tenant)) {
            int now = asked.merge(c.key, 1, Integer::sum);
            askedPeak.merge(c.key, now, Math::max);
        }
        take(g);
    }

    /**
     * Takes the permits of every bucket covering the grant's tenant and grants it, or parks it
     * behind the bucket that had none (or the key without allotment). Returns the key it was parked
     * behind, or null if it is granted or given up.
     */
    private String take(Grant g) {
        if (g.future.isDone()) { // cancelled while waiting: what it entered is given back
            release(g.tenant);
            return null;
        }
        List<Covering> buckets = covering(g.tenant);
        for (int i = 0; i < buckets.size(); i++) {
            Covering c = buckets.get(i);
            if (c.bucket == null) {
                for (int j = 0; j < i; j++)
                    buckets.get(j).bucket.addTokens(buckets.get(j).spec.weight());
                g.blockedBy = c.spec.name();
                waitForAllotment(c.key, g);
                return c.key;
            }
            if (c.adaptive != null && c.adaptive.maybeIncrease(System.currentTimeMillis()))
                reconfigure(c);
            ConsumptionProbe probe = c.bucket.tryConsumeAndReturnRemaining(c.spec.weight());
            if (!probe.isConsumed()) {
                for (int j = 0; j < i; j++)
                    buckets.get(j).bucket.addTokens(buckets.get(j).spec.weight());
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

    private void waitForAllotment(String key, Grant g) {
        ArrayDeque<Grant> queue = unallotted.computeIfAbsent(key, k -> new ArrayDeque<>());
        boolean first = queue.isEmpty();
        if (key.equals(g.drainingFrom)) queue.addFirst(g);
        else queue.addLast(g);
        if (first) onAllotmentWanted.run();
    }

    /**
     * Queues a grant behind a bucket that had no permit. Only the head of a bucket's queue is woken
     * when a permit is due (one timer per bucket), instead of every waiter polling the bucket: with
     * hundreds of waiters, polling kept the worker so busy that it woke up late, and a full bucket
     * of burst 1 wastes its refill while nobody takes.
     */
    private void park(String bucketKey, Grant g, long waitNanos) {
        Waiters w = waitersByBucket.computeIfAbsent(bucketKey, k -> new Waiters());
        if (bucketKey.equals(g.drainingFrom)) w.queue.addFirst(g); // the head stays the head
        else w.queue.addLast(g);
        if (!w.armed) {
            w.armed = true;
            worker.schedule(() -> drain(bucketKey, w), waitNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A permit of the bucket is due: grants its waiters in order until one has to wait again. */
    private void drain(String bucketKey, Waiters w) {
        w.armed = false;
        if (drainQueue(bucketKey, w.queue)) return; // the queue's timer is armed again
        waitersByBucket.remove(bucketKey, w);
    }

    /**
     * Grants a queue's grants in order; true if one had to wait behind the same key's bucket again
     * (and so the rest too, woken by that bucket's armed timer). If the key lost its allotment
     * while they waited (the head went to wait for one), the rest join it there and false is
     * returned: left in the queue, with no timer armed, nothing would wake them once the allotment
     * came back and granted the head at once, and their pages would hang for good.
     */
    private boolean drainQueue(String key, ArrayDeque<Grant> queue) {
        Grant g;
        while ((g = queue.pollFirst()) != null) {
            Grant grant = g;
            grant.drainingFrom = key;
            String parkedBehind;
            try {
                parkedBehind = take(grant);
            } catch (RuntimeException e) {
                parkedBehind = null;
                fail(grant, e);
            }
            grant.drainingFrom = null;
            if (key.equals(parkedBehind)) {
                Covering c = coveringByKey.get(key);
                if (c == null || c.bucket != null) return true;
                ArrayDeque<Grant> forAllotment = unallotted.get(key);
                while ((g = queue.pollFirst()) != null) forAllotment.addLast(g);
                return false;
            }
        }
        return false;
    }

    /**
     * A key's allotment changed: its bucket is rebuilt at the new part, and grants waiting for one
     * go on.
     */
    private void apply(Covering c, Allotment next) {
        c.allotment = next;
        c.bucket = next.isNone() ? null : bucket(c, c.bucket);
        ArrayDeque<Grant> waiting = unallotted.get(c.key);
        if (c.bucket != null && waiting != null) {
            unallotted.remove(c.key, waiting);
            if (drainQueue(c.key, waiting)) {
                // one had to wait for the new bucket's next permit: the rest wait behind it, woken
                // by that bucket's timer. Left here, nothing would wake them (only another change
                // of allotment drains this queue), and their pages would hang for good.
                Waiters w = waitersByBucket.get(c.key);
                w.queue.addAll(waiting);
            }
        }
    }

    private List<Covering> covering(String tenant) {
        return coveringByTenant.computeIfAbsent(
                tenant,
                t -> {
                    List<Covering> out = new ArrayList<>();
                    for (BucketSpec b : spec.buckets()) out.add(covering(spec.key(b, t), b));
                    return List.copyOf(out);
                });
    }

    private Covering covering(String key, @Nullable BucketSpec endpointBucket) {
        if (endpointBucket == null) return null;
        BucketSpec b = overriddenByKey.getOrDefault(key, endpointBucket);
        return coveringByKey.computeIfAbsent(
                key,
                k -> {
                    double ceiling = b.safeRatePerSecond(spec.utilization());
                    // allotted by the job, the adapted rate is the job's (JobBudget)
                    AdaptiveRate adaptive =
                            b.adaptive() && fixedAllotment != null
                                    ? adaptiveByKey.computeIfAbsent(
                                            key,
                                            x ->
                                                    new AdaptiveRate(
                                                            ceiling,
                                                            spec.adaptive(),
                                                            System.currentTimeMillis()))
                                    : null;
                    Covering c = new Covering(b, key, adaptive, ceiling);
                    c.allotment = fixedAllotment == null ? Allotment.NONE : fixedAllotment.apply(b);
                    if (!c.allotment.isNone()) c.bucket = bucket(c, null);
                    return c;
                });
    }

    /**
     * A bucket at the covering's allotment (and adaptive rate): from the store, or a local one that
     * starts with what the bucket it replaces had left (at most the new burst), so that a change of
     * allotment never creates permits.
     */
    private Bucket bucket(Covering c, @Nullable Bucket replaced) {
        BucketConfiguration config = configuration(c);
        if (store != null) {
            Bucket b = store.bucket(c.key, config);
            if (replaced != null) b.replaceConfiguration(config, TokensInheritanceStrategy.AS_IS);
            return b;
        }
        long initial =
                replaced == null
                        ? c.allotment.burst()
                        : Math.max(0, Math.min(replaced.getAvailableTokens(), c.allotment.burst()));
        return Bucket.builder()
                .withNanosecondPrecision()
                .addLimit(
                        Bandwidth.builder()
                                .capacity(c.allotment.burst())
                                .refillGreedy(1, Duration.ofNanos(nanosPerPermit(c)))
                                .initialTokens(initial)
                                .build())
                .build();
    }

    private void reconfigure(Covering c) {
        if (c.bucket != null) c.bucket = bucket(c, c.bucket);
    }

    /** {@code burst} saved up at most, refilled one permit at a time at the covering's rate. */
    private static BucketConfiguration configuration(Covering c) {
        return BucketConfiguration.builder()
                .addLimit(
                        Bandwidth.builder()
                                .capacity(c.allotment.burst())
                                .refillGreedy(1, Duration.ofNanos(nanosPerPermit(c)))
                                .build())
                .build();
    }

    private static long nanosPerPermit(Covering c) {
        return Math.max(1, Math.round(1e9 / c.ratePerSecond()));
    }

    /**
     * The rate of a bucket name over its keys: the lowest adaptive or allotted rate, else the fixed
     * safe rate.
     */
    private double currentRate(BucketSpec b) {
        String prefix = spec.keyPrefix(b);
        return coveringRates().entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToDouble(Map.Entry::getValue)
                .min()
                .orElse(
                        b.safeRatePerSecond(spec.utilization())
                                * (b.adaptive() ? spec.adaptive().initialFraction() : 1));
    }

    /**
     * Current rates of the keys in use; read by the metric reporter thread (a snapshot of volatile
     * fields).
     */
    private Map<String, Double> coveringRates() {
        Map<String, Double> rates = new HashMap<>();
        coveringByTenant
                .values()
                .forEach(
                        list ->
                                list.forEach(
                                        c -> {
                                            if (!c.allotment.isNone())
                                                rates.put(c.key, c.ratePerSecond());
                                        }));
        return rates;
    }

    private static ScheduledThreadPoolExecutor worker() {
        ScheduledThreadPoolExecutor e =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, "httpsync-rate-limiter");
                            t.setDaemon(true);
                            return t;
                        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /**
     * One bucket key covering requests, with its allotment and bucket (null while it has no
     * allotment). Fields are written on the worker thread; volatile so that metric gauges read a
     * consistent value.
     */
    private static final class Covering {
        /** The endpoint's bucket, or the tenant's own ({@link #overrideTenantRate}). */
        volatile BucketSpec spec;

        final String key;
        @Nullable final AdaptiveRate adaptive;
        final double ceiling;
        volatile Allotment allotment = Allotment.NONE;
        @Nullable volatile Bucket bucket;

        Covering(BucketSpec spec, String key, @Nullable AdaptiveRate adaptive, double ceiling) {
            this.spec = spec;
            this.key = key;
            this.adaptive = adaptive;
            this.ceiling = ceiling;
        }

        /** The allotted rate, scaled down by the adaptive rate's part of the ceiling. */
        double ratePerSecond() {
            double rate = allotment.ratePerSecond();
            return adaptive == null ? rate : rate * adaptive.rate() / ceiling;
        }
    }

    /**
     * The grants parked behind one bucket, and whether a timer will wake the head. Only on the
     * worker thread.
     */
    private static final class Waiters {
        final ArrayDeque<Grant> queue = new ArrayDeque<>();
        boolean armed;
    }

    /**
     * One acquire, from the ask to the grant. Touched only on the worker thread (the future from
     * any).
     */
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
