package io.httpsync.connector.source;

import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.ratelimit.JobBudget;

import org.apache.flink.runtime.operators.coordination.CoordinationRequest;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One dependent instance as a holder of the job's budget, as its task thread sees it. */
class DependentBudgetClientTest {
    /**
     * The task thread must not wait for the coordinator at the end of its input (before, it waited
     * up to twice 10 s): leaving returns while the last report is unanswered, and the coordinator
     * hears that the instance left only after that answer, so no report of it arrives afterwards.
     */
    @Test
    void leavingReturnsWhileTheLastReportIsUnansweredAndSaysSoAfterTheAnswer() throws Exception {
        CompletableFuture<JobBudget.Allotments> answer = new CompletableFuture<>();
        CompletableFuture<Void> left = new CompletableFuture<>();
        List<CoordinationRequest> asked = new CopyOnWriteArrayList<>();
        try (HierarchicalRateLimiter limiter =
                        HierarchicalRateLimiter.forReader(DependentBudgetCoordinatorTest.SPEC);
                DependentBudgetClient client =
                        new DependentBudgetClient(
                                limiter,
                                request -> {
                                    asked.add(request);
                                    if (request instanceof DependentBudgetCoordinator.Leaving)
                                        left.complete(null);
                                    return answer;
                                },
                                0,
                                0)) {
            client.start();
            long deadline = System.currentTimeMillis() + 60_000;
            while (asked.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(10);
            assertThat(asked.get(0)).isInstanceOf(DependentBudgetCoordinator.Report.class);

            client.leave();
            assertThat(left).as("left before the last report was answered").isNotDone();

            answer.complete(null);
            left.get(60, TimeUnit.SECONDS);
            assertThat(asked).hasSize(2);
            assertThat(asked.get(1)).isInstanceOf(DependentBudgetCoordinator.Leaving.class);
        }
    }
}
