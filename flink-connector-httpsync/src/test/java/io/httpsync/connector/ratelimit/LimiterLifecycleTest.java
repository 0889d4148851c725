package io.httpsync.connector.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Limiters give back what they share: each holds a lease on the worker thread and the concurrency
 * counters while it is open, and once the last lease of the class loader is closed the worker
 * thread ends, so a cancelled job leaves nothing running in a TaskManager; requests waiting for the
 * job's allotment are cancelled when it closes and all granted when it arrives. (Other tests of
 * this JVM may hold limiters of their own: counts are relative.)
 */
class LimiterLifecycleTest {
    private static final BucketSpec SHOP =
            new BucketSpec("shop", BucketScope.TENANT, 50, Duration.ofSeconds(1), 1, 1, false);

    @Test
    void aLimiterHoldsTheSharedWorkerAndCountersOnlyWhileItIsOpen() throws Exception {
        int workerLeases = HierarchicalRateLimiter.WORKERS.leases();
        int counters = ConcurrencyLimits.SHARED.alive();
        RateLimitSpec spec = spec(2, 1);
        HierarchicalRateLimiter first = HierarchicalRateLimiter.evenShare(spec, 1);
        HierarchicalRateLimiter second = HierarchicalRateLimiter.forJob(spec);
        first.acquire("shop-1").get(5, TimeUnit.SECONDS);
        first.release("shop-1");
        assertThat(HierarchicalRateLimiter.WORKERS.leases()).isEqualTo(workerLeases + 2);
        assertThat(ConcurrencyLimits.SHARED.alive())
                .as("one set of counters per namespace")
                .isEqualTo(counters + 1);
        assertThat(limiterThreads()).isEqualTo(1);

        first.close();
        second.close();
        second.close(); // closing twice is harmless
        assertThat(HierarchicalRateLimiter.WORKERS.leases()).isEqualTo(workerLeases);
        assertThat(ConcurrencyLimits.SHARED.alive()).isEqualTo(counters);
        if (workerLeases == 0) waitUntilNoLimiterThread();
    }

    @Test
    void theWorkerThreadEndsWithTheLastLimiterAndANewOneStartsForTheNext() throws Exception {
        JvmShared<String, Thread> threads =
                new JvmShared<>(
                        name -> {
                            Thread t =
                                    new Thread(
                                            () -> {
                                                try {
                                                    Thread.sleep(Long.MAX_VALUE);
                                                } catch (InterruptedException e) {
                                                    // disposed
                                                }
                                            },
                                            name);
                            t.start();
                            return t;
                        },
                        Thread::interrupt);
        JvmShared<String, Thread>.Lease a = threads.acquire("w");
        JvmShared<String, Thread>.Lease b = threads.acquire("w");
        assertThat(a.value()).isSameAs(b.value());
        a.close();
        assertThat(a.value().isAlive()).as("still leased by b").isTrue();
        b.close();
        a.value().join(5_000);
        assertThat(a.value().isAlive()).as("disposed with the last lease").isFalse();
        JvmShared<String, Thread>.Lease c = threads.acquire("w");
        assertThat(c.value()).isNotSameAs(a.value());
        c.close();
        assertThat(threads.alive()).isZero();
    }

    @Test
    void aRequestWaitingForAnAllotmentIsCancelledWhenItsLimiterCloses() throws Exception {
        HierarchicalRateLimiter limiter = HierarchicalRateLimiter.forJob(spec(0, 0));
        CompletableFuture<Void> waiting = limiter.acquire("shop-1");
        Thread.sleep(100);
        assertThat(waiting).as("no allotment yet").isNotDone();
        limiter.close();
        assertThat(waiting).isCancelled();
    }

    /**
     * Requests that asked before the job's budget allotted anything (a reader's first windows, all
     * at once) all go out once an allotment arrives, paced by its bucket, even when it holds fewer
     * permits than there are waiters. They used to wait for good when the first had to wait for the
     * new bucket's refill: a bounded job then never ended, its reader idle.
     */
    @Test
    void everyRequestWaitingForAnAllotmentIsGrantedAfterItArrivesThoughItsBucketHoldsOnePermit()
            throws Exception {
        RateLimitSpec spec = spec(0, 0);
        try (HierarchicalRateLimiter limiter = HierarchicalRateLimiter.forJob(spec)) {
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) waiting.add(limiter.acquire("shop-1"));
            Thread.sleep(100);
            assertThat(waiting).as("no allotment yet").noneMatch(CompletableFuture::isDone);

            // 20 per second, burst 1: one at once, the others one by one, 50 ms apart
            limiter.allot(
                    new JobBudget.Allotments(
                            1, Map.of(spec.key(SHOP, "shop-1"), new Allotment(20, 1))));

            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Requests waiting behind a reader's bucket when the job takes its allotment away (another
     * reader's demand grew) wait for the next allotment, and all go out once it arrives. They used
     * to stay behind the bucket with no timer to wake them: when the new allotment granted the
     * first at once, the others waited for good, and a reader's last window never ended.
     */
    @Test
    void requestsWaitingBehindABucketWhoseAllotmentIsTakenAwayAreAllGrantedWhenOneReturns()
            throws Exception {
        RateLimitSpec spec = spec(0, 0);
        String key = spec.key(SHOP, "shop-1");
        try (HierarchicalRateLimiter limiter = HierarchicalRateLimiter.forJob(spec)) {
            // 2 per second, burst 1: the first at once, the others behind the bucket's refill
            limiter.allot(new JobBudget.Allotments(1, Map.of(key, new Allotment(2, 1))));
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) waiting.add(limiter.acquire("shop-1"));
            waiting.get(0).get(5, TimeUnit.SECONDS);

            limiter.allot(new JobBudget.Allotments(2, Map.of()));
            // the bucket's timer fires (after about 500 ms) with no bucket to take from
            Thread.sleep(800);
            assertThat(waiting.subList(1, 4)).noneMatch(CompletableFuture::isDone);

            limiter.allot(new JobBudget.Allotments(3, Map.of(key, new Allotment(1000, 10))));
            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.SECONDS);
        }
    }

    private static RateLimitSpec spec(int maxTenants, int maxPerTenant) {
        return new RateLimitSpec(
                List.of(SHOP),
                RateLimitSpec.Backend.JOB,
                null,
                "ns-" + UUID.randomUUID(),
                "orders",
                0.9,
                new RateLimitSpec.Adaptive(0.25, 0.05, 0.5, 0.9, 1000),
                maxTenants,
                maxPerTenant);
    }

    private static void waitUntilNoLimiterThread() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (limiterThreads() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(20);
        assertThat(limiterThreads()).as("limiter threads after the last limiter closed").isZero();
    }

    private static long limiterThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("httpsync-rate-limiter"))
                .count();
    }
}
