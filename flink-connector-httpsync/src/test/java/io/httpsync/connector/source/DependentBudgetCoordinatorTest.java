package io.httpsync.connector.source;

import io.httpsync.connector.ratelimit.Allotment;
import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.BudgetReport;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.streaming.api.operators.collect.CollectCoordinationResponse;
import org.apache.flink.util.InstantiationUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The coordinator of a dependent endpoint's instances: answers their reports with allotments of the
 * job's budget, in answers that survive the RPC's serialization, and lets no stale attempt hold a
 * part.
 */
class DependentBudgetCoordinatorTest {
    private static final BucketSpec APP =
            new BucketSpec("app", BucketScope.APP, 10, Duration.ofSeconds(1), 2, 1, false);

    /**
     * One app bucket of 10 a second, the job's budget (also {@link DependentBudgetClientTest}'s).
     */
    static final RateLimitSpec SPEC =
            new RateLimitSpec(
                    List.of(APP),
                    RateLimitSpec.Backend.JOB,
                    null,
                    "ns",
                    "details",
                    0.9,
                    new RateLimitSpec.Adaptive(0.25, 0.05, 0.5, 0.9, 1000),
                    0,
                    0);

    private static final String KEY = SPEC.key(APP, "shop-1");
    private static final Allotment WHOLE = new Allotment(APP.safeRatePerSecond(0.9), 2);

    private DependentBudgetCoordinator coordinator;

    @BeforeEach
    void start() {
        coordinator =
                new DependentBudgetCoordinator(
                        new MockOperatorCoordinatorContext(
                                new OperatorID(), getClass().getClassLoader()),
                        UUID.randomUUID().toString(),
                        SPEC);
        coordinator.start();
    }

    @AfterEach
    void close() {
        coordinator.close();
    }

    @Test
    void anInstanceWithDemandIsAnsweredWithItsPartInAnAnswerThatSurvivesSerialization()
            throws Exception {
        JobBudget.Allotments answer = report(0, 0, 1, Map.of());
        assertThat(answer).isNotNull();
        assertThat(answer.byKey()).containsEntry(KEY, WHOLE);
        assertThat(report(0, 0, 1, answer.byKey(), answer.sequence()))
                .as("nothing changed: nothing to send")
                .isNull();
    }

    @Test
    void aFinishedInstancesPartGoesToTheOthersOnlyAfterItLeaves() throws Exception {
        JobBudget.Allotments first = report(0, 0, 1, Map.of());
        assertThat(first.byKey()).containsEntry(KEY, WHOLE);
        JobBudget.Allotments second = report(1, 0, 1, Map.of());
        assertThat(second == null ? Map.of() : second.byKey())
                .as("the first still runs at the whole bucket")
                .doesNotContainKey(KEY);

        coordinator.handleCoordinationRequest(new DependentBudgetCoordinator.Leaving(0, 0));
        assertThat(report(1, 0, 1, Map.of()).byKey()).containsEntry(KEY, WHOLE);
    }

    @Test
    void aNewAttemptStartsWithNothingAndAStaleAttemptTakesNothing() throws Exception {
        assertThat(report(0, 0, 1, Map.of()).byKey()).containsEntry(KEY, WHOLE);
        // attempt 0 failed without leaving: its successor needs no confirmation from it
        assertThat(report(0, 1, 1, Map.of()).byKey()).containsEntry(KEY, WHOLE);
        assertThat(report(0, 0, 1, Map.of())).as("a late report of attempt 0").isNull();

        coordinator.executionAttemptFailed(0, 1, null);
        assertThat(report(0, 1, 1, Map.of())).as("a late report of the failed attempt").isNull();
        assertThat(report(1, 0, 1, Map.of()).byKey())
                .as("the failed attempt's part is free")
                .containsEntry(KEY, WHOLE);
    }

    @Nullable
    private JobBudget.Allotments report(
            int subtask, int attempt, int demand, Map<String, Allotment> applied) throws Exception {
        return report(subtask, attempt, demand, applied, 0);
    }

    /** A report, and its answer as an instance on another JVM reads it. */
    @Nullable
    private JobBudget.Allotments report(
            int subtask, int attempt, int demand, Map<String, Allotment> applied, long sequence)
            throws Exception {
        BudgetReport report = new BudgetReport(Map.of(KEY, demand), applied, sequence);
        CoordinationResponse answer =
                coordinator
                        .handleCoordinationRequest(
                                new DependentBudgetCoordinator.Report(subtask, attempt, report))
                        .get();
        // a TaskManager's RPC layer reads the answer with Flink's class loader: Flink's class only
        assertThat(answer).isInstanceOf(CollectCoordinationResponse.class);
        CoordinationResponse sent =
                InstantiationUtil.deserializeObject(
                        InstantiationUtil.serializeObject(answer), getClass().getClassLoader());
        return DependentBudgetCoordinator.allotments(sent, getClass().getClassLoader());
    }
}
