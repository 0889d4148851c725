package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.event.RateAllotmentEvent;
import io.httpsync.connector.source.event.ReaderPollEvent;
import io.httpsync.connector.source.event.SyncPositionEvent;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;
import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
import io.httpsync.connector.source.split.FailureStreak;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.util.FlinkRuntimeException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The split enumerator of the httpsync source: plans time windows per tenant, hands them to readers on request,
 * splits hot windows, retries failed ones, and turns finished windows into a per-tenant <b>sync position</b> once a
 * checkpoint covers them.
 *
 * <h2>Split lifecycle</h2>
 *
 * <pre>
 *   planned ──► unassigned ──► assigned ──► finished, pending checkpoint ──► committed
 *                  ▲   ▲          │ │                    │
 *                  │   │          │ └─ too large: covered part ─┘ (finished), rest halved ─► unassigned
 *                  │   └─ retry ──┴─ failed (waits the retry delay)
 *                  └── addSplitsBack (reader failed before a checkpoint): assigned or finished go back
 * </pre>
 *
 * <ul>
 *   <li><b>planned</b>: windows are planned lazily, a round (one window per tenant) at a time, only as many as the
 *       waiting readers need plus one per subtask, so the state stays small over a long backfill. In bounded mode
 *       the horizon is the end; in continuous mode it is {@code now - lag}, moved by a periodic
 *       {@link SplitEnumeratorContext#callAsync} that reads the clock on the worker thread.
 *   <li><b>unassigned to assigned</b>: pull-based. Each {@link #handleSplitRequest} is answered with at most one
 *       window, oldest first over all tenants; a reader that wants k windows in flight sends k requests. A request
 *       that finds no window waits until one appears and the reader speaks again (it polls, see below).
 *   <li><b>assigned to finished</b>: on a {@link WindowsEndedEvent} whose split carries a finished
 *       {@link WindowOutcome outcome} (each split of the event carries how its window ended). The reader sends it only after it has emitted
 *       every record of the window, from the thread that also takes its checkpoints. Every checkpoint the enumerator
 *       snapshots after receiving the event is triggered on the reader after the event was sent, so the window's
 *       records precede that checkpoint's barrier. Hence the window is committed when such a checkpoint completes
 *       (the approach of Flink CDC's incremental snapshot): {@link #snapshotState} stamps newly finished windows
 *       with the checkpoint id, {@link #notifyCheckpointComplete} commits those stamped at or before the completed
 *       id (Flink may skip notifications, so "at or before").
 *   <li><b>too large</b> (outcome {@link WindowOutcome.Kind#TOO_LARGE}): the part the reader covered becomes a finished window; the
 *       rest is halved (see {@link WindowPlanner}) and the halves go back to the queue, recursively as new reports
 *       arrive, down to the minimum width, below which it is handed out once more as unsplittable.
 *   <li><b>failed</b> (outcome {@link WindowOutcome.Kind#FAILED}): the window waits the plan's retry delay (doubled per failure in a
 *       row, up to a bound, when the cause is transient), then goes back to the queue. It is never skipped, and the
 *       sync position cannot pass it. In a bounded sync, a window that fails {@link SyncPlan#maxWindowFailures()}
 *       times in a row with the same lasting cause fails the job with a
 *       {@link io.httpsync.connector.source.WindowFailedException}, without restarts ({@link FailureStreaks}): asking
 *       again would give the same answer, and a bounded job must end. The count travels with the window's split
 *       ({@link FailureStreak}), so a restore from a checkpoint does not reset it.
 *   <li><b>too early</b> (outcome {@link WindowOutcome.Kind#TOO_EARLY}): the platform's clock runs behind ours and had not passed the
 *       window's end plus the lag when it was read. The part it had passed is finished; the rest waits in pieces, each
 *       until the platform's clock has passed its end plus the lag (see {@link WindowPlanner#splitTooEarly}).
 *       Continuous planning keeps to the platform's clock as the readers report it with their polls
 *       ({@link PlatformClockTracker}), so this happens only to windows planned before it was known, or while it fell
 *       further behind.
 *   <li><b>committed</b>: the tenant's sync position is the end of the longest prefix of committed windows; it is
 *       sent to each reader ({@link SyncPositionEvent}) after it moved, with the reader's next request, report or poll.
 * </ul>
 *
 * <p><b>Only readers that speak are answered.</b> Assignments, acknowledgements, positions and the end of a bounded
 * sync go to a reader only in answer to its own split request, report or {@link ReaderPollEvent} (each reader polls
 * every poll interval), never from the tick or a checkpoint's completion. A stop-with-savepoint finishes the tasks
 * right after the savepoint completes, and Flink fails over a task to which an operator event was lost, which fails
 * the stop. A stopping reader no longer speaks, so nothing is sent to it.
 *
 * <p><b>Rate-limit budgets.</b> With the {@code job} backend the enumerator holds the job's {@link JobBudget}: each
 * poll brings the reader's demand per bucket key, and the answer its allotments when they changed, so that every
 * bucket is one budget over all readers on all TaskManagers. A reader that (re)registers starts with none.
 *
 * <p>Every report is acknowledged with a {@link WindowsFinishedAckEvent}; the reader keeps the split in its state
 * until then and re-sends the report after a restore. A report about a window that is not (any more) assigned was
 * already handled and is only acknowledged.
 *
 * <p><b>Bounded end.</b> A waiting reader is told that there are no more splits only when nothing is unassigned,
 * nothing is assigned (an assigned window can still come back as hot-window pieces), no failed window waits for a
 * retry and every tenant is planned to the end. Finished windows waiting for a checkpoint do not hold readers back:
 * they come back only through {@link #addSplitsBack}, with a restarted reader that asks again.
 *
 * <p><b>Restore.</b> The state holds every window in one of the places above and the committed progress. Finished
 * windows in a restored state are committed right away: Flink restores only completed checkpoints, and the state was
 * snapshotted after their reports. Tenants added to the plan since start at the plan's start; tenants removed from it
 * keep their outstanding windows until these are done but get no new ones.
 *
 * <p><b>Tokens.</b> The enumerator holds the job's one access token per tenant ({@link TokenCoordinator}): readers ask
 * for it ({@link TokenRequestEvent}) and are answered like any other message, and the newest rotated refresh tokens
 * are part of the state.
 *
 * <p><b>Known limit.</b> When a single reader fails over regionally (without the coordinator being reset, e.g. in a
 * job of forward edges only), a window it reported after its restored checkpoint may still be committed while the
 * restarted reader re-reads it from its restored split state: nothing is lost, but the position may run ahead of the
 * sink for that while.
 *
 * <h2>Threads</h2>
 *
 * <p>All methods of this class, including the handlers of {@code callAsync}, run in the source coordinator thread,
 * except the callables given to {@code callAsync} (which only read the clock, on the coordinator's worker thread)
 * and the metric gauges (read by the reporter thread). The coordinator thread never blocks: no I/O, no sleeping.
 */
@Internal
public class HttpSyncEnumerator implements SplitEnumerator<WindowSplit, HttpSyncEnumState> {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSyncEnumerator.class);

    private static final Comparator<WindowSplit> BY_WINDOW = UnassignedWindows.ASSIGNMENT_ORDER;

    private final SplitEnumeratorContext<WindowSplit> context;
    private final SyncPlan plan;
    private final WindowPlanner planner;

    /** Progress of every tenant, sorted by tenant; includes tenants of a restored state that left the plan. */
    private final Map<String, TenantProgress> tenants = new TreeMap<>();

    /** Tenants that did not exist in the restored state (all of them on a fresh start). */
    private final Set<String> newTenants = new LinkedHashSet<>();

    private final UnassignedWindows unassigned = new UnassignedWindows();
    private final Map<String, WindowSplit> assigned = new HashMap<>();

    /** Finished windows not committed yet, by the id of the split whose report finished them. */
    private final Map<String, FinishedWindow> finishedPending = new HashMap<>();

    private final Map<String, FailedWindow> failed = new HashMap<>();
    private final FailureStreaks failureStreaks;
    /** The platform's clock as the readers report it: continuous planning keeps to it. */
    private final PlatformClockTracker platformClock;

    /** Split requests not answered yet, one entry per request, in arrival order. */
    private final Deque<Integer> splitRequests = new ArrayDeque<>();
    /** The positions each reader last heard (not checkpointed: a restored reader is told again in addReader). */
    private final Map<Integer, Map<String, Long>> positionsSent = new HashMap<>();

    private final EnumeratorMetrics metrics;

    /** The job's rate-limit budgets (backend {@code job}), or null when they are kept elsewhere. */
    @Nullable private final JobBudget budget;
    /** The job's tokens, or null if the endpoint fetches none. */
    @Nullable private final TokenCoordinator tokens;

    /** Planning stops here: the bounded end, or the latest {@code now - lag} seen by a tick. */
    private long horizonMillis;

    public HttpSyncEnumerator(SplitEnumeratorContext<WindowSplit> context, SyncPlan plan) {
        this(context, plan, null);
    }

    public HttpSyncEnumerator(
            SplitEnumeratorContext<WindowSplit> context,
            SyncPlan plan,
            @Nullable HttpSyncEnumState restoredState) {
        this(context, plan, restoredState, null, null);
    }

    /**
     * @param budget the job's rate-limit budgets to divide among the readers, or null when kept elsewhere
     * @param tokens the job's tokens (restored with the refresh tokens of {@code restoredState}), or null if the
     *     endpoint fetches none
     */
    public HttpSyncEnumerator(
            SplitEnumeratorContext<WindowSplit> context,
            SyncPlan plan,
            @Nullable HttpSyncEnumState restoredState,
            @Nullable JobBudget budget,
            @Nullable TokenCoordinator tokens) {
        this.context = checkNotNull(context, "context");
        this.tokens = tokens;
        this.plan = checkNotNull(plan, "plan");
        this.budget = budget;
        this.planner = new WindowPlanner(plan);
        this.failureStreaks = new FailureStreaks(plan);
        this.platformClock = new PlatformClockTracker(plan.lagMillis());
        this.horizonMillis = plan.isBounded() ? plan.endMillis() : Long.MIN_VALUE;
        this.metrics = new EnumeratorMetrics(context.metricGroup(), plan.clock(), unassigned::size, platformClock::skewMillis);
        if (restoredState != null) {
            restore(restoredState);
        }
        for (String tenant : plan.tenants()) {
            if (!tenants.containsKey(tenant)) {
                tenants.put(tenant, new TenantProgress(tenant, plan.startMillis()));
                newTenants.add(tenant);
            }
        }
        tenants.values().forEach(metrics::registerTenant);
    }

    private void restore(HttpSyncEnumState state) {
        state.tenants().forEach(tenant -> tenants.put(tenant.tenant(), TenantProgress.restore(tenant)));
        state.unassigned().forEach(unassigned::add);
        state.assigned().forEach(split -> assigned.put(split.splitId(), split));
        state.failed().forEach(failure -> failed.put(failure.window().splitId(), failure));
        for (FinishedWindow finished : state.finishedPending()) {
            if (finished.isCheckpointed()) {
                // The state comes from a completed checkpoint that was snapshotted after this report.
                commit(finished.window());
            } else {
                finishedPending.put(finished.reportedSplitId(), finished);
            }
        }
        for (String tenant : tenants.keySet()) {
            if (!plan.tenants().contains(tenant)) {
                LOG.warn(
                        "Tenant {} is in the restored state but no longer in the sync plan: its outstanding"
                                + " windows are still read, but no new windows are planned for it.",
                        tenant);
            }
        }
    }

    /** Coordinator thread. Checks the plan against the clock for new tenants and starts the periodic tick. */
    @Override
    public void start() {
        if (!newTenants.isEmpty()) {
            plan.checkTimeRange(plan.clock().millis());
        }
        if (tokens != null) tokens.start();
        long tick = plan.tickIntervalMillis();
        // Continuous mode discovers its first windows right away; bounded mode only needs the tick for retries.
        context.callAsync(plan.clock()::millis, this::onTick, plan.isBounded() ? tick : 0L, tick);
        LOG.info("Started httpsync enumerator for {} (tick every {} ms)", plan, tick);
    }

    /** Coordinator thread: the handler of the periodic clock read. */
    private void onTick(@Nullable Long nowMillis, @Nullable Throwable error) {
        if (error != null) {
            throw new FlinkRuntimeException("The httpsync enumerator could not read the clock", error);
        }
        if (!plan.isBounded()) {
            horizonMillis = Math.max(horizonMillis, planner.horizonAt(platformClock.platformNowMillis(nowMillis)));
        }
        retryDueFailedWindows(nowMillis);
        // nothing is sent from here: the windows planned or retried go to the readers that ask, when they poll
    }

    /** Coordinator thread. */
    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        splitRequests.add(subtaskId);
        answer(subtaskId);
    }

    /**
     * Coordinator thread. Assigns nothing (pull-based: the reader asks); tells the reader the current sync positions,
     * so that a reader that starts or restarts has its watermark before the next position moves.
     */
    @Override
    public void addReader(int subtaskId) {
        positionsSent.remove(subtaskId); // a (re)started reader knows no positions
        if (budget != null) budget.removeReader(subtaskId); // and holds no allotment: its predecessor's parts are free
        splitRequests.removeIf(r -> r == subtaskId); // and asks again for what its predecessor asked for
        if (tokens != null) tokens.readerStarted(subtaskId);
        sendPositionsIfMoved(subtaskId);
    }

    /**
     * Coordinator thread. Called with the splits assigned to a failed reader after its last successful checkpoint:
     * what is left of them goes back to the queue.
     */
    @Override
    public void addSplitsBack(List<WindowSplit> splits, int subtaskId) {
        int requeued = 0;
        for (WindowSplit split : splits) {
            WindowSplit back = takeBack(split.splitId());
            if (back != null) {
                unassigned.add(back);
                requeued++;
            }
        }
        LOG.info("Reader {} failed; {} of its {} windows go back to the queue", subtaskId, requeued, splits.size());
    }

    /** What is left to read of a split whose reader failed, or null if nothing is. */
    @Nullable
    private WindowSplit takeBack(String splitId) {
        FinishedWindow finished = finishedPending.remove(splitId);
        if (finished != null) {
            // no checkpoint covered its records: they are lost with the reader
            return finished.window();
        }
        WindowSplit assignedSplit = assigned.remove(splitId);
        if (assignedSplit != null) {
            return assignedSplit.fresh();
        }
        FailedWindow failure = failed.remove(splitId);
        if (failure != null) {
            return failure.window();
        }
        // re-planned as hot-window pieces with nothing covered: the pieces are queued already
        return null;
    }

    /** Coordinator thread. */
    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        List<String> handled;
        if (event instanceof ReaderPollEvent poll) {
            if (budget != null) budget.report(subtaskId, poll.budget());
            if (poll.platformNowMillis() != null) platformClock.reported(poll.platformNowMillis(), plan.clock().millis());
            answer(subtaskId);
            return;
        } else if (event instanceof TokenRequestEvent) {
            onTokenRequest(subtaskId, (TokenRequestEvent) event);
            answer(subtaskId);
            return;
        } else if (event instanceof WindowsEndedEvent ended) {
            ended.splits().forEach(split -> onWindowEnded(subtaskId, split));
            handled = splitIds(ended.splits());
        } else {
            LOG.warn("Ignoring unknown source event from reader {}: {}", subtaskId, event);
            return;
        }
        context.sendEventToSourceReader(subtaskId, new WindowsFinishedAckEvent(handled));
        answer(subtaskId);
    }

    /** Coordinator thread. What a reader that spoke to us gets: windows for its waiting requests, or the end; positions. */
    private void answer(int subtaskId) {
        assignPendingSplits(subtaskId);
        sendPositionsIfMoved(subtaskId);
        sendAllotmentsIfChanged(subtaskId);
        if (tokens != null) tokens.answer(subtaskId);
    }

    /** Coordinator thread. Tells a reader its rate-limit allotments if they changed. Only when the reader spoke. */
    private void sendAllotmentsIfChanged(int subtaskId) {
        if (budget == null || !context.registeredReaders().containsKey(subtaskId)) return;
        JobBudget.Allotments changed = budget.allotmentsToSend(subtaskId);
        if (changed != null) context.sendEventToSourceReader(subtaskId, new RateAllotmentEvent(changed));
    }

    /** Coordinator thread. A reader asks for a tenant's token: the job's one token per tenant. */
    private void onTokenRequest(int subtaskId, TokenRequestEvent request) {
        if (tokens == null) {
            context.sendEventToSourceReader(subtaskId, TokenEvent.failed(request.tenant(),
                    "the endpoint fetches no tokens ('auth.token.url' is not set)"));
        } else {
            tokens.onRequest(subtaskId, request);
        }
    }

    /** Coordinator thread. A reader is done with a window; the split says how it ended. */
    private void onWindowEnded(int subtaskId, WindowSplit reported) {
        WindowOutcome outcome = reported.outcome();
        switch (outcome.kind()) {
            case TOO_LARGE -> onWindowTooLarge(subtaskId, reported, outcome);
            case TOO_EARLY -> onWindowTooEarly(subtaskId, reported, outcome.platformReachedMillis());
            case FAILED -> onWindowFailed(subtaskId, reported, outcome.failure());
            default -> onWindowFinished(reported);
        }
    }

    private void onWindowFinished(WindowSplit reported) {
        WindowSplit split = takeAssigned(reported, "finished");
        if (split != null) {
            finishedPending.put(
                    split.splitId(),
                    new FinishedWindow(split.splitId(), split.fresh(), FinishedWindow.NOT_YET_CHECKPOINTED));
        }
    }

    private void onWindowTooLarge(int subtaskId, WindowSplit reported, WindowOutcome outcome) {
        WindowSplit split = assigned.get(reported.splitId());
        if (split != null && split.isUnsplittable()) {
            throw new IllegalStateException(
                    String.format(
                            "Reader %d reported the unsplittable window %s too large (%d records). A reader must"
                                    + " read an unsplittable window as far as the platform allows and raise an"
                                    + " exception event for the rest.",
                            subtaskId, split.splitId(), outcome.knownTotal()));
        }
        if (takeAssigned(reported, "too large") == null) {
            return;
        }
        WindowPlanner.HotWindowSplit hot = planner.splitTooLarge(split, outcome.coveredFromMillis());
        if (hot.coveredPart() != null) {
            finishedPending.put(
                    split.splitId(),
                    new FinishedWindow(split.splitId(), hot.coveredPart(), FinishedWindow.NOT_YET_CHECKPOINTED));
        }
        hot.pieces().forEach(unassigned::add);
        LOG.info(
                "Window {} holds {} records, more than the platform pages through; covered {}, re-planned as {}",
                split.splitId(),
                outcome.knownTotal() < 0 ? "more" : outcome.knownTotal(),
                hot.coveredPart() == null ? "nothing" : hot.coveredPart().splitId(),
                splitIds(hot.pieces()));
    }

    /**
     * A window read before the platform's clock had passed its end plus the lag: the part it had passed is finished,
     * the rest waits, piece by piece, until the platform's clock passes each piece's end plus the lag (measured as a
     * duration from the reader's report, so that the clocks need not agree).
     */
    private void onWindowTooEarly(int subtaskId, WindowSplit reported, long platformReachedMillis) {
        WindowSplit split = takeAssigned(reported, "too early");
        if (split == null) {
            return;
        }
        WindowPlanner.EarlyWindowSplit early = planner.splitTooEarly(split, platformReachedMillis);
        if (early.readPart() != null) {
            finishedPending.put(
                    split.splitId(),
                    new FinishedWindow(split.splitId(), early.readPart(), FinishedWindow.NOT_YET_CHECKPOINTED));
        }
        long now = plan.clock().millis();
        for (WindowSplit piece : early.pieces()) {
            long due = now + Math.max(0, piece.endMillis() + plan.lagMillis() - platformReachedMillis);
            failed.put(piece.splitId(), new FailedWindow(piece, due, "the platform's clock had not passed its end plus the lag"));
        }
        LOG.info(
                "Reader {} read window {} before the platform's clock (at {}) had passed its end plus the lag; {} is"
                        + " done, {} wait for the platform's clock",
                subtaskId,
                split.splitId(),
                Instant.ofEpochMilli(platformReachedMillis),
                early.readPart() == null ? "nothing" : early.readPart().splitId(),
                splitIds(early.pieces()));
    }

    private void onWindowFailed(int subtaskId, WindowSplit reported, WindowFailure failure) {
        WindowSplit split = takeAssigned(reported, "failed");
        if (split == null) {
            return;
        }
        FailureStreak streak;
        try {
            streak = failureStreaks.failed(split, failure);
        } catch (WindowFailedException e) {
            LOG.error("Window {} failed {} times in a row with the same cause, the bounded sync fails: {}",
                    split.splitId(), e.failures(), e.reason());
            // asking again gives the same answer, so a restart would only repeat this: the job fails for good
            throw new SuppressRestartsException(e);
        }
        long retryAt = failureStreaks.retryAt(plan.clock().millis(), streak, failure);
        // the streak travels with the window, through its retries and the checkpoints in between
        failed.put(split.splitId(), new FailedWindow(split.fresh().withFailureStreak(streak), retryAt, failure.reason()));
        LOG.warn(
                "Reader {} failed window {} ({}{} failure{} in a row): {}; it is read again after {}",
                subtaskId,
                split.splitId(),
                failure.transientCause() ? "transient cause, " : "",
                streak.failures(),
                streak.failures() == 1 ? "" : "s",
                failure.reason(),
                Instant.ofEpochMilli(retryAt));
    }

    /** Removes and returns the assigned split a report is about, or null if the report was already handled. */
    @Nullable
    private WindowSplit takeAssigned(WindowSplit reported, String report) {
        WindowSplit split = assigned.remove(reported.splitId());
        if (split == null) {
            LOG.debug("Window {} reported {} again or after it was re-planned; ignored", reported.splitId(), report);
        }
        return split;
    }

    private void retryDueFailedWindows(long nowMillis) {
        for (Iterator<FailedWindow> it = failed.values().iterator(); it.hasNext(); ) {
            FailedWindow failure = it.next();
            if (failure.retryAtMillis() <= nowMillis) {
                it.remove();
                unassigned.add(failure.window());
                LOG.info("Retrying window {} that failed with: {}", failure.window().splitId(), failure.reason());
            }
        }
    }

    /** Answers waiting split requests, planning windows as needed, and ends a bounded sync when nothing is left. */
    /** Serves the waiting requests of {@code reader}, and only those (see "Only readers that speak are answered"). */
    private void assignPendingSplits(int reader) {
        if (!context.registeredReaders().containsKey(reader)) {
            return; // the reader failed after asking; its successor asks again
        }
        while (splitRequests.contains(reader) && hasUnassignedAfterPlanning()) {
            splitRequests.removeFirstOccurrence(reader);
            WindowSplit split = unassigned.poll();
            assigned.put(split.splitId(), split);
            context.assignSplit(split, reader);
        }
        if (splitRequests.contains(reader) && isBoundedSyncDone()) {
            context.signalNoMoreSplits(reader);
            splitRequests.removeIf(r -> r == reader);
        }
    }

    private boolean hasUnassignedAfterPlanning() {
        int wanted = splitRequests.size() + context.currentParallelism();
        while (unassigned.size() < wanted && planOneRound()) {
            // each round plans the next window of every tenant that has one below the horizon
        }
        return !unassigned.isEmpty();
    }

    private boolean planOneRound() {
        boolean planned = false;
        for (String tenant : plan.tenants()) {
            TenantProgress progress = tenants.get(tenant);
            WindowSplit window = planner.nextWindow(tenant, progress.nextPlannedStartMillis(), horizonMillis);
            if (window != null) {
                unassigned.add(window);
                progress.planned(window.endMillis());
                planned = true;
            }
        }
        return planned;
    }

    private boolean isBoundedSyncDone() {
        return plan.isBounded()
                && unassigned.isEmpty()
                && assigned.isEmpty()
                && failed.isEmpty()
                && plan.tenants().stream()
                        .allMatch(tenant -> tenants.get(tenant).nextPlannedStartMillis() >= horizonMillis);
    }

    /** Coordinator thread. Stamps the windows finished since the last snapshot with this checkpoint. */
    @Override
    public HttpSyncEnumState snapshotState(long checkpointId) {
        finishedPending.replaceAll(
                (id, finished) ->
                        finished.isCheckpointed()
                                ? finished
                                : new FinishedWindow(id, finished.window(), checkpointId));
        return currentState();
    }

    private HttpSyncEnumState currentState() {
        List<TenantState> tenantStates = new ArrayList<>();
        tenants.values().forEach(progress -> tenantStates.add(progress.snapshot()));
        return new HttpSyncEnumState(
                tenantStates,
                unassigned.snapshot(),
                sorted(assigned.values(), Function.identity()),
                sorted(finishedPending.values(), FinishedWindow::window),
                sorted(failed.values(), FailedWindow::window),
                tokens == null ? List.of() : tokens.snapshot());
    }

    /** Coordinator thread. Commits the windows whose records the completed checkpoint covers. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        boolean positionMoved = false;
        for (Iterator<FinishedWindow> it = finishedPending.values().iterator(); it.hasNext(); ) {
            FinishedWindow finished = it.next();
            if (finished.isCommittedBy(checkpointId)) {
                it.remove();
                positionMoved |= commit(finished.window());
            }
        }
        // Nothing is sent from here: a stop-with-savepoint finishes the tasks right when the savepoint completes (see
        // the class javadoc). The positions go out with each reader's next request, report or poll.
        if (positionMoved) LOG.debug("sync positions moved to {}", syncPositions());
    }

    /**
     * Coordinator thread. Tells a reader the sync positions if they moved since it last heard them (watermarks follow
     * them). Called only when the reader speaks to us.
     */
    private void sendPositionsIfMoved(int subtaskId) {
        Map<String, Long> positions = syncPositions();
        if (!positions.equals(positionsSent.get(subtaskId))) {
            context.sendEventToSourceReader(subtaskId, new SyncPositionEvent(positions));
            positionsSent.put(subtaskId, positions);
        }
    }

    private boolean commit(WindowSplit window) {
        metrics.windowCommitted();
        TenantProgress progress =
                tenants.computeIfAbsent(window.tenant(), tenant -> new TenantProgress(tenant, window.startMillis()));
        return progress.commit(window.startMillis(), window.endMillis());
    }

    /**
     * The sync position (epoch millis) of every tenant of the plan; a tenant that left the plan would hold the
     * readers' watermarks back for good, so it is not included. Coordinator thread.
     */
    @VisibleForTesting
    public Map<String, Long> syncPositions() {
        Map<String, Long> positions = new TreeMap<>();
        plan.tenants().forEach(tenant -> positions.put(tenant, tenants.get(tenant).syncPositionMillis()));
        return positions;
    }

    @Override
    public void close() throws IOException {
        // The periodic tick belongs to the context, which cancels it; the token client is ours.
        if (tokens != null) tokens.close();
    }

    private static List<String> splitIds(List<WindowSplit> splits) {
        List<String> ids = new ArrayList<>(splits.size());
        splits.forEach(split -> ids.add(split.splitId()));
        return ids;
    }

    private static <T> List<T> sorted(Iterable<T> items, Function<T, WindowSplit> window) {
        List<T> list = new ArrayList<>();
        items.forEach(list::add);
        list.sort(Comparator.comparing(window, BY_WINDOW));
        return list;
    }
}
