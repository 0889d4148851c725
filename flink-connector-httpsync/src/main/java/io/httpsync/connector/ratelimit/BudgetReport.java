package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.util.Map;

/**
 * What a limiter tells the holder of the job's budgets (the enumerator) about each bucket key it
 * uses: its demand (the most requests covered by the key that were asked for and not yet over,
 * since the last report) and the allotments it has applied, with the {@link
 * JobBudget.Allotments#sequence()} they came with, and the rate-limited answers of requests covered
 * by each key since the last report, which cut the key's adaptive rate for the whole job. Keys
 * absent from a map have no demand, no allotment, or no refusal.
 */
@Internal
public record BudgetReport(
        Map<String, Integer> demand,
        Map<String, Allotment> applied,
        long appliedSequence,
        Map<String, Integer> refused)
        implements Serializable {
    private static final long serialVersionUID = 2L;

    public static final BudgetReport EMPTY = new BudgetReport(Map.of(), Map.of(), 0);

    public BudgetReport {
        demand = Map.copyOf(demand);
        applied = Map.copyOf(applied);
        refused = Map.copyOf(refused);
    }

    /** A report without refusals. */
    public BudgetReport(
            Map<String, Integer> demand, Map<String, Allotment> applied, long appliedSequence) {
        this(demand, applied, appliedSequence, Map.of());
    }

    public boolean isEmpty() {
        return demand.isEmpty() && applied.isEmpty() && refused.isEmpty();
    }
}
