package io.httpsync.contacts.fetch;

import io.httpsync.connector.testutil.RedisExtension;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cap on corps in flight shared through a real Redis (embedded): each {@link CorpGate} here has
 * its own connection and stands for one job (or process); they share nothing but Redis and the key
 * (platform and namespace).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedCorpGateITCase {
    @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> redis;

    @BeforeAll
    static void connect() {
        client = RedisClient.create(REDIS.uri());
        redis = client.connect();
    }

    @AfterAll
    static void disconnect() {
        redis.close();
        client.shutdown();
    }

    private static CorpGate job(String key, int cap, Duration lease) {
        return CorpGate.shared("dingtalk in namespace " + key, cap, REDIS.uri(), key, lease);
    }

    /** How many tickets wait in the line of {@code key}. */
    private static long inLine(String key) {
        return redis.sync().zcard("httpsync:corps-in-flight:{" + key + "}:line");
    }

    private static void awaitInLine(String key, long n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inLine(key) != n) {
            assertThat(System.nanoTime()).as("%d waiting in line", n).isLessThan(until);
            Thread.sleep(5);
        }
    }

    @Test
    void twoJobsSharingRedisNeverHaveMoreCorpsInFlightTogetherThanTheCap() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        try (CorpGate a = job("cap", 3, Duration.ofSeconds(1));
                CorpGate b = job("cap", 3, Duration.ofSeconds(1))) {
            assertThat(a.shared()).isTrue();
            List<CompletableFuture<Void>> corps = new ArrayList<>();
            for (CorpGate gate : List.of(a, b)) {
                for (int i = 0; i < 5; i++) {
                    corps.add(
                            CompletableFuture.runAsync(
                                    () -> {
                                        for (int run = 0; run < 2; run++) {
                                            try (CorpGate.Place p = gate.enter()) {
                                                max.accumulateAndGet(
                                                        now.incrementAndGet(), Math::max);
                                                Thread.sleep(40);
                                                now.decrementAndGet();
                                            } catch (InterruptedException e) {
                                                throw new IllegalStateException(e);
                                            }
                                        }
                                    }));
                }
            }
            CompletableFuture.allOf(corps.toArray(new CompletableFuture[0]))
                    .get(30, TimeUnit.SECONDS);
            System.out.printf(
                    "two jobs, cap 3 in Redis: at most %d corps in flight together (job a %d, job b %d)%n",
                    max.get(), a.peakInFlight(), b.peakInFlight());
            // alone, each job's 5 corps would all be in: 10 together
            assertThat(max.get()).isEqualTo(3);
            assertThat(inLine("cap")).isZero();
        }
    }

    @Test
    void aJobThatDiesHoldingAPlaceFreesItWithinALeaseWhileALiveHolderKeepsItByRenewing()
            throws Exception {
        Duration lease = Duration.ofMillis(600);
        CorpGate dying = job("crash", 1, lease);
        try (CorpGate other = job("crash", 1, lease)) {
            CorpGate.Place held = dying.enter();
            long waitFrom = System.nanoTime();
            CompletableFuture<Long> waited =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try (CorpGate.Place p = other.enter()) {
                                    return System.nanoTime();
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            // three leases: the holder renews its place, the other job keeps waiting
            Thread.sleep(3 * lease.toMillis());
            assertThat(waited).isNotDone();
            assertThat(other.waiting()).isOne();
            // the holder's process dies: no more renewals, its place never given back
            long died = System.nanoTime();
            dying.close();
            long in = waited.get(10, TimeUnit.SECONDS);
            long afterDeathMs = TimeUnit.NANOSECONDS.toMillis(in - died);
            System.out.printf(
                    "a dead holder's place was taken %d ms after it died (lease %d ms), %d ms after the wait began%n",
                    afterDeathMs, lease.toMillis(), TimeUnit.NANOSECONDS.toMillis(in - waitFrom));
            assertThat(afterDeathMs).isLessThan(3 * lease.toMillis());
            held.close(); // too late, and harmless: its connection is gone
        }
    }

    @Test
    void aJobThatDiesWaitingInLineDoesNotBlockTheLine() throws Exception {
        Duration lease = Duration.ofMillis(600);
        try (CorpGate holder = job("dead-waiter", 1, lease);
                CorpGate later = job("dead-waiter", 1, lease)) {
            CorpGate.Place held = holder.enter();
            CorpGate dying = job("dead-waiter", 1, lease);
            CompletableFuture<Void> deadWaiter =
                    CompletableFuture.runAsync(
                            () -> {
                                try (CorpGate.Place p = dying.enter()) {
                                    throw new AssertionError("the dead waiter got a place");
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            awaitInLine("dead-waiter", 1);
            // its process dies: it asks no more and never leaves the line itself
            dying.close();
            assertThat(deadWaiter)
                    .failsWithin(5, TimeUnit.SECONDS)
                    .withThrowableOfType(Exception.class)
                    .withStackTraceContaining("could not be used");
            CompletableFuture<Void> next =
                    CompletableFuture.runAsync(
                            () -> {
                                try (CorpGate.Place p = later.enter()) {
                                    // in
                                } catch (InterruptedException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            held.close();
            next.get(3 * lease.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void corpsOfTwoJobsGetTheirTurnsInTheOrderTheyCameWhateverJobTheyAreOf() throws Exception {
        try (CorpGate a = job("fair", 1, Duration.ofSeconds(2));
                CorpGate b = job("fair", 1, Duration.ofSeconds(2))) {
            CorpGate.Place held = a.enter();
            List<String> turns = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Void>> corps = new ArrayList<>();
            // a1, b1, a2, b2, a3, b3 come in this order while the one place is taken
            for (int i = 1; i <= 3; i++) {
                for (CorpGate gate : List.of(a, b)) {
                    String corp = (gate == a ? "a" : "b") + i;
                    corps.add(
                            CompletableFuture.runAsync(
                                    () -> {
                                        try (CorpGate.Place p = gate.enter()) {
                                            turns.add(corp);
                                            Thread.sleep(20);
                                        } catch (InterruptedException e) {
                                            throw new IllegalStateException(e);
                                        }
                                    }));
                    awaitInLine("fair", corps.size());
                }
            }
            held.close();
            CompletableFuture.allOf(corps.toArray(new CompletableFuture[0]))
                    .get(20, TimeUnit.SECONDS);
            assertThat(turns).containsExactly("a1", "b1", "a2", "b2", "a3", "b3");
        }
    }
}
