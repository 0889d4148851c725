package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

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
 * <p><b>Cost.</b> The ledger tells the turns which tenants have work ({@link #update}) when that
 * changes, so a pick does not look at every tenant: the tenants with work are kept in order of
 * their turn (pass, then where their next window starts, then name), and a pick walks that order
 * from the front to the first tenant under its share of the windows in flight. It passes only
 * tenants at or over their share, which hold windows in flight, so it looks at no more tenants than
 * there are windows in flight, plus one; with thousands of tenants it is a few. Tenants whose pass
 * is at or below the virtual time all stand at the virtual time, so they are kept apart, ordered by
 * their next window's start alone, in front of the others.
 *
 * <p><b>Checkpointed</b> (as part of each tenant's {@link TenantState}): each tenant's pass as how
 * far it is ahead of the smallest, and its history credit. A restore starts the virtual time at the
 * smallest pass, so a tenant that had its share does not take it again from the others.
 *
 * <p><b>Threads.</b> Used by the ledger on the source coordinator thread only.
 */
@Internal
final class TenantTurns {

    /** Per tenant; created on first use. */
    private static final class Turn {
        final String tenant;
        double weight;
        double pass;
        double historyCredit;
        int inFlight;

        /** Whether the tenant has work: it is in {@link #atVirtualTime} or {@link #ahead}. */
        boolean queued;

        /** Where its next window starts, as last {@link #update}d (a key of the queues). */
        long nextStart;

        Turn(String tenant, double weight) {
            this.tenant = tenant;
            this.weight = weight;
        }
    }

    private static final Comparator<Turn> BY_NEXT_START =
            Comparator.<Turn>comparingLong(t -> t.nextStart).thenComparing(t -> t.tenant);

    private static final Comparator<Turn> BY_PASS =
            Comparator.<Turn>comparingDouble(t -> t.pass).thenComparing(BY_NEXT_START);

    private final Map<String, Turn> turns = new HashMap<>();

    /**
     * Tenants with work whose pass is at or below the virtual time: they all stand at the virtual
     * time, the one furthest behind first. They go before every tenant {@link #ahead}.
     */
    private final TreeSet<Turn> atVirtualTime = new TreeSet<>(BY_NEXT_START);

    /** Tenants with work whose pass is beyond the virtual time, by pass. */
    private final TreeSet<Turn> ahead = new TreeSet<>(BY_PASS);

    /**
     * The weights of the tenants with work, summed exactly: a sum kept up by adding and subtracting
     * doubles would drift, and a share on the edge of a whole window would flip.
     */
    private BigDecimal weightWithWork = BigDecimal.ZERO;

    /** The pass of the latest pick; a tenant that had no work starts here. */
    private double virtualTime;

    /** The weight of a tenant not weighed (the endpoint's limit per tenant). */
    private double defaultWeight = 1;

    /** How many tenants the picks have looked at, all together (the cost that tests bound). */
    private long examined;

    private Turn turn(String tenant) {
        return turns.computeIfAbsent(tenant, t -> new Turn(t, defaultWeight));
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
        Turn t = turn(tenant);
        if (t.queued) {
            weightWithWork =
                    weightWithWork.subtract(new BigDecimal(t.weight)).add(new BigDecimal(weight));
        }
        t.weight = weight;
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
     * What the ledger knows of the tenant now: whether it has a window to hand out, and where its
     * oldest window to hand out starts (of tenants at the same pass, the one furthest behind goes
     * first). The ledger calls this whenever either may have changed; a pick counts only tenants
     * with work.
     */
    void update(String tenant, boolean hasWork, long nextStart) {
        Turn t = turn(tenant);
        if (t.queued) {
            if (hasWork && t.nextStart == nextStart) return;
            dequeue(t);
        }
        if (hasWork) {
            t.nextStart = nextStart;
            enqueue(t);
        }
    }

    private void enqueue(Turn t) {
        (t.pass <= virtualTime ? atVirtualTime : ahead).add(t);
        t.queued = true;
        weightWithWork = weightWithWork.add(new BigDecimal(t.weight));
    }

    private void dequeue(Turn t) {
        (t.pass <= virtualTime ? atVirtualTime : ahead).remove(t);
        t.queued = false;
        weightWithWork = weightWithWork.subtract(new BigDecimal(t.weight));
    }

    /**
     * The tenant to hand the next window to, among the tenants with work ({@link #update}), or null
     * if there is none; its turn is taken, and it has no work until the ledger {@link #update}s it
     * again.
     *
     * @param slots the windows in flight plus the requests waiting: what the weighted shares of
     *     windows in flight divide
     */
    @Nullable
    String pick(int slots) {
        Turn first = null;
        Turn best = null;
        if (!atVirtualTime.isEmpty() || !ahead.isEmpty()) {
            double totalWeight = weightWithWork.doubleValue();
            // in turn order: every tenant at the virtual time goes before every tenant ahead of it
            best = firstUnderShare(atVirtualTime, slots, totalWeight);
            if (best == null) best = firstUnderShare(ahead, slots, totalWeight);
            first = atVirtualTime.isEmpty() ? ahead.first() : atVirtualTime.first();
        }
        if (first == null) return null;
        // when every tenant with work holds its share, the slots are not left idle
        Turn picked = best == null ? first : best;
        // a tenant that had no work comes back at the virtual time, not before it
        double pass = Math.max(picked.pass, virtualTime);
        dequeue(picked);
        virtualTime = pass;
        picked.pass = pass + 1 / picked.weight;
        // tenants the virtual time caught up with now stand at it
        while (!ahead.isEmpty() && ahead.first().pass <= virtualTime)
            atVirtualTime.add(ahead.pollFirst());
        return picked.tenant;
    }

    /**
     * The first tenant of {@code queue} holding fewer windows in flight than its share, or null;
     * passes over only tenants with windows in flight.
     */
    @Nullable
    private Turn firstUnderShare(TreeSet<Turn> queue, int slots, double totalWeight) {
        for (Turn t : queue) {
            examined++;
            int share = (int) Math.max(1, Math.ceil(slots * t.weight / totalWeight));
            if (t.inFlight < share) return t;
        }
        return null;
    }

    /** How many tenants the picks have looked at so far, all together. */
    long tenantsExamined() {
        return examined;
    }

    /**
     * The smallest pass of {@code tenants} (a tenant without a turn, or one that had no work,
     * stands at the virtual time): the base that {@link #withTurn} measures passes from.
     */
    double base(Collection<String> tenants) {
        double min = Double.MAX_VALUE;
        for (String tenant : tenants) {
            Turn t = turns.get(tenant);
            min = Math.min(min, t == null ? virtualTime : Math.max(t.pass, virtualTime));
        }
        return min == Double.MAX_VALUE ? virtualTime : min;
    }

    /**
     * The tenant's turn for the state: how far its pass is ahead of {@code base} (the smallest
     * pass, {@link #base}, so that the values stay small however long the job ran, and a lone
     * tenant's is 0), and its history credit; as floats (8 bytes a tenant, precise enough for a
     * turn).
     */
    TenantState withTurn(TenantState state, double base) {
        Turn t = turns.get(state.tenant());
        if (t == null) return state;
        return state.withTurn(
                (float) (Math.max(t.pass, virtualTime) - base), (float) t.historyCredit);
    }

    /**
     * Restores a tenant's turn from the state, before any {@link #update}: the smallest pass is the
     * virtual time again (see {@link #withTurn}).
     */
    void restore(TenantState state) {
        if (state.turnPassAhead() == 0 && state.historyCredit() == 0) return;
        Turn t = turn(state.tenant());
        t.pass = virtualTime + state.turnPassAhead();
        t.historyCredit = state.historyCredit();
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
