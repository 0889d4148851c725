package io.httpsync.connector.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/**
 * The job's budget divided among readers: parts follow demand, an idle reader holds nothing, and,
 * whatever the order in which readers hear of and apply their allotments, the allotments in force
 * never add up to more than the bucket.
 */
class JobBudgetTest {
    private static final double UTILIZATION = 0.9;
    private static final BucketSpec TENANT =
            new BucketSpec("shop", BucketScope.TENANT, 10, Duration.ofSeconds(1), 1, 1, false);
    private static final BucketSpec APP =
            new BucketSpec("app", BucketScope.APP, 100, Duration.ofSeconds(1), 4, 1, false);
    private static final RateLimitSpec SPEC =
            new RateLimitSpec(
                    List.of(APP, TENANT),
                    RateLimitSpec.Backend.JOB,
                    null,
                    "ns",
                    "orders",
                    UTILIZATION,
                    new RateLimitSpec.Adaptive(0.25, 0.05, 0.5, 0.9, 1000),
                    0,
                    0);
    private static final String SHOP = SPEC.key(TENANT, "shop-1");
    private static final String APP_KEY = SPEC.key(APP, "shop-1");

    private final JobBudget budget = new JobBudget(SPEC);

    @Test
    void aSingleReaderWithDemandGetsTheWholeBucket() {
        SimReader reader = new SimReader(0).wants(SHOP, 3).wants(APP_KEY, 3);
        Map<String, Allotment> mine = reader.pollAndApply();
        assertThat(mine.get(SHOP))
                .isEqualTo(new Allotment(TENANT.safeRatePerSecond(UTILIZATION), 1));
        assertThat(mine.get(APP_KEY))
                .isEqualTo(new Allotment(APP.safeRatePerSecond(UTILIZATION), 4));
        assertThat(new SimReader(1).pollAndApply()).as("a reader that asked for nothing").isEmpty();
    }

    @Test
    void aTenantWithALimitOfItsOwnGetsItForItsTenantBucketOnly() {
        budget.overrideTenantRate("shop-1", 100.0); // a shop raised from 10 to 100 per second
        SimReader reader = new SimReader(0).wants(SHOP, 3).wants(APP_KEY, 3);
        Map<String, Allotment> mine = reader.pollAndApply();
        BucketSpec raised =
                new BucketSpec("shop", BucketScope.TENANT, 100, Duration.ofSeconds(1), 1, 1, false);
        assertThat(mine.get(SHOP))
                .isEqualTo(new Allotment(raised.safeRatePerSecond(UTILIZATION), 1));
        assertThat(mine.get(APP_KEY))
                .as("the app's bucket, shared by all tenants, stays")
                .isEqualTo(new Allotment(APP.safeRatePerSecond(UTILIZATION), 4));

        budget.overrideTenantRate("shop-1", null);
        assertThat(reader.pollAndApply().get(SHOP))
                .isEqualTo(new Allotment(TENANT.safeRatePerSecond(UTILIZATION), 1));
    }

    @Test
    void aSecondReaderGetsItsPartOnlyAfterTheFirstConfirmedGivingItBack() {
        SimReader first = new SimReader(0).wants(SHOP, 2);
        first.pollAndApply();
        SimReader second = new SimReader(1).wants(SHOP, 2);
        assertThat(second.pollAndApply()).as("the first still runs at the whole bucket").isEmpty();

        first.poll(); // hears of its half, but has not applied it
        Allotment half = first.inTransit.peek().byKey().get(SHOP);
        // two bursts of 1 leave (10 + 1 - 2) per second for the two of them
        assertThat(half).isEqualTo(new Allotment(9 * UTILIZATION / 2, 1));
        assertThat(second.pollAndApply()).as("the first has not applied its half yet").isEmpty();

        first.hear();
        first.poll(); // confirms
        assertThat(second.pollAndApply().get(SHOP)).isEqualTo(half);
    }

    @Test
    void partsFollowDemandAndAnIdleReaderGivesItsPartBack() {
        SimReader busy = new SimReader(0).wants(APP_KEY, 3);
        SimReader calm = new SimReader(1).wants(APP_KEY, 1);
        for (int round = 0;
                round < 3;
                round++) { // parts move only as readers confirm: a few polls each
            busy.pollAndApply();
            calm.pollAndApply();
        }
        Allotment busyPart = busy.inForce(APP_KEY);
        Allotment calmPart = calm.inForce(APP_KEY);
        assertThat(busyPart.ratePerSecond()).isCloseTo(3 * calmPart.ratePerSecond(), offset(1e-9));
        assertThat(busyPart.burst() + calmPart.burst()).isLessThanOrEqualTo(APP.burst());

        calm.wants(APP_KEY, 0);
        assertThat(calm.pollAndApply()).as("no demand, no part").isEmpty();
        calm.poll(); // confirms it gave its part back
        assertThat(busy.pollAndApply().get(APP_KEY).ratePerSecond())
                .isCloseTo(APP.safeRatePerSecond(UTILIZATION), offset(1e-9));
    }

    @Test
    void aReaderThatIsGoneHoldsNothing() {
        Allotment whole = new SimReader(0).wants(SHOP, 1).pollAndApply().get(SHOP);
        budget.removeReader(0);
        assertThat(new SimReader(1).wants(SHOP, 1).pollAndApply().get(SHOP)).isEqualTo(whole);
    }

    @Test
    void evenSharesOfNLimitersAddUpToOneBucket() {
        for (int n = 1; n <= 10; n++) {
            for (BucketSpec b : List.of(TENANT, APP)) {
                Allotment each = JobBudget.evenShare(b, UTILIZATION, n);
                assertThat(n * cost(b, each))
                        .as("%d limiters of %s", n, b.name())
                        .isLessThanOrEqualTo(b.permits() + 1 + 1e-9);
                assertThat(each.burst()).isGreaterThanOrEqualTo(b.weight());
                assertThat(each.ratePerSecond()).isPositive();
            }
        }
        assertThat(JobBudget.evenShare(TENANT, UTILIZATION, 1))
                .isEqualTo(new Allotment(TENANT.safeRatePerSecond(UTILIZATION), TENANT.burst()));
        assertThatThrownBy(() -> JobBudget.evenShare(TENANT, UTILIZATION, 11))
                .hasMessageContaining("rate-limit bucket 'shop' allows 10 permits")
                .hasMessageContaining("11 parallel instances");
    }

    /**
     * Readers whose demand changes at random, who hear of allotments late and apply them in order:
     * at every moment, the allotments the readers actually run at add up to at most one bucket
     * (bursts plus rate over one period), and a reader that keeps wanting gets a part eventually.
     */
    @Test
    void allotmentsInForceNeverExceedTheBucketWhateverTheTiming() {
        Random random = new Random(42);
        for (int run = 0; run < 300; run++) {
            JobBudget shared = new JobBudget(SPEC);
            List<SimReader> readers = new ArrayList<>();
            for (int r = 0, n = 2 + random.nextInt(4); r < n; r++)
                readers.add(new JobBudgetTest().new SimReader(r, shared));
            for (int step = 0; step < 300; step++) {
                SimReader r = readers.get(random.nextInt(readers.size()));
                switch (random.nextInt(5)) {
                    case 0 -> r.wants(SHOP, random.nextInt(4)).wants(APP_KEY, random.nextInt(6));
                    case 1 -> r.poll();
                    case 2 -> {
                        if (random.nextInt(20)
                                == 0) { // the reader fails; its next attempt starts with nothing
                            shared.removeReader(r.id);
                            r.restart();
                        }
                    }
                    default -> r.hear();
                }
                for (BucketSpec b : List.of(TENANT, APP)) {
                    String key = b == TENANT ? SHOP : APP_KEY;
                    double total = readers.stream().mapToDouble(x -> cost(b, x.inForce(key))).sum();
                    assertThat(total)
                            .as("run %d step %d, %s", run, step, b.name())
                            .isLessThanOrEqualTo(b.permits() + 1 + 1e-6);
                }
            }
            // then everyone wants the shop and keeps polling and hearing: all get a part
            readers.forEach(r -> r.wants(SHOP, 1));
            for (int round = 0; round < 4 * readers.size(); round++)
                readers.forEach(SimReader::pollAndApply);
            assertThat(readers)
                    .as("run %d", run)
                    .allSatisfy(r -> assertThat(r.inForce(SHOP).isNone()).isFalse());
        }
    }

    private static double cost(BucketSpec b, Allotment a) {
        return a.ratePerSecond() * b.period().toNanos() / 1e9 / UTILIZATION + a.burst();
    }

    /**
     * A reader as the budget sees it: it reports, hears of allotments late, and applies them in
     * order.
     */
    @Test
    void aRefusalSeenByOneReaderCutsTheAdaptiveKeyForEveryReaderAndItGrowsBackForAll() {
        BucketSpec adaptiveApp =
                new BucketSpec("app", BucketScope.APP, 100, Duration.ofSeconds(1), 4, 1, true);
        RateLimitSpec spec =
                new RateLimitSpec(
                        List.of(adaptiveApp),
                        RateLimitSpec.Backend.JOB,
                        null,
                        "ns",
                        "orders",
                        UTILIZATION,
                        new RateLimitSpec.Adaptive(1.0, 0.05, 0.5, 0.85, 1000),
                        0,
                        0);
        String app = spec.key(adaptiveApp, "shop-1");
        long[] now = {0};
        JobBudget shared = new JobBudget(spec, () -> now[0]);
        SimReader refused = new SimReader(0, shared).wants(app, 2);
        SimReader other = new SimReader(1, shared).wants(app, 2);
        for (int round = 0; round < 3; round++) {
            refused.pollAndApply();
            other.pollAndApply();
        }
        double before = other.inForce(app).ratePerSecond();

        now[0] = 100;
        shared.report(
                0,
                new BudgetReport(
                        refused.demand,
                        refused.applied.byKey(),
                        refused.applied.sequence(),
                        Map.of(app, 3)));
        assertThat(shared.adaptiveFraction(app)).as("three answers, one cut").isEqualTo(0.5);
        assertThat(other.pollAndApply().get(app).ratePerSecond())
                .as("the reader that saw no refusal slows down too")
                .isCloseTo(before / 2, offset(1e-9));
        assertThat(refused.pollAndApply().get(app).ratePerSecond())
                .isCloseTo(before / 2, offset(1e-9));

        for (int second = 1; second <= 7; second++) { // 0.5 + 7 x 0.05
            now[0] = 100 + second * 1000L;
            refused.pollAndApply();
            other.pollAndApply();
        }
        assertThat(shared.adaptiveFraction(app)).as("back at the knee").isEqualTo(0.85);
        assertThat(other.inForce(app).ratePerSecond())
                .as("every step goes out, also those under the 10 %% hysteresis")
                .isCloseTo(before * 0.85, offset(1e-9));
    }

    @Test
    void
            aDependentEndpointsInstancesShareABucketTheSourceDeclaresAsWellWithItsReadersAndTheirOwnAmongThemselves() {
        // the child declares the source's app bucket and a bucket of its own API
        BucketSpec org =
                new BucketSpec("org", BucketScope.API, 20, Duration.ofSeconds(1), 2, 1, false);
        RateLimitSpec child =
                new RateLimitSpec(
                        List.of(APP, org),
                        RateLimitSpec.Backend.JOB,
                        null,
                        "ns",
                        "organizations",
                        UTILIZATION,
                        SPEC.adaptive(),
                        0,
                        0);
        String orgKey = child.key(org, "shop-1");
        assertThat(child.key(APP, "shop-1")).isEqualTo(APP_KEY);
        ClassLoader job = new java.net.URLClassLoader(new java.net.URL[0]);
        int before = JobBudget.registered();
        try (JobBudget.Membership source = JobBudget.join(job, "b-1", SPEC, JobBudget.READERS);
                JobBudget.Membership children = JobBudget.join(job, "b-1", child, "dependent:x")) {
            assertThat(children.budget()).isSameAs(source.budget());
            JobBudget shared = source.budget();
            SimReader reader = new SimReader(0, shared).wants(APP_KEY, 4).wants(SHOP, 4);
            SimReader first =
                    new SimReader(new JobBudget.Holder("dependent:x", 0), shared)
                            .wants(APP_KEY, 4)
                            .wants(orgKey, 4);
            SimReader second =
                    new SimReader(new JobBudget.Holder("dependent:x", 1), shared)
                            .wants(APP_KEY, 4)
                            .wants(orgKey, 4);
            for (int round = 0; round < 5; round++) {
                for (SimReader r : List.of(reader, first, second)) r.pollAndApply();
            }
            double app =
                    reader.inForce(APP_KEY).ratePerSecond()
                            + first.inForce(APP_KEY).ratePerSecond()
                            + second.inForce(APP_KEY).ratePerSecond();
            assertThat(app)
                    .as("readers and instances together: one app bucket")
                    .isCloseTo(APP.safeRatePerSecond(UTILIZATION), offset(1e-6));
            assertThat(reader.inForce(APP_KEY).ratePerSecond()).isPositive();
            assertThat(first.inForce(APP_KEY).ratePerSecond()).isPositive();
            assertThat(reader.inForce(orgKey)).isEqualTo(Allotment.NONE);
            double orgRate =
                    first.inForce(orgKey).ratePerSecond() + second.inForce(orgKey).ratePerSecond();
            assertThat(orgRate)
                    .as("the child's own bucket is divided among its instances")
                    .isCloseTo((20 + 1 - 2) * UTILIZATION, offset(1e-6));
            assertThat(first.inForce(orgKey).ratePerSecond()).isCloseTo(orgRate / 2, offset(1e-6));

            children.close();
            for (int round = 0; round < 2; round++) reader.pollAndApply();
            assertThat(reader.inForce(APP_KEY))
                    .as("the instances' parts are free once their coordinator closed")
                    .isEqualTo(new Allotment(APP.safeRatePerSecond(UTILIZATION), 4));
            assertThat(JobBudget.registered()).isEqualTo(before + 1);
        }
        assertThat(JobBudget.registered())
                .as("the last membership removes the budget")
                .isEqualTo(before);
    }

    private final class SimReader {
        final JobBudget.Holder id;
        final JobBudget budget;
        final Map<String, Integer> demand = new HashMap<>();
        final ArrayDeque<JobBudget.Allotments> inTransit = new ArrayDeque<>();
        JobBudget.Allotments applied = JobBudget.Allotments.NONE;

        SimReader(int id) {
            this(id, JobBudgetTest.this.budget);
        }

        SimReader(int id, JobBudget budget) {
            this(JobBudget.Holder.reader(id), budget);
        }

        SimReader(JobBudget.Holder id, JobBudget budget) {
            this.id = id;
            this.budget = budget;
        }

        SimReader wants(String key, int requests) {
            if (requests > 0) demand.put(key, requests);
            else demand.remove(key);
            return this;
        }

        void poll() {
            budget.report(id, new BudgetReport(demand, applied.byKey(), applied.sequence()));
            JobBudget.Allotments answer = budget.allotmentsToSend(id);
            if (answer != null) inTransit.add(answer);
        }

        void hear() {
            JobBudget.Allotments next = inTransit.poll();
            if (next != null) applied = next;
        }

        Map<String, Allotment> hearAll() {
            while (!inTransit.isEmpty()) hear();
            return applied.byKey();
        }

        Map<String, Allotment> pollAndApply() {
            poll();
            return hearAll();
        }

        void restart() {
            inTransit.clear();
            applied = JobBudget.Allotments.NONE;
        }

        Allotment inForce(String key) {
            return applied.byKey().getOrDefault(key, Allotment.NONE);
        }
    }
}
