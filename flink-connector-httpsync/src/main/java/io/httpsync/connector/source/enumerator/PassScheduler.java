package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.PassMarker;
import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The periodic full passes of a continuous sync, one tenant at a time: every {@link
 * PassPlan#intervalMillis()} after a tenant's previous pass ended, its range is listed again, and
 * the readers are told when the pass started, completed or was abandoned ({@link PassMarker}), so
 * that {@link io.httpsync.connector.source.PassChangelog} can turn the keys the pass did not see
 * into deletions.
 *
 * <p>A pass of tenant {@code t} starting at wall-clock time {@code s}:
 *
 * <ol>
 *   <li>lists {@code [rangeStart, p)} where {@code p} is {@code t}'s sync position at {@code s}:
 *       every incremental window before {@code p} is committed, so no window of the pass has the id
 *       of a window still in flight, and what was updated at or after {@code p} is read by the
 *       running sync. Its windows come from a bounded {@link WindowLedger} of its own, handed out
 *       when the running sync has none waiting, and planned, split when too large and reported like
 *       any window. The readers hear {@link PassMarker.Kind#STARTED} before they get any window of
 *       it.
 *   <li>is abandoned at the first window that fails: the rest of it is not handed out, and once no
 *       window of it is with a reader the readers hear {@link PassMarker.Kind#ABANDONED}. A pass
 *       interrupted by an outage deletes nothing.
 *   <li>when every window of it was read, notes the time {@code l}, and completes when {@code t}'s
 *       sync position has reached {@code l}: then every record updated while the pass listed has
 *       been read in a version at least as new by the running sync, and the readers hear {@link
 *       PassMarker.Kind#COMPLETED}.
 * </ol>
 *
 * Two passes of one tenant never overlap: the next one is due {@code interval} after one ended.
 *
 * <p><b>Tenants that come and go</b> (a tenant registry): passes follow the tenants the {@link
 * WindowLedger} plans, those of the sync positions. A tenant planned for the first time has its
 * first pass due an interval later, like a fixed tenant at the start; one planned again keeps the
 * schedule it had. A tenant no longer planned (disabled, gone from its registry, or its
 * authorization revoked) gets no new pass, and its running pass is abandoned at the next tick (none
 * of its windows is handed out meanwhile): it deletes nothing, since the tenant not being listed
 * says nothing about its records. A pass never completes for a tenant that is not planned (it has
 * no sync position), and a window that fails because its tenant's token is refused abandons the
 * pass like any failed window.
 *
 * <p><b>Checkpoints.</b> The passes are part of the enumerator's state ({@link PassState}): when
 * each tenant's next pass is due, and the running pass with its own ledger of windows, when it had
 * listed everything, whether it is abandoned and whether a reader reported a window of it. A
 * restored enumerator starts each tenant's next pass when the checkpoint said it was due (at once
 * if that time has passed). A pass that was running at the checkpoint
 *
 * <ul>
 *   <li><b>continues</b> if a reader had reported a window of it: a reader emits the pass's {@code
 *       STARTED} marker before any record of the pass's windows and reports a window only after its
 *       records, and a checkpoint's reader snapshots follow the enumerator's; so that reader's
 *       {@code STARTED} copies preceded the checkpoint's barriers on every channel, and every
 *       subtask of {@link io.httpsync.connector.source.PassChangelog} restores that pass as the one
 *       running. Every record a restored reader then emits (the rest of the pass's windows still
 *       with it, re-read from its split state, included) is stamped as seen by the pass, and the
 *       pass's windows still with the restored readers are reported to its restored ledger like any
 *       other. Its {@code COMPLETED} marker, sent once after the restore, completes it downstream.
 *   <li>is <b>abandoned</b> at the restore otherwise (the readers hear {@link
 *       PassMarker.Kind#ABANDONED}) and the tenant's next pass is due at once: no checkpoint may
 *       hold its {@code STARTED} marker downstream, and a restored reader re-reading a window of it
 *       before a resent {@code STARTED} arrived would stamp what it lists as unseen, which the pass
 *       would then delete. Its windows still with the restored readers are read and their reports
 *       acknowledged and ignored; what they list is stamped with whatever pass runs downstream when
 *       it arrives, which was read no earlier than that pass started (nothing is wrongly deleted; a
 *       record deleted in between is deleted by the next pass).
 * </ul>
 *
 * A pass of a tenant no longer in the plan is abandoned at the restore too; with a tenant registry,
 * whose tenants are planned again only once it is read after the restore, every restored tenant
 * keeps its schedule, and a continuing pass of a tenant the registry does not list enabled at its
 * first read is abandoned then. The argument for continuing relies on each channel's order (aligned
 * checkpoints, the default of exactly-once mode). A marker a reader received but had not emitted
 * when it was snapshotted is in that reader's state and emitted first after the restore (see {@code
 * WindowSplit#carrying}): a marker sent before this scheduler's checkpoint reaches downstream
 * exactly once.
 *
 * <p><b>Threads.</b> Source coordinator thread only, like the {@link HttpSyncEnumerator} that owns
 * it.
 */
@Internal
final class PassScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(PassScheduler.class);

    private final SyncPlan plan;
    private final PassPlan passes;
    private final Map<String, RunningPass> running = new TreeMap<>();
    private final Map<String, Long> nextPassAtMillis = new HashMap<>();

    /** Markers each reader has not been sent yet (only readers that speak are answered). */
    private final Map<Integer, List<PassMarker>> outbox = new HashMap<>();

    PassScheduler(SyncPlan plan, PassPlan passes, long nowMillis) {
        this(plan, passes, nowMillis, List.of(), 0, false);
    }

    /**
     * @param restored the passes of a restored state (empty on a fresh start)
     * @param readers how many readers there are (those that hear of passes abandoned at restore)
     * @param registry whether a tenant registry plans tenants besides the plan's: every restored
     *     tenant may be planned again once the registry is read
     */
    PassScheduler(
            SyncPlan plan,
            PassPlan passes,
            long nowMillis,
            List<PassState> restored,
            int readers,
            boolean registry) {
        this.plan = plan;
        this.passes = passes;
        for (PassState state : restored) {
            // a registry's tenant keeps its schedule while the registry is not read yet
            boolean planned = registry || plan.tenants().contains(state.tenant());
            if (planned) nextPassAtMillis.put(state.tenant(), state.nextPassAtMillis());
            if (state.running() != null) restore(state.tenant(), state.running(), planned, readers);
        }
        plan.tenants()
                .forEach(
                        tenant ->
                                nextPassAtMillis.putIfAbsent(
                                        tenant, nowMillis + passes.intervalMillis()));
    }

    /** A pass running at the checkpoint continues or is abandoned (see the class javadoc). */
    private void restore(String tenant, PassState.Running state, boolean planned, int readers) {
        RunningPass pass =
                new RunningPass(
                        tenant,
                        state.startMillis(),
                        state.rangeStartMillis(),
                        state.rangeEndMillis(),
                        new WindowLedger(
                                plan.forPass(
                                        tenant, state.rangeStartMillis(), state.rangeEndMillis()),
                                state.windows()));
        pass.listedAtMillis = state.listedAtMillis();
        pass.abandoned = state.abandoned();
        pass.reported = state.reported();
        if (planned && pass.reported) {
            running.put(tenant, pass);
            LOG.info(
                    "full pass of tenant {} started at {} continues after the restore{}",
                    tenant,
                    Instant.ofEpochMilli(pass.startMillis),
                    pass.abandoned ? " to its abandonment" : "");
            return;
        }
        send(pass.marker(PassMarker.Kind.ABANDONED), readers);
        // the next pass is a new one downstream: its start (its id) must differ
        if (planned) nextPassAtMillis.merge(tenant, pass.startMillis + 1, Math::max);
        LOG.info(
                "full pass of tenant {} started at {} was abandoned at the restore ({}): it deletes"
                        + " nothing, the next one starts when due",
                tenant,
                Instant.ofEpochMilli(pass.startMillis),
                planned
                        ? "no reader had reported a window of it"
                        : "the tenant is no longer in the plan");
    }

    /** One pass in progress. */
    private static final class RunningPass {
        final String tenant;
        final long startMillis;
        final long rangeStartMillis;
        final long rangeEndMillis;
        final WindowLedger ledger;
        boolean abandoned;
        boolean reported;
        @Nullable Long listedAtMillis;

        RunningPass(
                String tenant,
                long startMillis,
                long rangeStartMillis,
                long rangeEndMillis,
                WindowLedger ledger) {
            this.tenant = tenant;
            this.startMillis = startMillis;
            this.rangeStartMillis = rangeStartMillis;
            this.rangeEndMillis = rangeEndMillis;
            this.ledger = ledger;
        }

        PassMarker marker(PassMarker.Kind kind) {
            return new PassMarker(
                    kind, tenant, startMillis, rangeStartMillis, rangeEndMillis, -1, 0);
        }

        PassState.Running snapshot(long checkpointId) {
            return new PassState.Running(
                    startMillis,
                    rangeStartMillis,
                    rangeEndMillis,
                    listedAtMillis,
                    abandoned,
                    reported,
                    ledger.snapshot(checkpointId));
        }
    }

    /**
     * The passes of every tenant for a checkpoint, sorted by tenant; stamps the running passes'
     * windows finished since the last one with {@code checkpointId}.
     */
    List<PassState> snapshot(long checkpointId) {
        List<PassState> states = new ArrayList<>();
        for (Map.Entry<String, Long> next : new TreeMap<>(nextPassAtMillis).entrySet()) {
            RunningPass pass = running.get(next.getKey());
            states.add(
                    new PassState(
                            next.getKey(),
                            next.getValue(),
                            pass == null ? null : pass.snapshot(checkpointId)));
        }
        return states;
    }

    /** Commits the running passes' windows the completed checkpoint covers. */
    void checkpointComplete(long checkpointId) {
        running.values().forEach(pass -> pass.ledger.checkpointComplete(checkpointId));
    }

    /**
     * The splits of a failed reader: what is left of those of a running pass goes back to its
     * queue. Returns how many went back.
     */
    int takeBack(List<WindowSplit> splits) {
        int requeued = 0;
        for (RunningPass pass : running.values()) requeued += pass.ledger.takeBack(splits);
        return requeued;
    }

    /**
     * Starts due passes and ends finished ones. {@code positions} are the sync positions of the
     * tenants planned now (the ledger's: the fixed ones and those a registry activated): only they
     * get passes, a tenant planned for the first time its first one an interval from now. A running
     * pass of a tenant no longer planned is abandoned when {@code tenantsKnown} (the registry was
     * read since the start; until then a restored tenant is not planned yet but may be again): a
     * tenant disabled in its registry, or whose authorization was revoked, must not have its
     * records deleted because its pass could not list them.
     */
    void tick(long nowMillis, Map<String, Long> positions, int readers, boolean tenantsKnown) {
        for (RunningPass pass : new ArrayList<>(running.values())) {
            String tenant = pass.tenant;
            Long position = positions.get(tenant);
            if (position == null && tenantsKnown && !pass.abandoned) {
                pass.abandoned = true;
                LOG.info(
                        "full pass of tenant {} started at {} is abandoned: the tenant is no longer"
                                + " planned (disabled or gone from its registry)",
                        tenant,
                        Instant.ofEpochMilli(pass.startMillis));
            }
            pass.ledger.retryDue(nowMillis);
            if (pass.abandoned) {
                if (!pass.ledger.hasAssigned())
                    end(pass, PassMarker.Kind.ABANDONED, nowMillis, readers);
                continue;
            }
            if (!pass.ledger.isBoundedSyncDone()) continue;
            if (pass.listedAtMillis == null) {
                pass.listedAtMillis = nowMillis;
                LOG.info(
                        "full pass of tenant {} started at {} has listed [{}, {}); it completes when the"
                                + " sync position reaches {}",
                        tenant,
                        Instant.ofEpochMilli(pass.startMillis),
                        Instant.ofEpochMilli(pass.rangeStartMillis),
                        Instant.ofEpochMilli(pass.rangeEndMillis),
                        Instant.ofEpochMilli(nowMillis));
            }
            // a tenant not planned has no position: its pass never completes
            if (position != null && position >= pass.listedAtMillis)
                end(pass, PassMarker.Kind.COMPLETED, nowMillis, readers);
        }
        for (Map.Entry<String, Long> planned : positions.entrySet()) {
            String tenant = planned.getKey();
            if (running.containsKey(tenant)) continue;
            long due =
                    nextPassAtMillis.computeIfAbsent(
                            tenant, t -> nowMillis + passes.intervalMillis());
            if (nowMillis >= due) start(tenant, nowMillis, planned.getValue(), readers);
        }
    }

    private void start(String tenant, long nowMillis, @Nullable Long position, int readers) {
        long rangeStart = passes.rangeStart(plan.startMillis(), nowMillis);
        if (position == null || position - rangeStart < plan.minWindowWidthMillis()) {
            return; // nothing the running sync has committed to list yet: ask again next tick
        }
        WindowLedger ledger = new WindowLedger(plan.forPass(tenant, rangeStart, position), null);
        RunningPass pass = new RunningPass(tenant, nowMillis, rangeStart, position, ledger);
        running.put(tenant, pass);
        send(pass.marker(PassMarker.Kind.STARTED), readers);
        LOG.info(
                "full pass of tenant {} started: lists [{}, {})",
                tenant,
                Instant.ofEpochMilli(rangeStart),
                Instant.ofEpochMilli(position));
    }

    private void end(RunningPass pass, PassMarker.Kind kind, long nowMillis, int readers) {
        running.remove(pass.tenant);
        nextPassAtMillis.put(pass.tenant, nowMillis + passes.intervalMillis());
        send(pass.marker(kind), readers);
        LOG.info(
                "full pass of tenant {} started at {} {}",
                pass.tenant,
                Instant.ofEpochMilli(pass.startMillis),
                kind == PassMarker.Kind.COMPLETED
                        ? "completed"
                        : "was abandoned: it deletes nothing");
    }

    private void send(PassMarker marker, int readers) {
        for (int reader = 0; reader < readers; reader++)
            outbox.computeIfAbsent(reader, r -> new ArrayList<>()).add(marker);
    }

    /** The markers to send to {@code reader} now, in order; sent before any window is assigned. */
    List<PassMarker> takeMarkers(int reader) {
        List<PassMarker> markers = outbox.remove(reader);
        return markers == null ? List.of() : markers;
    }

    /**
     * The next window of a running pass of a tenant planned now ({@code planned}: the readers know
     * only those), now assigned; null if no pass has one.
     */
    @Nullable
    WindowSplit assignNext(int wanted, Set<String> planned) {
        for (RunningPass pass : running.values()) {
            if (pass.abandoned || !planned.contains(pass.tenant)) continue;
            WindowSplit split = pass.ledger.assignNext(wanted);
            if (split != null) return split;
        }
        return null;
    }

    /** Takes the report of a window if it belongs to a running pass; whether it did. */
    boolean ended(WindowSplit reported) {
        for (RunningPass pass : running.values()) {
            if (!pass.ledger.isAssigned(reported.splitId())) continue;
            pass.reported = true;
            WindowOutcome outcome = reported.outcome();
            switch (outcome.kind()) {
                case TOO_LARGE ->
                        pass.ledger.tooLarge(
                                -1, reported, outcome.coveredFromMillis(), outcome.knownTotal());
                case TOO_EARLY ->
                        pass.ledger.tooEarly(-1, reported, outcome.platformReachedMillis());
                case FAILED -> {
                    if (!pass.abandoned)
                        LOG.warn(
                                "full pass of tenant {} started at {} is abandoned: window {} failed: {}",
                                pass.tenant,
                                Instant.ofEpochMilli(pass.startMillis),
                                reported.splitId(),
                                outcome.failure().reason());
                    pass.abandoned = true;
                    try {
                        pass.ledger.failed(-1, reported, outcome.failure());
                    } catch (WindowFailedException e) {
                        // the pass is abandoned anyway; the running sync is not affected
                    }
                }
                default -> pass.ledger.finished(reported);
            }
            return true;
        }
        return false;
    }
}
