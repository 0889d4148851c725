package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.apache.flink.util.Preconditions.checkArgument;

/**
 * Turns splits that a reader keeps with an {@link WindowSplit#outcome() outcome} into the events that report them, so
 * the first report and the report re-sent after a restore are built the same way.
 */
@Internal
public final class WindowReports {

    private WindowReports() {}

    /** The report of one split that has an outcome. */
    public static SourceEvent reportOf(WindowSplit split) {
        WindowOutcome outcome = split.outcome();
        checkArgument(outcome != null, "Split %s has no outcome to report", split);
        switch (outcome.kind()) {
            case TOO_LARGE:
                return new WindowTooLargeEvent(split, outcome.knownTotal(), outcome.coveredFromMillis());
            case FAILED:
                return new WindowFailedEvent(split, outcome.failure());
            case TOO_EARLY:
                return new WindowTooEarlyEvent(split, outcome.platformReachedMillis());
            default:
                return new WindowsFinishedEvent(List.of(split));
        }
    }

    /**
     * The reports of several splits: one {@link WindowsFinishedEvent} for all finished ones, one event for each other
     * outcome. Splits without outcome are ignored.
     */
    public static List<SourceEvent> reportsOf(Collection<WindowSplit> splits) {
        List<WindowSplit> finished = new ArrayList<>();
        List<SourceEvent> reports = new ArrayList<>();
        for (WindowSplit split : splits) {
            if (split.isFinished()) {
                finished.add(split);
            } else if (split.isAwaitingAck()) {
                reports.add(reportOf(split));
            }
        }
        if (!finished.isEmpty()) {
            reports.add(0, new WindowsFinishedEvent(finished));
        }
        return reports;
    }
}
