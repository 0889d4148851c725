package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Whose turn it is: the fair pick across tenants of the {@link WindowLedger} (stride scheduling, as
 * Waldspurger and Weihl's, over window assignments).
 *
 * <ul>
 *   <li><b>Shares follow limits.</b> Each tenant has a weight, its own requests per second ({@link
 *       TenantWeights}). Every assignment advances the tenant's <em>pass</em> by {@code 1 /
 *       weight}; the tenant with the smallest pass among those with work goes next. So while all
 *       have work, a tenant limited to 100 per second gets ten windows for every one of a tenant
 *       limited to 10.
 *   <li><b>No starvation, no hoarding.</b> A tenant that had no work (new, caught up, or waiting)
 *       starts again at the current virtual time, the pass of the latest pick: it is picked at once
 *       but gets no credit for its idle time, so a tenant with a backlog and a newcomer alternate
 *       by weight from the newcomer's first window on.
 *   <li><b>A slow tenant waits alone.</b> A tenant holds at most its weighted share of the windows
 *       in flight (rounded up, at least one) while another tenant with work holds less than its
 *       own: a banned tenant's windows, waiting out the ban in the readers, cannot take every
 *       reader's slots. When no other tenant has work, any tenant may use them all.
 *   <li><b>History's share.</b> Within a tenant's turn: {@link #historyTurn} decides between its
 *       recent span and its history.
 * </ul>
 *
 * <p>Passes and credits are not checkpointed: after a restore every tenant starts even, which costs
 * at most one round of fairness.
 *
 * <p><b>Threads.</b> Used by the ledger on the source coordinator thread only.
 */
@Internal
final class TenantTurns {

    /** Per tenant; created on first use. */
    private static final class Turn {
        double weight;
        double pass;
        double historyCredit;
        int inFlight;
    }

    private final Map<String, Turn> turns = new HashMap<>();

    /** The pass of the latest pick; a tenant that had no work starts here. */
    private double virtualTime;

    /** The weight of a tenant not weighed (the endpoint's limit per tenant). */
    private double defaultWeight = 1;

    private Turn turn(String tenant) {
        return turns.computeIfAbsent(
                tenant,
                t -> {
                    Turn turn = new Turn();
                    turn.weight = defaultWeight;
                    return turn;
                });
    }

    /** The weight of tenants not weighed on their own (positive). */
    void defaultWeight(double weight) {
        checkWeight("every tenant", weight);
        this.defaultWeight = weight;
    }

    private static void checkWeight(String tenant, double weight) {
        if (!(weight > 0) || Double.isInfinite(weight))
            throw new IllegalArgumentException(
                    "the weight of " + tenant + " must be positive but was " + weight);
    }

    /** The tenant's weight, its own requests per second (positive). */
    void weigh(String tenant, double weight) {
        checkWeight("tenant " + tenant, weight);
        turn(tenant).weight = weight;
    }

    /** A window of the tenant went to a reader. */
    void assigned(String tenant) {
        turn(tenant).inFlight++;
    }

    /** A window of the tenant came back from a reader (reported, or taken back). */
    void returned(String tenant) {
        Turn t = turns.get(tenant);
        if (t != null && t.inFlight > 0) t.inFlight--;
    }

    int inFlight(String tenant) {
        Turn t = turns.get(tenant);
        return t == null ? 0 : t.inFlight;
    }

    /**
     * The tenant to hand the next window to, among {@code candidates} (tenants with work, in a
     * stable order), or null if there is none; its turn is taken.
     *
     * @param slots the windows in flight plus the requests waiting: what the weighted shares of
     *     windows in flight divide
     * @param nextStart where a tenant's next window starts: of tenants with the same pass, the one
     *     furthest behind goes first (then the first in {@code candidates})
     */
    @Nullable
    String pick(List<String> candidates, int slots, ToLongFunction<String> nextStart) {
        if (candidates.isEmpty()) return null;
        double totalWeight = 0;
        for (String tenant : candidates) totalWeight += turn(tenant).weight;
        String best = null;
        double bestPass = Double.MAX_VALUE;
        String bestOverShare = null;
        double bestOverSharePass = Double.MAX_VALUE;
        for (String tenant : candidates) {
            Turn t = turns.get(tenant);
            // a tenant that had no work comes back at the virtual time, not before it
            double pass = Math.max(t.pass, virtualTime);
            int share = (int) Math.max(1, Math.ceil(slots * t.weight / totalWeight));
            if (t.inFlight < share) {
                if (before(pass, tenant, bestPass, best, nextStart)) {
                    best = tenant;
                    bestPass = pass;
                }
            } else if (before(pass, tenant, bestOverSharePass, bestOverShare, nextStart)) {
                bestOverShare = tenant;
                bestOverSharePass = pass;
            }
        }
        if (best == null) {
            // every tenant with work holds its share: the slots are not left idle
            best = bestOverShare;
            bestPass = bestOverSharePass;
        }
        Turn picked = turns.get(best);
        virtualTime = bestPass;
        picked.pass = bestPass + 1 / picked.weight;
        return best;
    }

    /** Whether {@code tenant} at {@code pass} goes before {@code best} at {@code bestPass}. */
    private static boolean before(
            double pass,
            String tenant,
            double bestPass,
            @Nullable String best,
            ToLongFunction<String> nextStart) {
        if (best == null || pass < bestPass) return true;
        return pass == bestPass && nextStart.applyAsLong(tenant) < nextStart.applyAsLong(best);
    }

    /**
     * Whether the tenant's turn, when both its history and its recent span have windows, goes to
     * the history: {@code share} of such turns do, spread evenly (the first goes to the recent span
     * unless the share is 1).
     */
    boolean historyTurn(String tenant, double share) {
        Turn t = turn(tenant);
        t.historyCredit += share;
        if (t.historyCredit >= 1 - 1e-9) {
            t.historyCredit -= 1;
            return true;
        }
        return false;
    }
}
