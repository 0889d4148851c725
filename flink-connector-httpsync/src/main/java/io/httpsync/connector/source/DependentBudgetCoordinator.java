package io.httpsync.connector.source;

import io.httpsync.connector.ratelimit.BudgetReport;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.runtime.operators.coordination.CoordinationRequest;
import org.apache.flink.runtime.operators.coordination.CoordinationRequestHandler;
import org.apache.flink.runtime.operators.coordination.CoordinationResponse;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.streaming.api.operators.collect.CollectCoordinationResponse;
import org.apache.flink.util.InstantiationUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The rate-limit budget of a dependent endpoint's fetch operator ({@link DependentFetchOperator})
 * with the {@code job} backend: the operator coordinator that makes its parallel instances holders
 * of the job's {@link JobBudget}, the same budget the source's enumerator divides among the
 * source's readers. So a bucket the child and the source both declare (an app-wide limit) is one
 * budget for readers and instances together, and a bucket only the child declares is divided among
 * its instances by demand, with one adaptive rate for all, as among readers.
 *
 * <p><b>Coordination requests, not operator events.</b> An instance sends its {@link BudgetReport}
 * ({@link Report}) every {@link DependentBudgetClient#REPORT_INTERVAL_MILLIS} and at once when a
 * request waits for a key it has no allotment of, and the answer to that request carries its
 * allotments when they changed. The answer must not be an operator event: Flink delivers those to
 * the task as mails of the lowest priority, and a fetch operator waiting for its fetches (its
 * capacity full, at a checkpoint barrier, at the end of its input) yields to its own mails only, so
 * an allotment its waiting fetches need would never be applied. The answer to a coordination
 * request completes a future off the task thread ({@link DependentBudgetClient}). An instance that
 * finishes says so ({@link Leaving}) and holds nothing any more; a failed or reset attempt holds
 * nothing, and its successor starts with nothing. A request of an attempt older than the newest one
 * seen is answered with nothing and changes nothing.
 *
 * <p>The answer is a {@link CollectCoordinationResponse} (Flink's own class) carrying the
 * allotments as bytes: on a real cluster the TaskManager's RPC layer deserializes an answer with
 * Flink's class loader, which does not see the classes of a job jar.
 *
 * <p>The coordinator keeps nothing in its checkpoint: allotments are not state, every instance asks
 * anew after a restore.
 *
 * <p>Thread contract: Flink calls every method, {@link #handleCoordinationRequest} included, on the
 * job master's main thread; the attempt numbers are touched there only. The budget itself is shared
 * with the source's coordinator thread and synchronizes.
 */
@Internal
final class DependentBudgetCoordinator implements OperatorCoordinator, CoordinationRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DependentBudgetCoordinator.class);

    /** Instance to coordinator: its demand, applied allotments and refusals. */
    record Report(int subtask, int attempt, BudgetReport report) implements CoordinationRequest {}

    /** Instance to coordinator, when it finished: it uses nothing any more. */
    record Leaving(int subtask, int attempt) implements CoordinationRequest {}

    private final Context context;
    private final String budgetId;
    private final RateLimitSpec spec;
    private final String group;

    /**
     * Per subtask, the lowest attempt number still allowed to hold a part: its newest attempt seen,
     * or one more than an attempt that failed.
     */
    private final Map<Integer, Integer> attempts = new HashMap<>();

    /** The job's budget, from {@link #start} to {@link #close}; null with the redis backend. */
    @Nullable private JobBudget.Membership membership;

    DependentBudgetCoordinator(Context context, String budgetId, RateLimitSpec spec) {
        this.context = context;
        this.budgetId = budgetId;
        this.spec = spec;
        this.group = "dependent:" + context.getOperatorId();
    }

    @Override
    public void start() {
        if (spec.backend() == RateLimitSpec.Backend.JOB) {
            membership = JobBudget.join(context.getUserCodeClassloader(), budgetId, spec, group);
        }
    }

    @Override
    public void close() {
        if (membership != null) membership.close();
        membership = null;
    }

    @Override
    public CompletableFuture<CoordinationResponse> handleCoordinationRequest(
            CoordinationRequest request) {
        return CompletableFuture.completedFuture(answer(allotmentsFor(request)));
    }

    /** The allotments to send in answer, or null when they did not change. */
    @Nullable
    private JobBudget.Allotments allotmentsFor(CoordinationRequest request) {
        if (membership == null) return null;
        JobBudget budget = membership.budget();
        if (request instanceof Leaving leaving) {
            if (current(leaving.subtask(), leaving.attempt()))
                budget.removeReader(new JobBudget.Holder(group, leaving.subtask()));
            return null;
        }
        if (!(request instanceof Report report))
            throw new IllegalArgumentException("unexpected request " + request);
        if (!current(report.subtask(), report.attempt())) return null;
        JobBudget.Holder holder = new JobBudget.Holder(group, report.subtask());
        budget.report(holder, report.report());
        return budget.allotmentsToSend(holder);
    }

    /**
     * Whether {@code attempt} of {@code subtask} may hold a part. A newer attempt than any seen
     * starts with nothing: whatever its predecessor held is free again.
     */
    private boolean current(int subtask, int attempt) {
        Integer lowest = attempts.get(subtask);
        if (lowest != null && attempt < lowest) return false;
        if (lowest == null || attempt > lowest) {
            attempts.put(subtask, attempt);
            forget(subtask);
        }
        return true;
    }

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        throw new IllegalArgumentException("unexpected event " + event);
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        result.complete(new byte[0]);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    @Override
    public void resetToCheckpoint(long checkpointId, @Nullable byte[] checkpointData) {
        // every instance restarts (as a newer attempt) and starts with nothing
        if (membership != null) membership.budget().removeGroup(group);
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        forget(subtask);
    }

    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, @Nullable Throwable reason) {
        // a request of the failed attempt still on its way must not take parts again
        attempts.merge(subtask, attemptNumber + 1, Math::max);
        forget(subtask);
    }

    @Override
    public void executionAttemptReady(int subtask, int attemptNumber, SubtaskGateway gateway) {
        // nothing is sent through the gateway; a new attempt starts with nothing
        current(subtask, attemptNumber);
    }

    private void forget(int subtask) {
        if (membership != null)
            membership.budget().removeReader(new JobBudget.Holder(group, subtask));
    }

    /** The answer to a request: the allotments, or none when they did not change. */
    static CoordinationResponse answer(@Nullable JobBudget.Allotments allotments) {
        List<byte[]> carried = new ArrayList<>();
        if (allotments != null) {
            try {
                carried.add(
                        InstantiationUtil.serializeToByteArray(
                                BytePrimitiveArraySerializer.INSTANCE,
                                InstantiationUtil.serializeObject(allotments)));
            } catch (IOException e) {
                throw new UncheckedIOException("allotments are serializable", e);
            }
        }
        return new CollectCoordinationResponse("", allotments == null ? 0 : 1, carried);
    }

    /**
     * The allotments an answer carries, read with the job's class loader; null when they did not
     * change (or the answer is not one of ours: a test gateway's null).
     */
    @Nullable
    static JobBudget.Allotments allotments(
            @Nullable CoordinationResponse response, ClassLoader userClassLoader)
            throws IOException, ClassNotFoundException {
        if (!(response instanceof CollectCoordinationResponse carried)) {
            if (response != null) LOG.warn("unexpected budget answer {}", response);
            return null;
        }
        List<byte[]> results = carried.getResults(BytePrimitiveArraySerializer.INSTANCE);
        if (results.isEmpty()) return null;
        return InstantiationUtil.deserializeObject(results.get(0), userClassLoader);
    }
}
