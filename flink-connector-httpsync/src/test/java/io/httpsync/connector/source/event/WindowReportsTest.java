package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.util.InstantiationUtil;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowReportsTest {

    private static final WindowSplit A = WindowSplit.of("t", 0, 10);
    private static final WindowSplit B = WindowSplit.of("t", 10, 20);
    private static final WindowSplit C = WindowSplit.of("t", 20, 30);
    private static final WindowSplit D = WindowSplit.of("t", 30, 40);

    @Test
    void reportsEachOutcomeWithItsEventAndBatchesFinishedOnes() {
        List<SourceEvent> reports =
                WindowReports.reportsOf(
                        List.of(
                                A.asFinished(),
                                B.withOutcome(WindowOutcome.tooLarge(500, 15L)),
                                C.withOutcome(WindowOutcome.failed("HTTP 500")),
                                D.asFinished(),
                                WindowSplit.of("t", 40, 50)));

        assertThat(reports)
                .containsExactly(
                        new WindowsFinishedEvent(List.of(A.asFinished(), D.asFinished())),
                        new WindowTooLargeEvent(B.withOutcome(WindowOutcome.tooLarge(500, 15L)), 500, 15L),
                        new WindowFailedEvent(C.withOutcome(WindowOutcome.failed("HTTP 500")), "HTTP 500"));
    }

    @Test
    void refusesToReportASplitWithoutOutcome() {
        assertThatThrownBy(() -> WindowReports.reportOf(A)).hasMessageContaining("has no outcome");
    }

    @Test
    void tooLargeEventRejectsCoveredTimeOutsideTheWindow() {
        assertThatThrownBy(() -> new WindowTooLargeEvent(B, 100, 20L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("coveredFromMillis 20 lies outside");
    }

    @Test
    void eventsSurviveJavaSerialization() throws Exception {
        List<SourceEvent> events =
                List.of(
                        new WindowsFinishedEvent(List.of(A.asFinished())),
                        new WindowsFinishedAckEvent(List.of(A.splitId())),
                        new WindowTooLargeEvent(B, 100, null),
                        new WindowFailedEvent(C, "timeout"),
                        new SyncPositionEvent(Map.of("t", 10L, "u", 5L)));
        for (SourceEvent event : events) {
            assertThat(InstantiationUtil.clone(event)).isEqualTo(event);
        }
        assertThat(new SyncPositionEvent(Map.of("t", 10L, "u", 5L)).minimumPosition()).isEqualTo(5L);
    }
}
