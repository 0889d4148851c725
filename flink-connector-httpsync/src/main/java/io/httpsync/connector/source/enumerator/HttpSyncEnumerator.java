package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.connector.source.PassMarker;
import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.event.PassEvent;
import io.httpsync.connector.source.event.RateAllotmentEvent;
import io.httpsync.connector.source.event.ReaderLeavingEvent;
import io.httpsync.connector.source.event.ReaderPollEvent;
import io.httpsync.connector.source.event.SyncPositionEvent;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;
import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The split enumerator of the httpsync source: plans time windows per tenant, hands them to readers
 * on request, splits hot windows, retries failed ones, and turns finished windows into a per-tenant
 * <b>sync position</b> once a checkpoint covers them.
 *
 * <p>The windows themselves, where each one is and what follows from reports, are kept by its
 * {@link WindowLedger} (the split lifecycle is described there); this class speaks the reader
 * protocol and tells the ledger what the readers said.
 *
 * <ul>
 *   <li><b>Assignment</b> is pull-based. Each {@link #handleSplitRequest} is answered with at most
 *       one window; a reader that wants k windows in flight sends k requests. A request that finds
 *       no window waits until one appears and the reader speaks again (it polls, see below).
 *   <li><b>Reports.</b> A reader sends {@link WindowsEndedEvent} only after it has emitted every
 *       record of the window (each split of the event carries how its window ended, {@link
 *       WindowOutcome}), from the thread that also takes its checkpoints. Every checkpoint the
 *       enumerator snapshots after receiving the event is triggered on the reader after the event
 *       was sent, so the window's records precede that checkpoint's barrier. Hence the window is
 *       committed when such a checkpoint completes (the approach of Flink CDC's incremental
 *       snapshot): {@link #snapshotState} stamps newly finished windows with the checkpoint id,
 *       {@link #notifyCheckpointComplete} commits those stamped at or before the completed id.
 *       Windows that ended too large, too early or failed are re-planned by the {@link
 *       WindowLedger}. In a bounded sync, a window that fails {@link SyncPlan#maxWindowFailures()}
 *       times in a row with the same lasting cause fails the job with a {@link
 *       io.httpsync.connector.source.WindowFailedException}, without restarts: asking again would
 *       give the same answer, and a bounded job must end. The count travels with the window's split
 *       ({@link io.httpsync.connector.source.split.FailureStreak}), so a restore does not reset it.
 *   <li><b>Horizon.</b> In continuous mode a periodic {@link SplitEnumeratorContext#callAsync}
 *       reads the clock on the worker thread; planning keeps to the platform's clock as the readers
 *       report it with their polls ({@link PlatformClockTracker}).
 *   <li><b>Positions.</b> A tenant's sync position is sent to each reader ({@link
 *       SyncPositionEvent}) after it moved, with the reader's next request, report or poll.
 * </ul>
 *
 * <p><b>Only readers that speak are answered.</b> Assignments, acknowledgements, positions and the
 * end of a bounded sync go to a reader only in answer to its own split request, report or {@link
 * ReaderPollEvent} (each reader polls every poll interval), never from the tick or a checkpoint's
 * completion. A stop-with-savepoint finishes the tasks right after the savepoint completes, and
 * Flink fails over a task to which an operator event was lost, which fails the stop. A stopping
 * reader no longer speaks, so nothing is sent to it.
 *
 * <p><b>Rate-limit budgets.</b> With the {@code job} backend the enumerator holds the job's {@link
 * JobBudget}: each poll brings the reader's demand per bucket key, and the answer its allotments
 * when they changed, so that every bucket is one budget over all readers on all TaskManagers. A
 * reader that (re)registers starts with none.
 *
 * <p>Every report is acknowledged with a {@link WindowsFinishedAckEvent}; the reader keeps the
 * split in its state until then and re-sends the report after a restore. A report about a window
 * that is not (any more) assigned was already handled and is only acknowledged.
 *
 * <p><b>Bounded end.</b> A waiting reader is told that there are no more splits only when the
 * ledger has nothing left to hand out ({@link WindowLedger#isBoundedSyncDone}). Finished windows
 * waiting for a checkpoint do not hold readers back: they come back only through {@link
 * #addSplitsBack}, with a restarted reader that asks again.
 *
 * <p><b>Tokens.</b> The enumerator holds the job's one access token per tenant ({@link
 * TokenCoordinator}): readers ask for it ({@link TokenRequestEvent}) and are answered like any
 * other message, and the newest rotated refresh tokens are part of the state (unless a tenant
 * registry's token store keeps them).
 *
 * <p><b>Tenant registry.</b> With one ({@link RegistryTenants}), tenants come and go while the job
 * runs: read on the worker thread every poll interval, planned or no longer planned by the ledger,
 * and told to a reader ({@link io.httpsync.connector.source.event.TenantsEvent}) before it gets a
 * window of theirs.
 *
 * <p><b>Known limit.</b> When a single reader fails over regionally (without the coordinator being
 * reset, e.g. in a job of forward edges only), a window it reported after its restored checkpoint
 * may still be committed while the restarted reader re-reads it from its restored split state:
 * nothing is lost, but the position may run ahead of the sink for that while.
 *
 * <h2>Threads</h2>
 *
 * <p>All methods of this class, including the handlers of {@code callAsync}, run in the source
 * coordinator thread, except the callables given to {@code callAsync} (which only read the clock,
 * on the coordinator's worker thread) and the metric gauges (read by the reporter thread). The
 * coordinator thread never blocks: no I/O, no sleeping.
 */
@Internal
public class HttpSyncEnumerator implements SplitEnumerator<WindowSplit, HttpSyncEnumState> {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSyncEnumerator.class);

    private final SplitEnumeratorContext<WindowSplit> context;
    private final SyncPlan plan;
    private final WindowLedger ledger;

    /** The platform's clock as the readers report it: continuous planning keeps to it. */
    private final PlatformClockTracker platformClock;

    /** Split requests not answered yet, one entry per request, in arrival order. */
    private final Deque<Integer> splitRequests = new ArrayDeque<>();

    /**
     * The positions each reader last heard (not checkpointed: a restored reader is told again in
     * addReader).
     */
    private final Map<Integer, Map<String, Long>> positionsSent = new HashMap<>();

    /** Per reader: how many windows it wants to page at once, as its last poll said. */
    private final Map<Integer, Integer> splitsWanted = new HashMap<>();

    /** The job's rate-limit budgets (backend {@code job}), or null when they are kept elsewhere. */
    @Nullable private final JobBudget budget;

    /** The job's tokens, or null if the endpoint fetches none. */
    @Nullable private final TokenCoordinator tokens;

    /** The tenant registry's tenants, or null when the tenants are a fixed list. */
    @Nullable private final RegistryTenants registry;

    /** Closed with this enumerator ({@link #closing}), in order. */
    private final List<AutoCloseable> closing = new ArrayList<>();

    /** The periodic full passes, or null if the source runs none. */
    @Nullable private PassScheduler passes;

    /** The passes of the restored state, for {@link #withPasses} (empty on a fresh start). */
    private final List<PassState> restoredPasses;

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
     * @param budget the job's rate-limit budgets to divide among the readers, or null when kept
     *     elsewhere
     * @param tokens the job's tokens (restored with the refresh tokens of {@code restoredState}),
     *     or null if the endpoint fetches none
     */
    public HttpSyncEnumerator(
            SplitEnumeratorContext<WindowSplit> context,
            SyncPlan plan,
            @Nullable HttpSyncEnumState restoredState,
            @Nullable JobBudget budget,
            @Nullable TokenCoordinator tokens) {
        this(context, plan, restoredState, budget, tokens, null, true);
    }

    /**
     * @param registry the tenants of a tenant registry, or null when they are the plan's fixed list
     * @param perTenantMetrics whether each tenant gets a metric group of its own
     */
    public HttpSyncEnumerator(
            SplitEnumeratorContext<WindowSplit> context,
            SyncPlan plan,
            @Nullable HttpSyncEnumState restoredState,
            @Nullable JobBudget budget,
            @Nullable TokenCoordinator tokens,
            @Nullable RegistryTenants registry,
            boolean perTenantMetrics) {
        this.context = checkNotNull(context, "context");
        this.tokens = tokens;
        this.registry = registry;
        this.plan = checkNotNull(plan, "plan");
        this.budget = budget;
        this.platformClock = new PlatformClockTracker(plan.lagMillis());
        this.ledger = new WindowLedger(plan, restoredState);
        this.restoredPasses = restoredState == null ? List.of() : restoredState.passes();
        EnumeratorMetrics metrics =
                new EnumeratorMetrics(
                        context.metricGroup(),
                        plan.clock(),
                        ledger::unassignedCount,
                        ledger::committedWindows,
                        platformClock::skewMillis);
        if (perTenantMetrics) ledger.tenants().forEach(metrics::registerTenant);
        if (registry != null)
            registry.attach(context, plan, ledger, tokens, budget, metrics::registerTenant);
    }

    /**
     * How tenants weigh in the turns ({@link TenantTurns}): the fixed tenants now, a registry's as
     * they are listed; a fixed tenant's own limit (property {@value TenantWeights#RATE_PROPERTY})
     * also applies to its buckets in the job's budgets. Before {@link #start}.
     */
    public HttpSyncEnumerator weighTenants(TenantWeights weights, Collection<Tenant> fixed) {
        ledger.defaultWeight(weights.defaultWeight());
        for (Tenant tenant : fixed) {
            ledger.weigh(tenant.id(), weights.of(tenant));
            Double own = TenantWeights.ownRate(tenant);
            if (budget != null && own != null) budget.overrideTenantRate(tenant.id(), own);
        }
        if (registry != null) registry.weights(weights);
        return this;
    }

    /**
     * Runs periodic full passes ({@link PassScheduler}), restored from the state this enumerator
     * was restored from; before {@link #start}. Continuous syncs only.
     */
    /**
     * Closes {@code resource} when this enumerator closes: a registry that serves only its token
     * store ({@code TenantRegistrySpec#forTokensOnly}), the membership of the job's budget.
     */
    public HttpSyncEnumerator closing(AutoCloseable resource) {
        this.closing.add(resource);
        return this;
    }

    public HttpSyncEnumerator withPasses(@Nullable PassPlan passPlan) {
        if (passPlan != null) {
            if (plan.isBounded())
                throw new IllegalArgumentException(
                        "full passes ('pass.interval') need a continuous sync");
            passes =
                    new PassScheduler(
                            plan,
                            passPlan,
                            plan.clock().millis(),
                            restoredPasses,
                            context.currentParallelism(),
                            registry != null);
        } else if (restoredPasses.stream().anyMatch(p -> p.running() != null)) {
            LOG.info(
                    "the restored state holds running full passes but the source runs none"
                            + " ('pass.interval' unset): they are dropped and delete nothing");
        }
        return this;
    }

    /**
     * Coordinator thread. Checks the plan against the clock for new tenants and starts the periodic
     * tick.
     */
    @Override
    public void start() {
        if (ledger.hasNewTenants()) {
            plan.checkTimeRange(plan.clock().millis());
        }
        if (tokens != null) tokens.start();
        if (registry != null) registry.start();
        long tick = plan.tickIntervalMillis();
        // Continuous mode discovers its first windows right away; bounded mode only needs the tick
        // for retries.
        context.callAsync(plan.clock()::millis, this::onTick, plan.isBounded() ? tick : 0L, tick);
        LOG.info("Started httpsync enumerator for {} (tick every {} ms)", plan, tick);
    }

    /** Coordinator thread: the handler of the periodic clock read. */
    private void onTick(@Nullable Long nowMillis, @Nullable Throwable error) {
        if (error != null) {
            throw new FlinkRuntimeException(
                    "The httpsync enumerator could not read the clock", error);
        }
        if (!plan.isBounded()) {
            ledger.advanceHorizon(platformClock.platformNowMillis(nowMillis));
        }
        ledger.retryDue(nowMillis);
        if (passes != null)
            passes.tick(
                    nowMillis,
                    ledger.syncPositions(),
                    context.currentParallelism(),
                    registry == null || registry.hasBeenRead());
        // nothing is sent from here: the windows planned or retried go to the readers that ask,
        // when they poll
    }

    /** Coordinator thread. */
    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        splitRequests.add(subtaskId);
        answer(subtaskId);
    }

    /**
     * Coordinator thread. Assigns nothing (pull-based: the reader asks); tells the reader the
     * current sync positions, so that a reader that starts or restarts has its watermark before the
     * next position moves.
     */
    @Override
    public void addReader(int subtaskId) {
        positionsSent.remove(subtaskId); // a (re)started reader knows no positions
        splitsWanted.remove(subtaskId); // and says anew how many windows it wants
        if (budget != null)
            budget.removeReader(
                    subtaskId); // and holds no allotment: its predecessor's parts are free
        splitRequests.removeIf(
                r -> r == subtaskId); // and asks again for what its predecessor asked for
        if (tokens != null) tokens.readerStarted(subtaskId);
        if (registry != null) registry.readerStarted(subtaskId);
        sendPositionsIfMoved(subtaskId);
    }

    /**
     * Coordinator thread. Called with the splits assigned to a failed reader after its last
     * successful checkpoint: what is left of them goes back to the queue.
     */
    @Override
    public void addSplitsBack(List<WindowSplit> splits, int subtaskId) {
        int requeued = ledger.takeBack(splits) + (passes == null ? 0 : passes.takeBack(splits));
        LOG.info(
                "Reader {} failed; {} of its {} windows go back to the queue",
                subtaskId,
                requeued,
                splits.size());
    }

    /** Coordinator thread. */
    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        List<String> handled;
        if (event instanceof ReaderPollEvent poll) {
            if (budget != null) budget.report(subtaskId, poll.budget());
            splitsWanted.put(subtaskId, poll.splitsWanted());
            if (poll.platformNowMillis() != null)
                platformClock.reported(poll.platformNowMillis(), plan.clock().millis());
            answer(subtaskId);
            return;
        } else if (event instanceof ReaderLeavingEvent) {
            // not answered: the reader is closing
            if (budget != null) budget.removeReader(subtaskId);
            return;
        } else if (event instanceof TokenRequestEvent) {
            onTokenRequest(subtaskId, (TokenRequestEvent) event);
            answer(subtaskId);
            return;
        } else if (event instanceof WindowsEndedEvent ended) {
            ended.splits().forEach(split -> onWindowEnded(subtaskId, split));
            handled = WindowLedger.splitIds(ended.splits());
        } else {
            LOG.warn("Ignoring unknown source event from reader {}: {}", subtaskId, event);
            return;
        }
        context.sendEventToSourceReader(subtaskId, new WindowsFinishedAckEvent(handled));
        answer(subtaskId);
    }

    /**
     * Coordinator thread. What a reader that spoke to us gets: windows for its waiting requests, or
     * the end; positions.
     */
    private void answer(int subtaskId) {
        // the reader hears of a registry's tenants before it gets one of their windows
        if (registry != null) registry.sendIfChanged(subtaskId);
        sendPassMarkers(subtaskId);
        assignPendingSplits(subtaskId);
        sendPositionsIfMoved(subtaskId);
        sendAllotmentsIfChanged(subtaskId);
        if (tokens != null) tokens.answer(subtaskId);
    }

    /**
     * Coordinator thread. Tells a reader of the passes that started or ended since it last heard,
     * before it gets any window of a pass that started.
     */
    private void sendPassMarkers(int subtaskId) {
        if (passes == null || !context.registeredReaders().containsKey(subtaskId)) return;
        for (PassMarker marker : passes.takeMarkers(subtaskId))
            context.sendEventToSourceReader(subtaskId, new PassEvent(marker));
    }

    /**
     * Coordinator thread. Tells a reader its rate-limit allotments if they changed. Only when the
     * reader spoke.
     */
    private void sendAllotmentsIfChanged(int subtaskId) {
        if (budget == null || !context.registeredReaders().containsKey(subtaskId)) return;
        JobBudget.Allotments changed = budget.allotmentsToSend(subtaskId);
        if (changed != null)
            context.sendEventToSourceReader(subtaskId, new RateAllotmentEvent(changed));
    }

    /** Coordinator thread. A reader asks for a tenant's token: the job's one token per tenant. */
    private void onTokenRequest(int subtaskId, TokenRequestEvent request) {
        if (tokens == null) {
            context.sendEventToSourceReader(
                    subtaskId,
                    TokenEvent.failed(
                            request.tenant(),
                            "the endpoint fetches no tokens ('auth.token.url' is not set)"));
        } else {
            tokens.onRequest(subtaskId, request);
        }
    }

    /** Coordinator thread. A reader is done with a window; the split says how it ended. */
    private void onWindowEnded(int subtaskId, WindowSplit reported) {
        if (passes != null && passes.ended(reported)) return;
        WindowOutcome outcome = reported.outcome();
        switch (outcome.kind()) {
            case TOO_LARGE ->
                    ledger.tooLarge(
                            subtaskId, reported, outcome.coveredFromMillis(), outcome.knownTotal());
            case TOO_EARLY -> ledger.tooEarly(subtaskId, reported, outcome.platformReachedMillis());
            case FAILED -> onWindowFailed(subtaskId, reported, outcome.failure());
            default -> ledger.finished(reported);
        }
    }

    private void onWindowFailed(int subtaskId, WindowSplit reported, WindowFailure failure) {
        try {
            ledger.failed(subtaskId, reported, failure);
        } catch (WindowFailedException e) {
            // asking again gives the same answer, so a restart would only repeat this: the job
            // fails for good
            throw new SuppressRestartsException(e);
        }
    }

    /**
     * Serves the waiting requests of {@code reader}, and only those (see "Only readers that speak
     * are answered"): windows while the ledger has them, each to the tenant whose turn it is (the
     * ledger's {@link TenantTurns}), or the end of a bounded sync when nothing is left.
     */
    private void assignPendingSplits(int reader) {
        if (!context.registeredReaders().containsKey(reader)) {
            return; // the reader failed after asking; its successor asks again
        }
        while (splitRequests.contains(reader)) {
            WindowSplit split = ledger.assignNext(splitRequests.size(), wantedSlots());
            // a pass's windows go out when the running sync has none waiting
            if (split == null && passes != null)
                split =
                        passes.assignNext(
                                splitRequests.size() + context.currentParallelism(),
                                ledger.syncPositions().keySet());
            if (split == null) break;
            splitRequests.removeFirstOccurrence(reader);
            context.assignSplit(split, reader);
        }
        if (splitRequests.contains(reader) && ledger.isBoundedSyncDone()) {
            context.signalNoMoreSplits(reader);
            splitRequests.removeIf(r -> r == reader);
        }
    }

    /** The windows all readers want to page at once, as their last polls said. */
    private int wantedSlots() {
        int sum = 0;
        for (int wanted : splitsWanted.values()) sum += wanted;
        return sum;
    }

    /**
     * Coordinator thread. Stamps the windows finished since the last snapshot with this checkpoint.
     */
    @Override
    public HttpSyncEnumState snapshotState(long checkpointId) {
        HttpSyncEnumState windows = ledger.snapshot(checkpointId);
        if (passes != null) windows = windows.withPasses(passes.snapshot(checkpointId));
        return tokens == null ? windows : windows.withRefreshTokens(tokens.snapshot());
    }

    /** Coordinator thread. Commits the windows whose records the completed checkpoint covers. */
    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        // Nothing is sent from here: a stop-with-savepoint finishes the tasks right when the
        // savepoint completes (see
        // the class javadoc). The positions go out with each reader's next request, report or poll.
        ledger.checkpointComplete(checkpointId);
        if (passes != null) passes.checkpointComplete(checkpointId);
    }

    /**
     * Coordinator thread. Tells a reader the sync positions if they moved since it last heard them
     * (watermarks follow them). Called only when the reader speaks to us.
     */
    private void sendPositionsIfMoved(int subtaskId) {
        Map<String, Long> positions = syncPositions();
        if (!positions.equals(positionsSent.get(subtaskId))) {
            context.sendEventToSourceReader(subtaskId, new SyncPositionEvent(positions));
            positionsSent.put(subtaskId, positions);
        }
    }

    /**
     * The sync position (epoch millis) of every tenant of the plan; a tenant that left the plan
     * would hold the readers' watermarks back for good, so it is not included. Coordinator thread.
     */
    @VisibleForTesting
    public Map<String, Long> syncPositions() {
        return ledger.syncPositions();
    }

    @Override
    public void close() throws IOException {
        // The periodic tick belongs to the context, which cancels it; the token client is ours.
        if (tokens != null) tokens.close();
        if (registry != null) registry.close();
        for (AutoCloseable resource : closing) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("Closing {} failed", resource.getClass().getSimpleName(), e);
            }
        }
    }
}
