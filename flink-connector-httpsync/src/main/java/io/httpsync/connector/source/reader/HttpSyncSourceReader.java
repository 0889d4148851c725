package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.http.FetchActivityLog;
import io.httpsync.connector.ratelimit.BudgetReport;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.PassMarker;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.TenantPosition;
import io.httpsync.connector.source.event.PassEvent;
import io.httpsync.connector.source.event.RateAllotmentEvent;
import io.httpsync.connector.source.event.ReaderLeavingEvent;
import io.httpsync.connector.source.event.ReaderPollEvent;
import io.httpsync.connector.source.event.SyncPositionEvent;
import io.httpsync.connector.source.event.TenantsEvent;
import io.httpsync.connector.source.event.TokenEvent;
import io.httpsync.connector.source.event.TokenRequestEvent;
import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitState;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.core.io.InputStatus;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The httpsync source reader: pages the windows the enumerator assigns, emits their records, and
 * tells the enumerator how each window ended.
 *
 * <p>Split lifecycle on the reader (every method here runs on the task's mailbox thread):
 *
 * <ol>
 *   <li>The reader asks for windows (pull) until it holds as many as it should page at once ({@link
 *       SplitsInFlight}: fixed, or sized from its share of the rate limit and the request latency,
 *       which can change while it runs): at start, whenever a window ends, and at each poll of the
 *       enumerator (the target may have grown).
 *   <li>An assigned window is paged by {@link HttpPageSplitReader}; its position (after the last
 *       emitted page) is its state, so a restore resumes mid-window.
 *   <li>When a window ends, it gets an outcome (see {@code WindowOutcome}), written into its split
 *       state by the record emitter with the window's last page: finished (all records emitted),
 *       too large for the platform's deep-paging cap (to be split by the enumerator), failed
 *       (retries exhausted; retried later) or too early (the platform's clock had not passed it).
 *       The split, carrying its outcome, is reported to the enumerator ({@link WindowsEndedEvent})
 *       and kept, with its outcome, in the reader's checkpointed state until the enumerator
 *       acknowledges it. Either the enumerator's checkpoint or the reader's holds it, so a failover
 *       neither loses the window nor pages it again; a restored window with an outcome is only
 *       reported again.
 * </ol>
 *
 * Full-pass markers ({@link PassEvent}) are emitted at the next poll, before any record polled
 * after them. One received before a checkpoint and not emitted yet is in the reader's state (a
 * split carrying it, {@link WindowSplit#carrying}), since the enumerator counts it as sent; a
 * restored reader emits it first.
 *
 * <p>Watermarks follow the sync position: the enumerator sends positions once a completed
 * checkpoint has moved them and the reader emits the smallest one as watermark (all data updated
 * before it is in). If asked to, the reader also emits each tenant's position as an element ({@link
 * TenantPosition}) when it advances. Both are emitted from {@link #pollNext}; an idle reader is
 * woken for them through {@link #isAvailable}, so a position reaches downstream without waiting for
 * the next record.
 *
 * <p>The enumerator answers only readers that speak to it (see {@code HttpSyncEnumerator}), so the
 * reader polls it ({@link ReaderPollEvent}) every poll interval while it runs, woken by a timer
 * when idle. That is how a waiting split request gets a newly planned window, and an idle reader
 * the new positions.
 *
 * <p>With the job's rate-limit budget ({@link HierarchicalRateLimiter#isAllottedByJob()}), each
 * poll carries the limiter's demand and applied allotments, and the answer ({@link
 * RateAllotmentEvent}) goes to the limiter. A request that waits for an allotment makes the reader
 * poll at once (the limiter's worker thread only raises a flag and wakes the mailbox; the event is
 * sent from here).
 *
 * <p>The platform's clock: every answer's {@code Date} header feeds a {@link PlatformClock}; each
 * poll tells the enumerator the platform's time, against which it plans windows, and a window whose
 * reading began before the platform reached its end plus the lag is reported too early instead of
 * finished ({@link PlatformClockCheck}).
 *
 * <p>Tokens are the job's, held by the enumerator: the page fetcher gets them from a {@link
 * CoordinatedTokenProvider}, whose requests the reader sends from {@link #pollNext} (woken for them
 * through {@link #isAvailable}) and whose answers it hands in from {@link #handleSourceEvents}.
 */
@Internal
public final class HttpSyncSourceReader<T>
        extends SingleThreadMultiplexSourceReaderBase<
                FetchedPage, SyncElement<T>, WindowSplit, WindowSplitState> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpSyncSourceReader.class);

    /** How many windows to hold now ({@link SplitsInFlight.Target#get}). */
    private final IntSupplier splitsInFlight;

    /**
     * The windows the enumerator should plan for this reader ({@link
     * SplitsInFlight.Target#planningSlots}): 0 unless the reader is sized from a finite rate.
     */
    private final IntSupplier planningSlots;

    /** Split requests sent and not answered with a window yet. Mailbox thread. */
    private int requestsWaiting;

    /** Whether the enumerator said no more windows come (a bounded sync ended). Mailbox thread. */
    private boolean noMoreSplits;

    private final AutoCloseable fetcher;
    private final HierarchicalRateLimiter limiter;

    /**
     * Set by the limiter's worker when a request waits for an allotment; read and cleared on the
     * mailbox thread.
     */
    private volatile boolean allotmentWanted;

    /**
     * Completed by the limiter's worker to wake an idle reader for that; replaced on the mailbox
     * thread.
     */
    private volatile CompletableFuture<Void> allotmentWake = new CompletableFuture<>();

    private final HttpSyncReaderMetrics metrics;
    private final Map<String, WindowSplit> awaitingAck = new LinkedHashMap<>();
    private final boolean emitTenantPositions;
    private final long pollIntervalMillis;
    private long nextPollAtMillis;

    /**
     * Wakes an idle reader when its next poll is due. The reader's own, shut down in {@link
     * #close}: the JDK's shared delay thread ({@code CompletableFuture.delayedExecutor}) would be
     * created under this job's frames and keep its class loader alive in the TaskManager for good.
     */
    private final ScheduledThreadPoolExecutor pollTimer;

    /** Completes when the next poll is due; replaced once used. Mailbox thread only. */
    @Nullable private CompletableFuture<Void> pollDue;

    private long pendingWatermark = Long.MIN_VALUE;
    private long emittedWatermark = Long.MIN_VALUE;

    /**
     * Positions received but not emitted yet, and the last emitted per tenant (only if emitting
     * positions).
     */
    private final Map<String, Long> pendingPositions = new LinkedHashMap<>();

    private final Map<String, Long> emittedPositions = new HashMap<>();

    /**
     * Full-pass markers received but not emitted yet, in arrival order (see {@link PassMarker}):
     * emitted before any record polled after their event arrived. In the reader's state ({@link
     * WindowSplit#carrying}) until emitted: a restore emits them first. Mailbox thread.
     */
    private final List<PassMarker> pendingMarkers = new ArrayList<>();

    /**
     * Completed when a position arrives for an idle reader; replaced once used. Mailbox thread
     * only.
     */
    private CompletableFuture<Void> positionsArrived = new CompletableFuture<>();

    /**
     * The tokens the page fetcher borrows from the enumerator, or null if the endpoint fetches
     * none.
     */
    @Nullable private final CoordinatedTokenProvider tokens;

    /** The platform's clock as the answers show it, reported with every poll. */
    private final PlatformClock platformClock;

    private final PlatformClockCheck clockCheck;

    /**
     * Sums up rate limiting, token refusals and retries per tenant; written from the poll when the
     * fetcher is quiet.
     */
    private final FetchActivityLog activity;

    /**
     * Takes the tenants a registry adds or changes (into the map the split readers read), or null
     * when the tenants are a fixed list. Mailbox thread.
     */
    @Nullable private Consumer<List<Tenant>> tenantUpdates;

    HttpSyncSourceReader(
            Supplier<SplitReader<FetchedPage, WindowSplit>> splitReaders,
            HttpSyncRecordEmitter<T> emitter,
            HttpSyncReaderMetrics metrics,
            AutoCloseable fetcher,
            HierarchicalRateLimiter limiter,
            @Nullable CoordinatedTokenProvider tokens,
            IntSupplier splitsInFlight,
            IntSupplier planningSlots,
            boolean emitTenantPositions,
            long pollIntervalMillis,
            PlatformClock platformClock,
            PlatformClockCheck clockCheck,
            FetchActivityLog activity,
            Configuration config,
            SourceReaderContext context) {
        super(splitReaders, emitter, config, context);
        this.activity = activity;
        this.platformClock = platformClock;
        this.clockCheck = clockCheck;
        this.fetcher = fetcher;
        this.limiter = limiter;
        this.pollTimer =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t =
                                    new Thread(
                                            r,
                                            "httpsync-reader-poll-" + context.getIndexOfSubtask());
                            t.setDaemon(true);
                            return t;
                        });
        pollTimer.setRemoveOnCancelPolicy(true);
        this.tokens = tokens;
        if (limiter.isAllottedByJob()) {
            limiter.onAllotmentWanted(
                    () -> {
                        allotmentWanted = true;
                        allotmentWake.complete(null);
                    });
        }
        this.metrics = metrics;
        this.splitsInFlight = splitsInFlight;
        this.planningSlots = planningSlots;
        this.emitTenantPositions = emitTenantPositions;
        this.pollIntervalMillis = pollIntervalMillis;
    }

    /** Before {@link #start}: where the tenants a registry adds or changes go. */
    void onTenants(Consumer<List<Tenant>> updates) {
        this.tenantUpdates = updates;
    }

    @Override
    public void start() {
        super.start();
        // the poll first: it tells the enumerator how many windows to plan for before it answers
        // the requests one by one
        sendPoll(System.currentTimeMillis());
        requestSplits();
    }

    /**
     * Asks for windows until those held and those asked for reach the target. A target that shrank
     * is reached by not replacing windows that end. Mailbox thread.
     */
    private void requestSplits() {
        if (noMoreSplits) return;
        int missing =
                splitsInFlight.getAsInt() - getNumberOfCurrentlyAssignedSplits() - requestsWaiting;
        for (int i = 0; i < missing; i++) {
            context.sendSplitRequest();
            requestsWaiting++;
        }
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        super.notifyNoMoreSplits();
    }

    @Override
    public void addSplits(List<WindowSplit> splits) {
        List<WindowSplit> toRead = new ArrayList<>(splits.size());
        List<WindowSplit> reported = new ArrayList<>();
        int markers = 0;
        for (WindowSplit s : splits) {
            if (s.passMarker() != null) {
                // restored: received before the checkpoint, not emitted by then; emitted first, as
                // it would have been, with the reader and readers it was received as
                pendingMarkers.add(s.passMarker());
                markers++;
            } else if (s.isAwaitingAck()) reported.add(s);
            else toRead.add(s);
        }
        if (!reported.isEmpty()) {
            // restored from a checkpoint taken before the enumerator acknowledged them: report
            // again, never re-read
            report(reported);
        }
        toRead.forEach(clockCheck::started);
        // restored windows arrive before start, unasked for: the count stays at zero then
        requestsWaiting = Math.max(0, requestsWaiting - (splits.size() - markers));
        if (!toRead.isEmpty()) super.addSplits(toRead);
    }

    @Override
    protected void onSplitFinished(Map<String, WindowSplitState> finished) {
        List<WindowSplit> ended = new ArrayList<>(finished.size());
        for (WindowSplitState state : finished.values()) {
            // the emitter wrote the outcome into the state with the window's last page
            WindowSplit split = state.toSplit();
            ended.add(split.isAwaitingAck() ? split : split.asFinished());
        }
        report(ended);
        // Flink 2.2.1 keeps an emptied metric group per finished split; one split per window
        FinishedSplitMetricGroups.release(context.metricGroup(), finished.keySet());
        requestSplits();
    }

    /**
     * Keeps the splits (with their outcomes) in state until acknowledged, and reports them to the
     * enumerator.
     */
    private void report(List<WindowSplit> withOutcomes) {
        withOutcomes.forEach(s -> awaitingAck.put(s.splitId(), s));
        context.sendSourceEventToCoordinator(new WindowsEndedEvent(withOutcomes));
    }

    @Override
    public List<WindowSplit> snapshotState(long checkpointId) {
        List<WindowSplit> state = new ArrayList<>(super.snapshotState(checkpointId));
        state.addAll(awaitingAck.values());
        // the enumerator counts a marker as sent once it was sent before its checkpoint: until it
        // is emitted, the marker is this reader's to keep
        pendingMarkers.forEach(marker -> state.add(WindowSplit.carrying(marker)));
        return state;
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof WindowsFinishedAckEvent ack) {
            ack.splitIds().forEach(awaitingAck::remove);
        } else if (event instanceof RateAllotmentEvent allotments) {
            limiter.allot(allotments.allotments());
        } else if (event instanceof SyncPositionEvent positions) {
            positions.positionPerTenant().forEach(metrics::syncPosition);
            if (!positions.positionPerTenant().isEmpty()) {
                pendingWatermark = Math.max(pendingWatermark, positions.minimumPosition());
            }
            if (emitTenantPositions) {
                positions
                        .positionPerTenant()
                        .forEach(
                                (tenant, position) -> {
                                    if (position
                                            > emittedPositions.getOrDefault(tenant, Long.MIN_VALUE))
                                        pendingPositions.merge(tenant, position, Math::max);
                                });
            }
            if (hasPendingOutput()) positionsArrived.complete(null);
        } else if (event instanceof PassEvent pass) {
            // every record of the pass's windows was emitted before their reports, hence before
            // this event: the marker follows them on every channel of this reader
            pendingMarkers.add(
                    pass.marker().from(context.getIndexOfSubtask(), context.currentParallelism()));
            positionsArrived.complete(null);
        } else if (event instanceof TokenEvent token && tokens != null) {
            tokens.onAnswer(token);
        } else if (event instanceof TenantsEvent known && tenantUpdates != null) {
            tenantUpdates.accept(known.tenants());
        } else {
            super.handleSourceEvents(event);
        }
    }

    /**
     * Mailbox thread: sends the token requests the page fetcher queued (source events leave from
     * this thread only).
     */
    private void sendTokenRequests() {
        if (tokens == null) return;
        for (TokenRequestEvent request : tokens.drainRequests())
            context.sendSourceEventToCoordinator(request);
    }

    @Override
    public InputStatus pollNext(ReaderOutput<SyncElement<T>> output) throws Exception {
        sendTokenRequests();
        long now = System.currentTimeMillis();
        if (now >= nextPollAtMillis || allotmentWanted) {
            allotmentWanted = false;
            sendPoll(now);
            activity.logIfDue();
            requestSplits(); // the target follows the latency and the allotments
        }
        if (pendingWatermark > emittedWatermark) {
            // positions only grow, and a record updated before the position can no longer arrive
            // from any window
            output.emitWatermark(new Watermark(pendingWatermark - 1));
            emittedWatermark = pendingWatermark;
        }
        pendingPositions.forEach(
                (tenant, position) -> {
                    output.collect(SyncElement.position(new TenantPosition(tenant, position)));
                    emittedPositions.put(tenant, position);
                });
        pendingPositions.clear();
        pendingMarkers.forEach(marker -> output.collect(SyncElement.marker(marker)));
        pendingMarkers.clear();
        return super.pollNext(output);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        // replaced before the flag is read: the worker raises the flag before it completes the
        // current future
        if (allotmentWake.isDone()) allotmentWake = new CompletableFuture<>();
        if (hasPendingOutput() || allotmentWanted) return CompletableFuture.completedFuture(null);
        if (positionsArrived.isDone()) positionsArrived = new CompletableFuture<>();
        if (pollDue == null || pollDue.isDone()) {
            long delay = Math.max(0, nextPollAtMillis - System.currentTimeMillis());
            CompletableFuture<Void> due = new CompletableFuture<>();
            pollTimer.schedule(() -> due.complete(null), delay, TimeUnit.MILLISECONDS);
            pollDue = due;
        }
        CompletableFuture<Void> tokenRequests =
                tokens == null ? new CompletableFuture<>() : tokens.requestsWaiting();
        if (tokenRequests.isDone()) return tokenRequests;
        return CompletableFuture.anyOf(
                        super.isAvailable(),
                        positionsArrived,
                        pollDue,
                        allotmentWake,
                        tokenRequests)
                .thenApply(ignored -> null);
    }

    /** Mailbox thread. "Anything for me?", with the budget, the platform's time and the target. */
    private void sendPoll(long now) {
        context.sendSourceEventToCoordinator(
                new ReaderPollEvent(
                        limiter.isAllottedByJob() ? limiter.budgetReport() : BudgetReport.EMPTY,
                        platformClock.platformNowMillis(),
                        planningSlots.getAsInt()));
        nextPollAtMillis = now + pollIntervalMillis;
    }

    private boolean hasPendingOutput() {
        return pendingWatermark > emittedWatermark
                || !pendingPositions.isEmpty()
                || !pendingMarkers.isEmpty();
    }

    @Override
    protected WindowSplitState initializedState(WindowSplit split) {
        return new WindowSplitState(split);
    }

    @Override
    protected WindowSplit toSplitType(String splitId, WindowSplitState state) {
        return state.toSplit();
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            pollTimer.shutdownNow();
            if (tokens != null) tokens.close();
            try {
                fetcher.close();
            } catch (Exception e) {
                // every page handed to Flink was emitted or is covered by the state; a client that
                // fails to shut
                // down cleanly must not fail a task that is stopping (e.g. with a savepoint)
                LOG.warn("closing the HTTP client failed", e);
            } finally {
                limiter.close(); // gives back the shared worker and connections of this job's
                // class loader
                leaveBudget();
            }
        }
    }

    /**
     * Mailbox thread, closing. Tells the job's budget that this reader's allotments are free: a
     * bounded reader that finished would otherwise keep them reserved for good, and a dependent
     * endpoint sharing the budget would wait for them forever.
     */
    private void leaveBudget() {
        if (!limiter.isAllottedByJob()) return;
        try {
            context.sendSourceEventToCoordinator(new ReaderLeavingEvent());
        } catch (RuntimeException e) {
            // a cancelled task: its successor registers anew, which frees the parts as well
            LOG.debug("could not tell the enumerator that the reader leaves", e);
        }
    }
}
