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
 * Passes are not part of the enumerator's checkpoint: a restored enumerator starts each tenant's
 * next pass {@code interval} after the restore; a pass running at the failure is forgotten (its
 * markers never complete downstream, so it deletes nothing), and its windows still with the
 * restored readers are acknowledged and ignored when reported.
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
        this.plan = plan;
        this.passes = passes;
        plan.tenants()
                .forEach(
                        tenant ->
                                nextPassAtMillis.put(tenant, nowMillis + passes.intervalMillis()));
    }

    /** One pass in progress. */
    private static final class RunningPass {
        final String tenant;
        final long startMillis;
        final long rangeStartMillis;
        final long rangeEndMillis;
        final WindowLedger ledger;
        boolean abandoned;
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
    }

    /** Starts due passes and ends finished ones; {@code positions} are the sync positions. */
    void tick(long nowMillis, Map<String, Long> positions, int readers) {
        for (String tenant : plan.tenants()) {
            RunningPass pass = running.get(tenant);
            if (pass == null) {
                if (nowMillis >= nextPassAtMillis.get(tenant))
                    start(tenant, nowMillis, positions.get(tenant), readers);
                continue;
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
            Long position = positions.get(tenant);
            if (position != null && position >= pass.listedAtMillis)
                end(pass, PassMarker.Kind.COMPLETED, nowMillis, readers);
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

    /** The next window of a running pass, now assigned; null if no pass has one. */
    @Nullable
    WindowSplit assignNext(int wanted) {
        for (RunningPass pass : running.values()) {
            if (pass.abandoned) continue;
            WindowSplit split = pass.ledger.assignNext(wanted);
            if (split != null) return split;
        }
        return null;
    }

    /** Takes the report of a window if it belongs to a running pass; whether it did. */
    boolean ended(WindowSplit reported) {
        for (RunningPass pass : running.values()) {
            if (!pass.ledger.isAssigned(reported.splitId())) continue;
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
