package io.httpsync.connector.source;

import io.httpsync.connector.source.enumerator.PassOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The delete-ratio guard of {@link PassChangelog}, judged per tenant: the operator coordinator of
 * its keyed operator. At a pass's completion every subtask only counts its share (the keys it would
 * delete, the keys of the range it judged) and sends the counts ({@link Counted}); once every
 * subtask's counts for that tenant and pass are in, this coordinator compares the tenant's totals
 * with {@link FullPasses#maxDeleteRatio()} and sends the decision ({@link Decided}) back to every
 * subtask, which then deletes the keys still unseen at that moment, or nothing.
 *
 * <p>The coordinator keeps nothing in its checkpoint: each subtask keeps its counts, and the
 * decision once it applied it, in its own state, and sends them again after a restore. Counts are
 * keyed by subtask, so a repeated report replaces the first; a report that carries a decision
 * already applied (by a subtask whose state was taken after the decision, while another's was taken
 * before) makes that the decision, so a restored pass is never decided twice differently. The
 * decision for equal counts is the same anyway. Per tenant only its newest pass is tracked: a
 * report of a newer pass drops an older one that some subtask never completed (that pass deletes
 * nothing; the next one does).
 *
 * <p>Thread contract: Flink calls every method on the job master's coordinator thread, and the
 * gateways are used on it only; no locking.
 */
@Internal
final class PassRatioCoordinator implements OperatorCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(PassRatioCoordinator.class);

    private final double maxDeleteRatio;

    /** The subtasks' gateways, by subtask; an entry leaves when its attempt fails. */
    private final Map<Integer, SubtaskGateway> gateways = new HashMap<>();

    /** Per tenant: the newest pass reported, with the counts in so far and its decision. */
    private final Map<String, Tally> tallies = new HashMap<>();

    PassRatioCoordinator(double maxDeleteRatio) {
        this.maxDeleteRatio = maxDeleteRatio;
    }

    /**
     * A subtask's share of a completed pass: {@code gone} keys of the range the pass did not see
     * out of {@code judged}; {@code applied} the decision it applied already (after a restore),
     * null while it waits. Also what the subtask keeps in its state (see {@link #serialize}).
     */
    record Counted(
            String tenant,
            long passStartMillis,
            long rangeStartMillis,
            long rangeEndMillis,
            long gone,
            long judged,
            @Nullable Boolean applied,
            int subtask,
            int parallelism)
            implements OperatorEvent {

        Counted decided(boolean delete) {
            return new Counted(
                    tenant,
                    passStartMillis,
                    rangeStartMillis,
                    rangeEndMillis,
                    gone,
                    judged,
                    delete,
                    subtask,
                    parallelism);
        }

        String serialize() {
            return String.join(
                    "\u0000",
                    tenant,
                    Long.toString(passStartMillis),
                    Long.toString(rangeStartMillis),
                    Long.toString(rangeEndMillis),
                    Long.toString(gone),
                    Long.toString(judged),
                    applied == null ? "" : applied.toString(),
                    Integer.toString(subtask),
                    Integer.toString(parallelism));
        }

        static Counted parse(String entry) {
            String[] f = entry.split("\u0000", -1);
            return new Counted(
                    f[0],
                    Long.parseLong(f[1]),
                    Long.parseLong(f[2]),
                    Long.parseLong(f[3]),
                    Long.parseLong(f[4]),
                    Long.parseLong(f[5]),
                    f[6].isEmpty() ? null : Boolean.valueOf(f[6]),
                    Integer.parseInt(f[7]),
                    Integer.parseInt(f[8]));
        }
    }

    /**
     * The tenant's decision on a pass: {@code delete} or refuse; {@code gone} and {@code judged}
     * are the tenant's totals.
     */
    record Decided(String tenant, long passStartMillis, boolean delete, long gone, long judged)
            implements OperatorEvent {}

    /** Whether a pass that would delete {@code gone} of {@code judged} keys may delete them. */
    static boolean allowed(long gone, long judged, double maxDeleteRatio) {
        return gone <= maxDeleteRatio * judged;
    }

    /** The message of a refused pass, for its exception event and the log. */
    static String refusal(Counted pass, Decided decision, double maxDeleteRatio) {
        return String.format(
                "full pass of tenant %s started at %d would delete %d of its %d records in [%d, %d)"
                        + " (%.1f%%, more than the allowed %.1f%% of '%s'); refused, nothing deleted",
                pass.tenant(),
                pass.passStartMillis(),
                decision.gone(),
                decision.judged(),
                pass.rangeStartMillis(),
                pass.rangeEndMillis(),
                100.0 * decision.gone() / decision.judged(),
                100 * maxDeleteRatio,
                PassOptions.MAX_DELETE_RATIO.key());
    }

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        if (!(event instanceof Counted counted)) {
            throw new IllegalArgumentException("unexpected event " + event);
        }
        Tally tally = tallies.get(counted.tenant());
        if (tally == null || counted.passStartMillis() > tally.passStartMillis) {
            tally = new Tally(counted.passStartMillis(), counted.parallelism());
            tallies.put(counted.tenant(), tally);
        } else if (counted.passStartMillis() < tally.passStartMillis) {
            return; // an older pass, superseded by a newer one: it deletes nothing
        }
        tally.counts.put(subtask, counted); // a repeated report replaces the first
        if (tally.decision != null) {
            send(subtask, tally.decision);
            return;
        }
        if (tally.counts.size() < tally.parallelism) return;
        long gone = 0;
        long judged = 0;
        Boolean applied = null;
        for (Counted c : tally.counts.values()) {
            gone += c.gone();
            judged += c.judged();
            if (c.applied() != null) applied = c.applied();
        }
        // a decision applied before a restore that another subtask's state predates stands
        boolean delete = applied != null ? applied : allowed(gone, judged, maxDeleteRatio);
        tally.decision =
                new Decided(counted.tenant(), counted.passStartMillis(), delete, gone, judged);
        LOG.debug("{} (applied before a restore: {})", tally.decision, applied != null);
        for (int reported : tally.counts.keySet()) send(reported, tally.decision);
    }

    private void send(int subtask, Decided decision) {
        SubtaskGateway gateway = gateways.get(subtask);
        // a subtask without a gateway is being restored: it reports again and gets the decision
        if (gateway != null) gateway.sendEvent(decision);
    }

    @Override
    public void start() {}

    @Override
    public void close() {}

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        // the subtasks keep the counts and decisions; they report them again after a restore
        result.complete(new byte[0]);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    @Override
    public void resetToCheckpoint(long checkpointId, @Nullable byte[] checkpointData) {
        tallies.clear();
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        // its counts come again from its restored state; a decision taken stays (same counts)
        for (Tally tally : tallies.values())
            if (tally.decision == null) tally.counts.remove(subtask);
    }

    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, @Nullable Throwable reason) {
        gateways.remove(subtask);
    }

    @Override
    public void executionAttemptReady(int subtask, int attemptNumber, SubtaskGateway gateway) {
        gateways.put(subtask, gateway);
    }

    /** One tenant's newest pass: the subtasks' counts in so far, and the decision once taken. */
    private static final class Tally {
        final long passStartMillis;
        final int parallelism;
        final Map<Integer, Counted> counts = new HashMap<>();
        @Nullable Decided decision;

        Tally(long passStartMillis, int parallelism) {
            this.passStartMillis = passStartMillis;
            this.parallelism = parallelism;
        }
    }
}
