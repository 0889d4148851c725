package io.httpsync.connector.source.event;

import io.httpsync.connector.ratelimit.BudgetReport;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import javax.annotation.Nullable;

/**
 * Reader to enumerator, every poll interval while the reader runs (and at once when a request waits
 * for a rate-limit allotment): "anything for me?", with the reader's rate-limit demand and applied
 * allotments for the job's budget ({@link BudgetReport#EMPTY} when the budgets are kept elsewhere),
 * and the platform's time as the reader last saw it in the answers' {@code Date} headers. The
 * enumerator answers only readers that speak to it (this poll, a split request or a report) and
 * never on its own initiative. A task that a stop-with-savepoint is finishing no longer polls, so
 * no event of the enumerator can reach it after it closed: Flink fails over a task to which an
 * operator event was lost, and the stop would fail.
 *
 * @param platformNowMillis the platform's time when the poll was sent, by its clock (the reader's
 *     clock plus the skew its answers showed), or null if no recent answer told it; an instant
 *     rather than a skew, so that the clocks of the TaskManager and the JobManager need not agree
 *     (the enumerator compares it with its own on arrival)
 * @param splitsWanted how many windows the reader wants the enumerator to plan for it ({@code
 *     SplitsInFlight.Target#planningSlots}): its target when sized from a finite rate, else 0; a
 *     bounded sync's windows are narrowed to fill the readers' slots only when they say
 */
@Internal
public record ReaderPollEvent(
        BudgetReport budget, @Nullable Long platformNowMillis, int splitsWanted)
        implements SourceEvent {
    private static final long serialVersionUID = 4L;

    public ReaderPollEvent {
        budget = budget == null ? BudgetReport.EMPTY : budget;
    }

    public ReaderPollEvent(BudgetReport budget, @Nullable Long platformNowMillis) {
        this(budget, platformNowMillis, 0);
    }

    public ReaderPollEvent(BudgetReport budget) {
        this(budget, null);
    }

    /**
     * A poll of a reader whose budgets are kept elsewhere and which knows nothing of the platform's
     * clock.
     */
    public ReaderPollEvent() {
        this(BudgetReport.EMPTY, null);
    }
}
