package io.httpsync.connector.source.event;

import io.httpsync.connector.ratelimit.BudgetReport;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Reader to enumerator, every poll interval while the reader runs (and at once when a request waits for a rate-limit
 * allotment): "anything for me?", with the reader's rate-limit demand and applied allotments for the job's budget
 * ({@link BudgetReport#EMPTY} when the budgets are kept elsewhere). The enumerator answers only readers that speak to
 * it (this poll, a split request or a report) and never on its own initiative. A task that a stop-with-savepoint is
 * finishing no longer polls, so no event of the enumerator can reach it after it closed: Flink fails over a task to
 * which an operator event was lost, and the stop would fail.
 */
@Internal
public record ReaderPollEvent(BudgetReport budget) implements SourceEvent {
    private static final long serialVersionUID = 2L;

    public ReaderPollEvent {
        budget = budget == null ? BudgetReport.EMPTY : budget;
    }

    /** A poll of a reader whose budgets are kept elsewhere. */
    public ReaderPollEvent() {
        this(BudgetReport.EMPTY);
    }
}
