package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.split.FailureStreak;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
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
 * Where every window of every tenant is, and the sync positions that follow from it: the split
 * assigner of the {@link HttpSyncEnumerator} (as flink-cdc's {@code SplitAssigner} is its
 * enumerator's). The enumerator speaks with the readers and tells the ledger what they said; the
 * ledger plans, assigns, re-plans and commits windows, and is what the enumerator checkpoints.
 *
 * <h2>Split lifecycle</h2>
 *
 * <pre>
 *   planned ──► unassigned ──► assigned ──► finished, pending checkpoint ──► committed
 *                  ▲   ▲          │ │                    │
 *                  │   │          │ └─ too large: covered part ─┘ (finished), rest halved ─► unassigned
 *                  │   └─ retry ──┴─ failed (waits the retry delay)
 *                  └── taken back (reader failed before a checkpoint): assigned or finished go back
 * </pre>
 *
 * <ul>
 *   <li><b>planned</b>: windows are planned lazily, one when it is its tenant's turn ({@link
 *       #assignNext}), so the state stays small over a long backfill. A bounded sync plans windows
 *       narrower than the step when the readers want more windows in flight than the step would
 *       give (see {@code fillWidth}). In bounded mode the horizon is the end; in continuous mode it
 *       is {@code now - lag} on the platform's clock ({@link #advanceHorizon}).
 *   <li><b>unassigned to assigned</b>: by turns across tenants, each tenant's share following its
 *       own limit ({@link TenantTurns}); within a tenant, oldest first, except that a tenant far
 *       behind reads its recent span first (below). A window that came back (retried, hot-window
 *       pieces, taken back) waits in its tenant's queue ({@link UnassignedWindows}) and goes out in
 *       that tenant's turn, before the tenant's newly planned windows of the same kind.
 *   <li><b>assigned to finished</b>: the reader reported the window read ({@link #finished}). It is
 *       stamped with the id of the next checkpoint ({@link #snapshot}) and committed when a
 *       checkpoint at or after that id completes ({@link #checkpointComplete}; Flink may skip
 *       notifications, so "at or after").
 *   <li><b>too large</b> ({@link #tooLarge}): the part the reader covered becomes a finished
 *       window; the rest is halved (see {@link WindowPlanner}) and the halves go back to the queue,
 *       recursively as new reports arrive, down to the minimum width, below which it is handed out
 *       once more as unsplittable (its reader then reports it failed, for a lasting cause: the
 *       records beyond the cap cannot be read).
 *   <li><b>failed</b> ({@link #failed}): the window waits the plan's retry delay (doubled per
 *       failure in a row, up to a bound, when the cause is transient), then goes back to the queue
 *       ({@link #retryDue}). It is never skipped, and the sync position cannot pass it. In a
 *       bounded sync, a window that fails {@link SyncPlan#maxWindowFailures()} times in a row with
 *       the same lasting cause ends the sync with a {@link WindowFailedException} ({@link
 *       FailureStreaks}).
 *   <li><b>too early</b> ({@link #tooEarly}): the platform's clock had not passed the window's end
 *       plus the lag when it was read. The part it had passed is finished; the rest waits in
 *       pieces, each until the platform's clock has passed its end plus the lag (see {@link
 *       WindowPlanner#splitTooEarly}).
 *   <li><b>committed</b>: the tenant's sync position is the end of the longest prefix of committed
 *       windows ({@link TenantProgress}).
 * </ul>
 *
 * <p><b>Recent span first.</b> In continuous mode, a tenant whose planning is more than {@link
 * SyncPlan#recentSpanMillis()} behind the horizon (a new tenant with months of history, or one
 * catching up after a pause) gets a recent span, from the horizon less the span on ({@link
 * TenantProgress#readRecentFirst}): its turns go to the recent span's windows first and to its
 * history behind them, {@link SyncPlan#historyShare()} of its turns to the history while both have
 * windows. The sync position is unaffected: it is the end of the longest prefix of committed
 * windows, so recent windows commit beyond it and wait for the history ({@link TenantProgress}).
 *
 * <p><b>A failing tenant waits alone.</b> While a window of a tenant waits for its retry after a
 * transient failure (rate limited or banned, unavailable, no answer), the tenant gets no windows:
 * the next would most likely fail the same way, and its turns go to the others. When the retry is
 * due, the failed window goes out first in the tenant's next turn. A tenant also holds at most its
 * share of the windows in flight while others have work ({@link TenantTurns}), so windows waiting
 * out a ban in the readers do not take all their slots.
 *
 * <p>A report about a window that is not (any more) assigned was already handled and changes
 * nothing.
 *
 * <p><b>Restore.</b> The state holds every window in one of the places above and the committed
 * progress. Finished windows in a restored state are committed right away: Flink restores only
 * completed checkpoints, and the state was snapshotted after their reports. Tenants added to the
 * plan since start at the plan's start; tenants removed from it keep their outstanding windows
 * until these are done but get no new ones.
 *
 * <p><b>Tenants that come and go</b> (a tenant registry): {@link #activate} adds a tenant to the
 * planned ones, from its position if the ledger knows it, else from its start; {@link #deactivate}
 * stops planning it. A deactivated tenant's windows in flight (assigned) are read to their end and
 * committed; its windows waiting for a reader are parked among the failed ones and not retried
 * until it is activated again; its position is kept, in the state too, and it leaves the sync
 * positions (its stopped position must not hold the watermarks back).
 *
 * <p>Turns and history credits are checkpointed (with each tenant's progress, {@link TenantTurns});
 * which tenant waits for a retry is not: after a restore its failed window waits for its retry, but
 * the tenant gets new windows meanwhile.
 *
 * <p><b>Threads.</b> Used by the enumerator on the source coordinator thread only, except {@link
 * #unassignedCount}, {@link #committedWindows} and the tenants' positions, which metric reporters
 * read (volatile values).
 */
@Internal
final class WindowLedger {

    private static final Logger LOG = LoggerFactory.getLogger(WindowLedger.class);

    private final SyncPlan plan;
    private final WindowPlanner planner;

    /** The widest window the assignment being made may plan ({@link #fillWidth}). */
    private long fillWidthMillis = Long.MAX_VALUE;

    /**
     * Progress of every tenant, sorted by tenant; includes tenants of a restored state that left
     * the plan.
     */
    private final Map<String, TenantProgress> tenants = new TreeMap<>();

    /** Tenants that did not exist in the restored state (all of them on a fresh start). */
    private final Set<String> newTenants = new LinkedHashSet<>();

    /**
     * The tenants planned now: the plan's, and those a registry activated; sorted for stable
     * planning rounds.
     */
    private final Set<String> active = new java.util.TreeSet<>();

    /** Tenants a registry deactivated: their failed and parked windows wait until reactivated. */
    private final Set<String> deactivated = new java.util.HashSet<>();

    private final UnassignedWindows unassigned = new UnassignedWindows();
    private final Map<String, WindowSplit> assigned = new HashMap<>();

    /** Finished windows not committed yet, by the id of the split whose report finished them. */
    private final Map<String, FinishedWindow> finishedPending = new HashMap<>();

    private final Map<String, FailedWindow> failed = new HashMap<>();
    private final FailureStreaks failureStreaks;

    /** Whose turn it is. */
    private final TenantTurns turns = new TenantTurns();

    /**
     * Failed windows waiting for a retry after a transient failure, by split id, with their tenant:
     * their tenants wait ({@link #holds}).
     */
    private final Map<String, String> holding = new HashMap<>();

    /** Per tenant, how many of its windows in {@link #holding} it waits for. */
    private final Map<String, Integer> holds = new HashMap<>();

    /** Planning stops here: the bounded end, or the latest {@code now - lag} seen by a tick. */
    private long horizonMillis;

    /** Windows committed since this ledger was made, restored ones included. */
    private volatile long committedWindows;

    WindowLedger(SyncPlan plan, @Nullable HttpSyncEnumState restoredState) {
        this.plan = checkNotNull(plan, "plan");
        this.planner = new WindowPlanner(plan);
        this.failureStreaks = new FailureStreaks(plan);
        this.horizonMillis = plan.isBounded() ? plan.endMillis() : Long.MIN_VALUE;
        if (restoredState != null) {
            restore(restoredState);
        }
        for (String tenant : plan.tenants()) {
            if (!tenants.containsKey(tenant)) {
                tenants.put(tenant, new TenantProgress(tenant, plan.startMillis()));
                newTenants.add(tenant);
            }
        }
        active.addAll(plan.tenants());
        tenants.keySet().forEach(this::refresh);
    }

    /**
     * A registry's tenant is planned (again): from its position if the ledger knows it (restored,
     * or deactivated before), else from {@code startMillis} (rounded down to the time resolution).
     * Returns the new tenant's progress, or null if the tenant was known or is active already.
     */
    @Nullable
    TenantProgress activate(String tenant, long startMillis) {
        deactivated.remove(tenant);
        if (!active.add(tenant)) return null;
        positions = null;
        TenantProgress known = tenants.get(tenant);
        if (known != null) {
            LOG.debug("Tenant {} is planned again from its position", tenant);
            refresh(tenant);
            return null;
        }
        long resolution = plan.timeResolutionMillis();
        TenantProgress progress =
                new TenantProgress(tenant, Math.floorDiv(startMillis, resolution) * resolution);
        tenants.put(tenant, progress);
        readRecentFirstIfBehind(progress);
        refresh(tenant);
        // DEBUG: a registry may add thousands at once; RegistryTenants sums them up at INFO
        LOG.debug("Tenant {} is new: planned from {}", tenant, Instant.ofEpochMilli(startMillis));
        return progress;
    }

    /**
     * A registry's tenant is no longer planned: its windows in flight finish, those waiting are
     * parked with its failed ones until it is activated again; its position is kept. Returns
     * whether it was active.
     */
    boolean deactivate(String tenant) {
        if (!active.remove(tenant)) return false;
        positions = null;
        deactivated.add(tenant);
        long now = plan.clock().millis();
        List<WindowSplit> parked = unassigned.removeTenant(tenant);
        for (WindowSplit window : parked)
            failed.put(window.splitId(), new FailedWindow(window, now, "its tenant was disabled"));
        refresh(tenant);
        long inFlight = assigned.values().stream().filter(w -> w.tenant().equals(tenant)).count();
        LOG.info(
                "Tenant {} is no longer planned: {} windows in flight are read to their end, {} waiting"
                        + " windows are parked until it is enabled again; its position is kept",
                tenant,
                inFlight,
                parked.size());
        return true;
    }

    /**
     * The tenant's weight in the turns: its own requests per second. Tenants not weighed have
     * {@link #defaultWeight}.
     */
    void weigh(String tenant, double weight) {
        turns.weigh(tenant, weight);
    }

    /** The weight of tenants not weighed on their own: the endpoint's requests per tenant. */
    void defaultWeight(double weight) {
        turns.defaultWeight(weight);
    }

    /** How many tenants are planned now. */
    int activeCount() {
        return active.size();
    }

    private void restore(HttpSyncEnumState state) {
        for (TenantState tenant : state.tenants()) {
            tenants.put(tenant.tenant(), TenantProgress.restore(tenant));
            turns.restore(tenant);
        }
        state.unassigned().forEach(unassigned::add);
        state.assigned().forEach(this::assign);
        state.failed().forEach(failure -> failed.put(failure.window().splitId(), failure));
        for (FinishedWindow finished : state.finishedPending()) {
            if (finished.isCheckpointed()) {
                // The state comes from a completed checkpoint that was snapshotted after this
                // report.
                commit(finished.window());
            } else {
                finishedPending.put(finished.reportedSplitId(), finished);
            }
        }
        for (String tenant : tenants.keySet()) {
            if (!plan.tenants().contains(tenant)) {
                LOG.info(
                        "Tenant {} is in the restored state but not in the sync plan's list: its outstanding"
                                + " windows are still read, but no new windows are planned for it unless a tenant"
                                + " registry lists it.",
                        tenant);
            }
        }
    }

    /** Whether some tenant of the plan was not in the restored state (always on a fresh start). */
    boolean hasNewTenants() {
        return !newTenants.isEmpty();
    }

    /** Every tenant's progress, sorted by tenant, tenants that left the plan included. */
    Collection<TenantProgress> tenants() {
        return Collections.unmodifiableCollection(tenants.values());
    }

    /** Whether the window of {@code splitId} is assigned to a reader by this ledger. */
    boolean isAssigned(String splitId) {
        return assigned.containsKey(splitId);
    }

    /** Whether some window is with a reader. */
    boolean hasAssigned() {
        return !assigned.isEmpty();
    }

    /** Windows planned and waiting for a reader. Any thread. */
    int unassignedCount() {
        return unassigned.size();
    }

    /** Windows committed since this ledger was made, restored ones included. Any thread. */
    long committedWindows() {
        return committedWindows;
    }

    /**
     * Continuous mode: the platform's clock reads {@code platformNowMillis}; plan up to that less
     * the lag.
     */
    void advanceHorizon(long platformNowMillis) {
        horizonMillis = Math.max(horizonMillis, planner.horizonAt(platformNowMillis));
        for (String tenant : active) {
            readRecentFirstIfBehind(tenants.get(tenant));
            refresh(tenant); // the new horizon may give it windows to plan
        }
    }

    /**
     * Gives a tenant more than the recent span behind the horizon a recent span, read before the
     * rest of its history; only if the history before it is at least a minimum window wide (a
     * narrower one could not be planned on its own).
     */
    private void readRecentFirstIfBehind(TenantProgress progress) {
        long span = plan.recentSpanMillis();
        if (span <= 0 || progress.hasRecentSpan() || horizonMillis == Long.MIN_VALUE) return;
        long from = plan.alignDown(horizonMillis - span);
        if (from - progress.nextPlannedStartMillis() < plan.minWindowWidthMillis()) return;
        progress.readRecentFirst(from);
        LOG.debug(
                "Tenant {} is behind: its windows from {} are read before its history from {}",
                progress.tenant(),
                Instant.ofEpochMilli(from),
                Instant.ofEpochMilli(progress.nextPlannedStartMillis()));
    }

    /** Puts the failed windows whose retry is due back in the queue. */
    void retryDue(long nowMillis) {
        for (Iterator<FailedWindow> it = failed.values().iterator(); it.hasNext(); ) {
            FailedWindow failure = it.next();
            if (deactivated.contains(failure.window().tenant())) continue; // parked
            if (failure.retryAtMillis() <= nowMillis) {
                it.remove();
                release(failure.window().splitId());
                requeue(failure.window());
                LOG.info(
                        "Retrying window {} that failed with: {}",
                        failure.window().splitId(),
                        failure.reason());
            }
        }
    }

    /**
     * The next window to hand out, now assigned; null if no tenant has one below the horizon (or
     * every tenant with one waits for a retry). The tenant is the one whose turn it is ({@link
     * TenantTurns}); its window is planned now unless one of its windows came back.
     *
     * @param waitingRequests the readers' requests waiting for a window, this one included: with
     *     the windows in flight, what the tenants' shares of the slots divide
     */
    @Nullable
    WindowSplit assignNext(int waitingRequests) {
        return assignNext(waitingRequests, 0);
    }

    /**
     * @param wantedSlots the windows the readers want to page at once, all together (0: not known):
     *     windows are planned narrow enough, and shares of windows in flight counted, for that many
     */
    WindowSplit assignNext(int waitingRequests, int wantedSlots) {
        int slots = assigned.size() + Math.max(1, waitingRequests);
        String tenant = turns.pick(slots);
        if (tenant == null) return null;
        // no narrowing unless the readers said what they want: a full pass's windows (planned
        // with 0) and readers without a finite rate keep the step
        fillWidthMillis =
                wantedSlots > 0 ? fillWidth(Math.max(slots, wantedSlots)) : Long.MAX_VALUE;
        WindowSplit split = nextWindowOf(tenants.get(tenant));
        assign(split);
        refresh(tenant); // its turn is taken: it rejoins if it has more work
        return split;
    }

    /**
     * The widest window to plan so that there are windows for every slot the readers want filled
     * (windows in flight plus requests waiting): with fewer windows than slots, readers idle
     * however many requests in flight the limits allow. In a bounded sync each tenant gets its
     * share of the slots, so no window is planned wider than the sync's range divided by that
     * share; the step stays the ceiling. The share counts every tenant, not only those with work
     * left, so that the width stays put while the slots do, and the last tenant's rest is not cut
     * ever finer. Continuous syncs plan by the step alone (the horizon moves a little at a time).
     */
    private long fillWidth(int slots) {
        if (!plan.isBounded()) return Long.MAX_VALUE;
        int n = Math.max(1, tenants.size());
        long perTenant = (slots + n - 1) / n;
        return (plan.endMillis() - plan.startMillis()) / Math.max(1, perTenant);
    }

    /**
     * Tells the turns whether the tenant has work now, and where its next window starts: called
     * wherever either may have changed, so that a pick need not look at every tenant.
     */
    private void refresh(String tenant) {
        TenantProgress progress = tenants.get(tenant);
        if (progress != null) turns.update(tenant, hasWork(progress), nextStartOf(tenant));
    }

    /** A window goes back to its tenant's queue of windows waiting for a reader. */
    private void requeue(WindowSplit window) {
        unassigned.add(window);
        refresh(window.tenant());
    }

    /** How many tenants the picks of this ledger have looked at, all together. */
    long tenantsExamined() {
        return turns.tenantsExamined();
    }

    /** Where the tenant's oldest window to hand out starts (a tie-break between turns). */
    private long nextStartOf(String tenant) {
        long queued = unassigned.firstStart(tenant);
        return active.contains(tenant)
                ? Math.min(queued, tenants.get(tenant).nextPlannedStartMillis())
                : queued;
    }

    private void assign(WindowSplit split) {
        assigned.put(split.splitId(), split);
        turns.assigned(split.tenant());
    }

    /**
     * Whether a tenant has a window to hand out: one that came back, or one to plan (active tenants
     * only); not while it waits for a retry.
     */
    private boolean hasWork(TenantProgress progress) {
        String tenant = progress.tenant();
        if (holds.containsKey(tenant)) return false;
        return unassigned.has(tenant)
                || (active.contains(tenant)
                        && (canPlanHistory(progress) || canPlanRecent(progress)));
    }

    private boolean canPlanHistory(TenantProgress progress) {
        return planner.canPlan(progress.nextPlannedStartMillis(), historyEnd(progress));
    }

    private boolean canPlanRecent(TenantProgress progress) {
        return progress.hasRecentSpan()
                && planner.canPlan(progress.recentNextMillis(), horizonMillis);
    }

    /** Where the history's planning stops: the recent span's start, or the horizon. */
    private long historyEnd(TenantProgress progress) {
        return progress.hasRecentSpan() ? progress.recentFromMillis() : horizonMillis;
    }

    /**
     * The tenant's next window (it has work): from its recent span or its history (by the history's
     * share when both have windows), a window that came back before a new one.
     */
    private WindowSplit nextWindowOf(TenantProgress progress) {
        String tenant = progress.tenant();
        boolean planning = active.contains(tenant);
        boolean recentSpan = progress.hasRecentSpan();
        long recentFrom = recentSpan ? progress.recentFromMillis() : Long.MAX_VALUE;
        boolean history =
                unassigned.hasBefore(tenant, recentFrom) || (planning && canPlanHistory(progress));
        boolean recent =
                recentSpan
                        && (unassigned.hasFrom(tenant, recentFrom)
                                || (planning && canPlanRecent(progress)));
        if (history && (!recent || turns.historyTurn(tenant, plan.historyShare()))) {
            if (unassigned.hasBefore(tenant, recentFrom)) return unassigned.pollFirst(tenant);
            WindowSplit window =
                    planner.nextWindow(
                            tenant,
                            progress.nextPlannedStartMillis(),
                            historyEnd(progress),
                            fillWidthMillis);
            progress.planned(window.endMillis());
            return window;
        }
        WindowSplit back = unassigned.pollFrom(tenant, recentFrom);
        if (back != null) return back;
        WindowSplit window =
                planner.nextWindow(
                        tenant, progress.recentNextMillis(), horizonMillis, fillWidthMillis);
        progress.plannedRecent(window.endMillis());
        return window;
    }

    /**
     * Whether a bounded sync has nothing left to hand out: nothing is unassigned, nothing is
     * assigned (an assigned window can still come back as hot-window pieces), no failed window
     * waits for a retry and every tenant is planned to the end. Finished windows waiting for a
     * checkpoint do not count: they come back only when taken back from a failed reader, which asks
     * again.
     */
    boolean isBoundedSyncDone() {
        return plan.isBounded()
                && unassigned.isEmpty()
                && assigned.isEmpty()
                && failed.isEmpty()
                && active.stream()
                        .allMatch(
                                tenant ->
                                        tenants.get(tenant).nextPlannedStartMillis()
                                                >= horizonMillis);
    }

    /** A reader read every record of the window: it waits for a checkpoint. */
    void finished(WindowSplit reported) {
        WindowSplit split = takeAssigned(reported, "finished");
        if (split != null) {
            finishedPending(split, split.fresh());
        }
    }

    /**
     * {@code part} of the reported {@code split} was read: it waits for a checkpoint, under the
     * split's id.
     */
    private void finishedPending(WindowSplit split, @Nullable WindowSplit part) {
        if (part != null) {
            finishedPending.put(
                    split.splitId(),
                    new FinishedWindow(split.splitId(), part, FinishedWindow.NOT_YET_CHECKPOINTED));
        }
    }

    /**
     * A reader found the window holding more records than the platform pages through ({@code
     * knownTotal}), and covered it from {@code coveredFromMillis} to its end (null: nothing): that
     * part is finished, the rest re-planned in halves.
     *
     * @throws IllegalStateException if the window was already unsplittable: a reader must read it
     *     as far as the platform allows
     */
    void tooLarge(
            int subtaskId,
            WindowSplit reported,
            @Nullable Long coveredFromMillis,
            long knownTotal) {
        WindowSplit split = assigned.get(reported.splitId());
        if (split != null && split.isUnsplittable()) {
            throw new IllegalStateException(
                    String.format(
                            "Reader %d reported the unsplittable window %s too large (%d records). A reader must"
                                    + " read an unsplittable window as far as the platform allows and raise an"
                                    + " exception event for the rest.",
                            subtaskId, split.splitId(), knownTotal));
        }
        if (takeAssigned(reported, "too large") == null) {
            return;
        }
        WindowPlanner.HotWindowSplit hot = planner.splitTooLarge(split, coveredFromMillis);
        finishedPending(split, hot.coveredPart());
        hot.pieces().forEach(this::requeue);
        LOG.info(
                "Window {} holds {} records, more than the platform pages through; covered {}, re-planned as {}",
                split.splitId(),
                knownTotal < 0 ? "more" : knownTotal,
                hot.coveredPart() == null ? "nothing" : hot.coveredPart().splitId(),
                splitIds(hot.pieces()));
    }

    /**
     * A window read before the platform's clock had passed its end plus the lag: the part it had
     * passed ({@code platformReachedMillis}) is finished, the rest waits, piece by piece, until the
     * platform's clock passes each piece's end plus the lag (measured as a duration from now, so
     * that the clocks need not agree).
     */
    void tooEarly(int subtaskId, WindowSplit reported, long platformReachedMillis) {
        WindowSplit split = takeAssigned(reported, "too early");
        if (split == null) {
            return;
        }
        WindowPlanner.EarlyWindowSplit early = planner.splitTooEarly(split, platformReachedMillis);
        finishedPending(split, early.readPart());
        long now = plan.clock().millis();
        for (WindowSplit piece : early.pieces()) {
            long due =
                    now + Math.max(0, piece.endMillis() + plan.lagMillis() - platformReachedMillis);
            failed.put(
                    piece.splitId(),
                    new FailedWindow(
                            piece,
                            due,
                            "the platform's clock had not passed its end plus the lag"));
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

    /**
     * A reader gave up on the window for now: it waits for its retry.
     *
     * @throws WindowFailedException if the sync is bounded and the window failed with the same
     *     lasting cause as many times as the plan allows: asking again would give the same answer
     */
    void failed(int subtaskId, WindowSplit reported, WindowFailure failure) {
        WindowSplit split = takeAssigned(reported, "failed");
        if (split == null) {
            return;
        }
        if (failure.transientCause()) {
            // the tenant's next windows would most likely fail alike: it waits for this retry
            holding.put(split.splitId(), split.tenant());
            holds.merge(split.tenant(), 1, Integer::sum);
            refresh(split.tenant());
        }
        FailureStreak streak;
        try {
            streak = failureStreaks.failed(split, failure);
        } catch (WindowFailedException e) {
            LOG.error(
                    "Window {} failed {} times in a row with the same cause, the bounded sync fails: {}",
                    split.splitId(),
                    e.failures(),
                    e.reason());
            throw e;
        }
        long retryAt = failureStreaks.retryAt(plan.clock().millis(), streak, failure);
        // the streak travels with the window, through its retries and the checkpoints in between
        failed.put(
                split.splitId(),
                new FailedWindow(
                        split.fresh().withFailureStreak(streak), retryAt, failure.reason()));
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

    /**
     * Removes and returns the assigned split a report is about, or null if the report was already
     * handled.
     */
    @Nullable
    private WindowSplit takeAssigned(WindowSplit reported, String report) {
        WindowSplit split = unassign(reported.splitId());
        if (split == null) {
            LOG.debug(
                    "Window {} reported {} again or after it was re-planned; ignored",
                    reported.splitId(),
                    report);
        }
        return split;
    }

    /**
     * The splits of a failed reader, assigned after its last successful checkpoint: what is left of
     * them goes back to the queue. Returns how many went back.
     */
    int takeBack(List<WindowSplit> splits) {
        int requeued = 0;
        for (WindowSplit split : splits) {
            WindowSplit back = takeBack(split.splitId());
            if (back != null) {
                requeue(back);
                requeued++;
            }
        }
        return requeued;
    }

    /** What is left to read of a split whose reader failed, or null if nothing is. */
    @Nullable
    private WindowSplit takeBack(String splitId) {
        FinishedWindow finished = finishedPending.remove(splitId);
        if (finished != null) {
            // no checkpoint covered its records: they are lost with the reader
            return finished.window();
        }
        WindowSplit assignedSplit = unassign(splitId);
        if (assignedSplit != null) {
            return assignedSplit.fresh();
        }
        FailedWindow failure = failed.remove(splitId);
        if (failure != null) {
            release(splitId);
            return failure.window();
        }
        // re-planned as hot-window pieces with nothing covered: the pieces are queued already
        return null;
    }

    /** Removes an assigned window (null if not assigned); its tenant holds one window less. */
    @Nullable
    private WindowSplit unassign(String splitId) {
        WindowSplit split = assigned.remove(splitId);
        if (split != null) turns.returned(split.tenant());
        return split;
    }

    /** A failed window leaves the failed ones: if its tenant waited for it, it waits no more. */
    private void release(String splitId) {
        String tenant = holding.remove(splitId);
        if (tenant != null) {
            holds.computeIfPresent(tenant, (t, n) -> n == 1 ? null : n - 1);
            refresh(tenant);
        }
    }

    /**
     * Stamps the windows finished since the last snapshot with this checkpoint; the state (without
     * refresh tokens).
     */
    HttpSyncEnumState snapshot(long checkpointId) {
        finishedPending.replaceAll(
                (id, finished) ->
                        finished.isCheckpointed()
                                ? finished
                                : new FinishedWindow(id, finished.window(), checkpointId));
        List<TenantState> tenantStates = new ArrayList<>();
        double base = turns.base(tenants.keySet());
        tenants.values()
                .forEach(progress -> tenantStates.add(turns.withTurn(progress.snapshot(), base)));
        return new HttpSyncEnumState(
                tenantStates,
                unassigned.snapshot(),
                sorted(assigned.values(), Function.identity()),
                sorted(finishedPending.values(), FinishedWindow::window),
                sorted(failed.values(), FailedWindow::window));
    }

    /** Commits the windows whose records the completed checkpoint covers. */
    void checkpointComplete(long checkpointId) {
        boolean positionMoved = false;
        for (Iterator<FinishedWindow> it = finishedPending.values().iterator(); it.hasNext(); ) {
            FinishedWindow finished = it.next();
            if (finished.isCommittedBy(checkpointId)) {
                it.remove();
                positionMoved |= commit(finished.window());
            }
        }
        if (positionMoved) {
            positions = null;
            LOG.debug("sync positions moved to {}", syncPositions());
        }
    }

    private boolean commit(WindowSplit window) {
        committedWindows++; // written by the coordinator thread only
        TenantProgress progress = tenants.get(window.tenant());
        if (progress == null) {
            progress = new TenantProgress(window.tenant(), window.startMillis());
            tenants.put(window.tenant(), progress);
            refresh(window.tenant()); // a window of it may wait for a reader
        }
        return progress.commit(window.startMillis(), window.endMillis());
    }

    /**
     * The sync position (epoch millis) of every tenant of the plan; a tenant that left the plan
     * would hold the readers' watermarks back for good, so it is not included.
     */
    /**
     * The sync positions as {@link #syncPositions} built them last, or null when a position or the
     * planned tenants changed since. The enumerator compares the positions with those a reader last
     * heard at every message of every reader; built anew each time, thousands of tenants made that
     * most of the enumerator's work.
     */
    @Nullable private Map<String, Long> positions;

    Map<String, Long> syncPositions() {
        if (positions == null) {
            Map<String, Long> built = new TreeMap<>();
            active.forEach(tenant -> built.put(tenant, tenants.get(tenant).syncPositionMillis()));
            positions = Collections.unmodifiableMap(built);
        }
        return positions;
    }

    static List<String> splitIds(List<WindowSplit> splits) {
        List<String> ids = new ArrayList<>(splits.size());
        splits.forEach(split -> ids.add(split.splitId()));
        return ids;
    }

    private static <T> List<T> sorted(Iterable<T> items, Function<T, WindowSplit> window) {
        List<T> list = new ArrayList<>();
        items.forEach(list::add);
        list.sort(Comparator.comparing(window, UnassignedWindows.ASSIGNMENT_ORDER));
        return list;
    }
}
