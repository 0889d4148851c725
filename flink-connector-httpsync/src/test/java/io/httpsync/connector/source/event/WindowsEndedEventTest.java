package io.httpsync.connector.source.event;

import io.httpsync.connector.source.split.FailureStreak;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.util.InstantiationUtil;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowsEndedEventTest {

    private static final WindowSplit A = WindowSplit.of("t", 0, 10);
    private static final WindowSplit B = WindowSplit.of("t", 10, 20);
    private static final WindowSplit C = WindowSplit.of("t", 20, 30);

    @Test
    void refusesToReportASplitWithoutOutcome() {
        assertThatThrownBy(() -> new WindowsEndedEvent(List.of(A.asFinished(), B)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no outcome");
        assertThatThrownBy(() -> new WindowsEndedEvent(List.of()))
                .hasMessageContaining("at least one window");
    }

    @Test
    void refusesATooLargeOutcomeWhoseCoveredTimeLiesOutsideTheWindow() {
        assertThatThrownBy(
                        () ->
                                new WindowsEndedEvent(
                                        List.of(B.withOutcome(WindowOutcome.tooLarge(100, 20L)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("coveredFromMillis 20 lies outside");
    }

    @Test
    void eventsSurviveJavaSerialization() throws Exception {
        List<SourceEvent> events =
                List.of(
                        new WindowsEndedEvent(
                                List.of(
                                        A.asFinished(),
                                        B.withOutcome(WindowOutcome.tooLarge(100, null)),
                                        C.withOutcome(WindowOutcome.failed("timeout"))
                                                .withFailureStreak(new FailureStreak("timeout", 2)),
                                        C.withOutcome(WindowOutcome.tooEarly(25L)))),
                        new WindowsFinishedAckEvent(List.of(A.splitId())),
                        new SyncPositionEvent(Map.of("t", 10L, "u", 5L)));
        for (SourceEvent event : events) {
            assertThat(InstantiationUtil.clone(event)).isEqualTo(event);
        }
        assertThat(new SyncPositionEvent(Map.of("t", 10L, "u", 5L)).minimumPosition())
                .isEqualTo(5L);
    }
}
