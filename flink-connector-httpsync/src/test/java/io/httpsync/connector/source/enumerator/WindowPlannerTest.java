package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowPlannerTest {

    private static final Instant START = Instant.parse("2025-03-01T08:00:00Z");

    @ParameterizedTest(name = "range {0}s, step {1}s, max width {2}s")
    @CsvSource({
        "86400, 3600, 3600",
        "86401, 3600, 7200",
        "59, 3600, 3600",
        "100000, 7, 60",
        "3600, 3600, 3600"
    })
    void boundedPlanCoversTheRangeExactlyWithinTheMaximumWidth(
            long rangeSeconds, long stepSeconds, long maxSeconds) {
        SyncPlan plan =
                SyncPlan.builder()
                        .tenants("t")
                        .startTime(START)
                        .endTime(START.plusSeconds(rangeSeconds))
                        .step(Duration.ofSeconds(stepSeconds))
                        .maxWindowWidth(Duration.ofSeconds(maxSeconds))
                        .build();
        WindowPlanner planner = new WindowPlanner(plan);

        List<WindowSplit> windows =
                planner.windowsBetween("t", plan.startMillis(), planner.horizonAt(Long.MAX_VALUE));

        assertContiguous(windows, plan.startMillis(), plan.endMillis());
        assertThat(windows)
                .allSatisfy(w -> assertThat(w.widthMillis()).isBetween(1L, maxSeconds * 1000));
        assertThat(windows).hasSize((int) ((rangeSeconds + stepSeconds - 1) / stepSeconds));
    }

    @Test
    void continuousHorizonIsNowMinusLagAtTheResolution() {
        SyncPlan plan =
                SyncPlan.builder()
                        .tenants("t")
                        .startTime(START)
                        .step(Duration.ofMinutes(10))
                        .lag(Duration.ofMinutes(2))
                        .build();
        WindowPlanner planner = new WindowPlanner(plan);
        long now = START.plus(Duration.ofMinutes(35)).plusMillis(700).toEpochMilli();

        long horizon = planner.horizonAt(now);
        List<WindowSplit> windows = planner.windowsBetween("t", plan.startMillis(), horizon);

        assertThat(horizon).isEqualTo(START.plus(Duration.ofMinutes(33)).toEpochMilli());
        assertContiguous(windows, plan.startMillis(), horizon);
        assertThat(windows)
                .extracting(WindowSplit::widthMillis)
                .containsExactly(600_000L, 600_000L, 600_000L, 180_000L);
    }

    @Test
    void hotWindowKeepsTheCoveredPartAndHalvesTheRestAtTheResolution() {
        WindowPlanner planner = new WindowPlanner(plan(Duration.ofSeconds(1)));
        long start = START.toEpochMilli();
        WindowSplit window = WindowSplit.of("t", start, start + 3_600_000);

        WindowPlanner.HotWindowSplit hot = planner.splitTooLarge(window, start + 1_800_500L);

        // the second in which coveredFrom lies is read again: records at that time may continue
        // beyond the cap
        assertThat(hot.coveredPart())
                .isEqualTo(WindowSplit.of("t", start + 1_801_000, start + 3_600_000));
        assertThat(hot.pieces())
                .containsExactly(
                        WindowSplit.of("t", start, start + 900_000),
                        WindowSplit.of("t", start + 900_000, start + 1_801_000));
    }

    @Test
    void capHitInTheLastResolutionStepLeavesNothingCovered() {
        WindowPlanner planner = new WindowPlanner(plan(Duration.ofSeconds(1)));
        long start = START.toEpochMilli();
        WindowSplit window = WindowSplit.of("t", start, start + 10_000);

        WindowPlanner.HotWindowSplit hot = planner.splitTooLarge(window, start + 9_001L);

        assertThat(hot.coveredPart()).isNull();
        assertThat(hot.pieces())
                .containsExactly(
                        WindowSplit.of("t", start, start + 5_000),
                        WindowSplit.of("t", start + 5_000, start + 10_000));
    }

    @Test
    void hotWindowSplittingRecursesDownToTheMinimumWidthAndLosesNothing() {
        Duration minWidth = Duration.ofSeconds(30);
        SyncPlan plan = plan(minWidth);
        WindowPlanner planner = new WindowPlanner(plan);
        long start = START.toEpochMilli();
        WindowSplit original = WindowSplit.of("t", start, start + 3_600_000);
        Random random = new Random(7);

        List<WindowSplit> done = new ArrayList<>();
        Deque<WindowSplit> tooLarge = new ArrayDeque<>(List.of(original));
        while (!tooLarge.isEmpty()) {
            WindowSplit window = tooLarge.poll();
            if (window.isUnsplittable()) {
                done.add(window);
                continue;
            }
            Long coveredFrom =
                    random.nextBoolean()
                            ? null
                            : window.startMillis()
                                    + (long) (random.nextDouble() * window.widthMillis());
            WindowPlanner.HotWindowSplit hot = planner.splitTooLarge(window, coveredFrom);
            if (hot.coveredPart() != null) {
                done.add(hot.coveredPart());
            }
            for (WindowSplit piece : hot.pieces()) {
                assertThat(piece.widthMillis()).isLessThanOrEqualTo(window.widthMillis());
                if (!piece.isUnsplittable()) {
                    assertThat(piece.widthMillis()).isGreaterThanOrEqualTo(minWidth.toMillis());
                }
                assertThat(piece.startMillis() % 1000).isZero();
                tooLarge.add(piece);
            }
        }

        assertContiguous(done, original.startMillis(), original.endMillis());
        assertThat(done).filteredOn(WindowSplit::isUnsplittable).isNotEmpty();
        assertThat(done)
                .filteredOn(WindowSplit::isUnsplittable)
                .allSatisfy(w -> assertThat(w.widthMillis()).isLessThan(2 * minWidth.toMillis()));
    }

    @Test
    void refusesToSplitAnUnsplittableWindow() {
        WindowPlanner planner = new WindowPlanner(plan(Duration.ofSeconds(1)));

        assertThatThrownBy(
                        () ->
                                planner.splitTooLarge(
                                        WindowSplit.of("t", 0, 1000).asUnsplittable(), null))
                .hasMessageContaining("is unsplittable");
    }

    private static SyncPlan plan(Duration minWidth) {
        return SyncPlan.builder()
                .tenants("t")
                .startTime(START)
                .step(Duration.ofHours(1))
                .minWindowWidth(minWidth)
                .build();
    }

    /** The windows, sorted, cover [start, end) with no gap and no overlap. */
    static void assertContiguous(List<WindowSplit> windows, long start, long end) {
        List<WindowSplit> sorted = new ArrayList<>(windows);
        sorted.sort(Comparator.comparingLong(WindowSplit::startMillis));
        assertThat(sorted).isNotEmpty();
        assertThat(sorted.get(0).startMillis()).isEqualTo(start);
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i).startMillis())
                    .as("window %s follows %s", sorted.get(i), sorted.get(i - 1))
                    .isEqualTo(sorted.get(i - 1).endMillis());
        }
        assertThat(sorted.get(sorted.size() - 1).endMillis()).isEqualTo(end);
    }

    @Test
    void noWindowNarrowerThanTheMinimumWidthIsPlannedWhereAvoidable() {
        SyncPlan bounded =
                SyncPlan.builder()
                        .tenants("t")
                        .startTime(START)
                        .endTime(START.plusSeconds(7201))
                        .step(Duration.ofHours(1))
                        .minWindowWidth(Duration.ofSeconds(2))
                        .build();
        WindowPlanner planner = new WindowPlanner(bounded);
        List<WindowSplit> windows =
                planner.windowsBetween(
                        "t", bounded.startMillis(), planner.horizonAt(Long.MAX_VALUE));
        assertContiguous(windows, bounded.startMillis(), bounded.endMillis());
        // 3600 + 3601 would leave a 1 s sliver: the last two windows share the rest instead
        assertThat(windows)
                .allSatisfy(w -> assertThat(w.widthMillis()).isBetween(2_000L, 3_600_000L));

        SyncPlan continuous =
                SyncPlan.builder()
                        .tenants("t")
                        .startTime(START)
                        .step(Duration.ofHours(1))
                        .lag(Duration.ZERO)
                        .minWindowWidth(Duration.ofSeconds(2))
                        .build();
        WindowPlanner live = new WindowPlanner(continuous);
        assertThat(live.nextWindow("t", START.toEpochMilli(), START.plusSeconds(1).toEpochMilli()))
                .as("a 1 s window waits until the horizon has moved 2 s")
                .isNull();
        assertThat(
                        live.nextWindow(
                                        "t",
                                        START.toEpochMilli(),
                                        START.plusSeconds(2).toEpochMilli())
                                .widthMillis())
                .isEqualTo(2_000L);
    }
}
