package io.httpsync.connector.source.split;

import io.httpsync.connector.endpoint.pagination.NumberedPosition;
import io.httpsync.connector.endpoint.pagination.PagePosition;

import org.apache.flink.util.InstantiationUtil;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowSplitTest {

    @Test
    void splitIdDependsOnlyOnTenantAndWindow() {
        WindowSplit split = WindowSplit.of("shop", 100, 200);

        assertThat(split.withPosition("x").asFinished().asUnsplittable().splitId())
                .isEqualTo(split.splitId());
        assertThat(WindowSplit.of("shop", 100, 201).splitId()).isNotEqualTo(split.splitId());
        assertThat(WindowSplit.of("shop", 99, 200).splitId()).isNotEqualTo(split.splitId());
        assertThat(WindowSplit.of("shop2", 100, 200).splitId()).isNotEqualTo(split.splitId());
    }

    @Test
    void outcomesMarkTheSplitAsAwaitingAck() {
        WindowSplit split = WindowSplit.of("shop", 100, 200).withPosition("p");

        assertThat(split.isAwaitingAck()).isFalse();
        assertThat(split.asFinished().isFinished()).isTrue();
        assertThat(split.asFinished().isAwaitingAck()).isTrue();
        WindowSplit tooLarge = split.withOutcome(WindowOutcome.tooLarge(10, 150L));
        assertThat(tooLarge.isFinished()).isFalse();
        assertThat(tooLarge.isAwaitingAck()).isTrue();
        assertThat(tooLarge.fresh()).isEqualTo(WindowSplit.of("shop", 100, 200));
    }

    @Test
    void rejectsEmptyWindow() {
        assertThatThrownBy(() -> WindowSplit.of("shop", 200, 200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start 200 is not before end 200")
                .hasMessageContaining("shop");
    }

    @Test
    void travelsInsideSourceEventsByJavaSerialization() throws Exception {
        WindowSplit split =
                WindowSplit.of("shop", 100, 200).withOutcome(WindowOutcome.tooLarge(5, null));

        assertThat(InstantiationUtil.clone(split)).isEqualTo(split);
    }

    @Test
    void stateAdvancesPositionAndCountsPages() {
        WindowSplitState state =
                new WindowSplitState(
                        WindowSplit.of("shop", 100, 200).withPosition(page(1).serialize()));
        assertThat(state.position())
                .as("the restored position stands until a page is emitted")
                .isEqualTo(page(1).serialize());

        state.pageEmitted(page(2), 50);
        state.pageEmitted(page(3), 20);

        assertThat(state.position()).isEqualTo(page(3).serialize());
        assertThat(state.recordsEmitted()).isEqualTo(70);
        assertThat(state.pagesRead()).isEqualTo(2);
        assertThat(state.toSplit())
                .isEqualTo(WindowSplit.of("shop", 100, 200).withPosition(page(3).serialize()));

        state.pageEmitted(null, 5);
        assertThat(state.toSplit())
                .as("paging stopped")
                .isEqualTo(WindowSplit.of("shop", 100, 200));
    }

    @Test
    void stateKeepsTheWindowsOutcomeAndNeverReplacesAFailure() {
        WindowSplitState state = new WindowSplitState(WindowSplit.of("shop", 100, 200));
        assertThat(state.toSplit().isAwaitingAck()).isFalse();

        state.ended(WindowOutcome.failed("record could not be decoded"));
        state.pageEmitted(null, 3);
        state.ended(WindowOutcome.finished());

        assertThat(state.toSplit())
                .isEqualTo(
                        WindowSplit.of("shop", 100, 200)
                                .withOutcome(WindowOutcome.failed("record could not be decoded")));
    }

    private static PagePosition page(int index) {
        return new NumberedPosition(NumberedPosition.Phase.FORWARD, index, -1, -1, 0, index);
    }
}
