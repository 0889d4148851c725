package io.httpsync.connector.source;

import io.httpsync.connector.ratelimit.BudgetReport;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.ratelimit.JobBudget;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.operators.coordination.CoordinationRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One instance of a dependent fetch operator as a holder of the job's budget: reports its limiter's
 * demand to the operator's {@link DependentBudgetCoordinator} every {@link #REPORT_INTERVAL_MILLIS}
 * (and at once when a request waits for a key it has no allotment of), and applies the allotments
 * the answers carry to the limiter.
 *
 * <p>Nothing here passes through the task's mailbox: the operator waits for its fetches by yielding
 * to the mailbox at its own priority, so an allotment arriving as a mail would wait behind the very
 * fetches that need it. Reports go out as coordination requests from a timer thread of this
 * instance, and their answers complete off the task thread and go straight to the limiter.
 *
 * <p>Thread contract: {@link #start}, {@link #leave} and {@link #close} are called on the task
 * thread and never wait: {@link #leave} hands its waiting for the last answer to the timer thread.
 * Reports, their answers and the asking state ({@link #inFlight}, {@link #lastEmpty}, {@link
 * #stopped}) run on this instance's one timer thread only; the limiter's worker only hands off to
 * it ({@link #wanted}). The {@link DependentBudgetCoordinator.Leaving} request goes out from the
 * thread that completes the last answer (the timer thread, or the answering thread once the timer
 * is shut down), or from the JDK's delay thread when that answer does not come in time; the channel
 * is thread-safe. The limiter's {@link HierarchicalRateLimiter#budgetReport} and {@link
 * HierarchicalRateLimiter#allot} may be called from any thread (the limiter applies allotments on
 * its own worker).
 */
@Internal
final class DependentBudgetClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DependentBudgetClient.class);

    /**
     * How often an instance reports its demand to the job's budget (as often as the source's
     * readers poll at most), so that parts move to where the demand is.
     */
    static final long REPORT_INTERVAL_MILLIS = 200;

    /** How long {@link #leave} waits for the last report's answer before saying it leaves. */
    private static final long LEAVE_WAIT_MILLIS = 10_000;

    /** Sends a request to the operator's coordinator; the future holds the answer's allotments. */
    @FunctionalInterface
    interface Channel {
        /** The allotments of the answer, or null when they did not change. */
        CompletableFuture<JobBudget.Allotments> ask(CoordinationRequest request);
    }

    private final HierarchicalRateLimiter limiter;
    private final Channel channel;
    private final int subtask;
    private final int attempt;
    private final ScheduledExecutorService timer;

    /** A report is queued on the timer thread already (raised by the limiter's worker). */
    private final AtomicBoolean wanted = new AtomicBoolean();

    /** The report whose answer is awaited, or null. Timer thread. */
    @Nullable private CompletableFuture<?> inFlight;

    /** A report was wanted while one was in flight: send one more when it is answered. */
    private boolean again;

    /** The last report sent was empty: another empty one says nothing new. Timer thread. */
    private boolean lastEmpty;

    /** The instance finished: nothing is reported any more. Timer thread. */
    private boolean stopped;

    DependentBudgetClient(
            HierarchicalRateLimiter limiter, Channel channel, int subtask, int attempt) {
        this.limiter = limiter;
        this.channel = channel;
        this.subtask = subtask;
        this.attempt = attempt;
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "httpsync-dependent-budget-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** Task thread: starts reporting. */
    void start() {
        // a request waits for a key without an allotment: ask now, not at the next report
        limiter.onAllotmentWanted(
                () -> {
                    if (wanted.compareAndSet(false, true)) run(this::report);
                });
        timer.scheduleWithFixedDelay(
                this::report, 0, REPORT_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Timer thread. */
    private void report() {
        wanted.set(false);
        if (stopped) return;
        if (inFlight != null && !inFlight.isDone()) {
            again = true;
            return;
        }
        BudgetReport report = limiter.budgetReport();
        if (report.isEmpty() && lastEmpty) return;
        lastEmpty = report.isEmpty();
        CompletableFuture<JobBudget.Allotments> answer;
        try {
            answer = channel.ask(new DependentBudgetCoordinator.Report(subtask, attempt, report));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        inFlight =
                answer.whenCompleteAsync(
                        (allotments, failure) -> {
                            if (failure != null) {
                                // the coordinator is not there yet or is being restored: the
                                // next report asks again, even an empty one
                                lastEmpty = false;
                                LOG.debug("budget report of subtask {} failed", subtask, failure);
                            } else if (allotments != null && !stopped) {
                                limiter.allot(allotments);
                            }
                            if (again) {
                                again = false;
                                report();
                            }
                        },
                        timer);
    }

    /**
     * Task thread, when the instance finished and nothing is fetched any more: stops reporting and
     * tells the budget that this instance's parts are free, after the last report's answer (so that
     * no report arrives after it), or after {@link #LEAVE_WAIT_MILLIS} without one. Returns at
     * once: the task's mailbox thread must not wait for the coordinator (a checkpoint's mail, the
     * final checkpoint's included, would wait behind it); the waiting is the timer thread's.
     */
    void leave() {
        run(
                () -> {
                    stopped = true;
                    CompletableFuture<?> last =
                            inFlight == null ? CompletableFuture.completedFuture(null) : inFlight;
                    // not on the timer's own queue: close() may shut it down before the answer
                    // comes, and the coordinator must still hear that this instance left
                    last.handle((x, e) -> null)
                            .completeOnTimeout(null, LEAVE_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                            .thenRun(this::sayLeaving);
                });
    }

    /** Any thread: tells the coordinator that this instance holds nothing any more. */
    private void sayLeaving() {
        try {
            channel.ask(new DependentBudgetCoordinator.Leaving(subtask, attempt));
        } catch (RuntimeException e) {
            // the parts are freed anyway when the coordinator sees the attempt end
            LOG.debug("subtask {} could not tell the budget that it leaves", subtask, e);
        }
    }

    /** Runs {@code task} on the timer thread; false when it is shut down. */
    private boolean run(Runnable task) {
        try {
            timer.execute(task);
            return true;
        } catch (RejectedExecutionException closed) {
            return false;
        }
    }

    /** Task thread. Stops the timer thread. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
