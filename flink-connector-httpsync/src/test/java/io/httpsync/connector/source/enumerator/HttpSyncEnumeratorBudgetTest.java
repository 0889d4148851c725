package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.ratelimit.Allotment;
import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.BudgetReport;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.ratelimit.RateLimitSpec;
import io.httpsync.connector.source.event.RateAllotmentEvent;
import io.httpsync.connector.source.event.ReaderPollEvent;

import org.apache.flink.api.connector.source.SourceEvent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enumerator holds the job's rate-limit budget: a reader's poll with demand is answered with
 * its allotments, unchanged allotments are not sent again, nothing goes to a reader that does not
 * speak, and a reader that registers again (its task restarted) frees what its predecessor held.
 */
class HttpSyncEnumeratorBudgetTest {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final BucketSpec SHOP =
            new BucketSpec("shop", BucketScope.TENANT, 10, Duration.ofSeconds(1), 1, 1, false);
    private static final RateLimitSpec LIMITS =
            new RateLimitSpec(
                    List.of(SHOP),
                    RateLimitSpec.Backend.JOB,
                    null,
                    "ns",
                    "orders",
                    0.9,
                    new RateLimitSpec.Adaptive(0.25, 0.05, 0.5, 0.9, 1000),
                    0,
                    0);
    private static final String KEY = LIMITS.key(SHOP, "a");

    private final EnumeratorHarness h =
            new EnumeratorHarness(
                    SyncPlan.builder()
                            .tenants("a")
                            .startTime(START)
                            .endTime(START.plus(Duration.ofHours(3)))
                            .step(Duration.ofHours(1))
                            .maxWindowWidth(Duration.ofHours(1))
                            .minWindowWidth(Duration.ofMinutes(5))
                            .clock(new ManualClock(START.plus(Duration.ofDays(1))))
                            .build(),
                    2,
                    new JobBudget(LIMITS));

    @Test
    void aPollWithDemandIsAnsweredWithTheReadersAllotmentOnce() {
        h.newEvents(0);
        Map<String, Allotment> first = poll(0, 2, JobBudget.Allotments.NONE);
        assertThat(first).containsOnlyKeys(KEY);
        assertThat(first.get(KEY)).isEqualTo(new Allotment(SHOP.safeRatePerSecond(0.9), 1));
        assertThat(allotments(h.newEvents(1))).as("reader 1 did not speak").isNull();

        h.enumerator.handleSourceEvent(
                0, new ReaderPollEvent(new BudgetReport(Map.of(KEY, 2), first, 1)));
        assertThat(allotments(h.newEvents(0))).as("nothing changed").isNull();
    }

    @Test
    void aRestartedReaderFreesWhatItsPredecessorHeld() {
        Map<String, Allotment> whole = poll(0, 1, JobBudget.Allotments.NONE);
        assertThat(poll(1, 1, JobBudget.Allotments.NONE))
                .as("reader 0 holds the whole bucket")
                .isNull();

        h.enumerator.addReader(
                0); // reader 0's task restarted: the old attempt is gone, the new one holds nothing
        assertThat(poll(1, 1, JobBudget.Allotments.NONE)).isEqualTo(whole);
    }

    /**
     * Reader {@code r} polls with {@code demand} requests for the tenant's key; returns the
     * allotments it got, or null.
     */
    private Map<String, Allotment> poll(int r, int demand, JobBudget.Allotments applied) {
        h.newEvents(r);
        h.enumerator.handleSourceEvent(
                r,
                new ReaderPollEvent(
                        new BudgetReport(
                                Map.of(KEY, demand), applied.byKey(), applied.sequence())));
        return allotments(h.newEvents(r));
    }

    private static Map<String, Allotment> allotments(List<SourceEvent> events) {
        return events.stream()
                .filter(e -> e instanceof RateAllotmentEvent)
                .map(e -> ((RateAllotmentEvent) e).allotments().byKey())
                .reduce((a, b) -> b)
                .orElse(null);
    }
}
