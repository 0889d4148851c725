package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.event.SyncPositionEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.api.connector.source.SourceEvent;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.httpsync.connector.source.enumerator.WindowPlannerTest.assertContiguous;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class HttpSyncEnumeratorTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long MINUTE = Duration.ofMinutes(1).toMillis();
    private static final Duration RETRY_DELAY = Duration.ofMinutes(5);

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofDays(1)));

    private SyncPlan.Builder bounded(int hours, String... tenants) {
        return SyncPlan.builder()
                .tenants(tenants)
                .startTime(START)
                .endTime(START.plus(Duration.ofHours(hours)))
                .step(Duration.ofHours(1))
                .maxWindowWidth(Duration.ofHours(1))
                .minWindowWidth(Duration.ofMinutes(5))
                .failedWindowRetryDelay(RETRY_DELAY)
                .clock(clock);
    }

    @Test
    void assignsOneWindowPerRequestOldestFirstAcrossTenants() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a", "b").build(), 2);

        assertThat(h.newAssignments(0)).isEmpty();
        assertThat(h.request(0)).containsExactly(WindowSplit.of("a", T0, T0 + HOUR));
        assertThat(h.request(1)).containsExactly(WindowSplit.of("b", T0, T0 + HOUR));
        assertThat(h.request(0, 3))
                .containsExactly(
                        WindowSplit.of("a", T0 + HOUR, T0 + 2 * HOUR),
                        WindowSplit.of("b", T0 + HOUR, T0 + 2 * HOUR),
                        WindowSplit.of("a", T0 + 2 * HOUR, T0 + 3 * HOUR));
    }

    @Test
    void sendsTheSyncPositionsToEveryReaderThatRegisters() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a", "b").build(), 2);

        assertThat(h.newEvents(1)).containsExactly(new SyncPositionEvent(Map.of("a", T0, "b", T0)));
    }

    @Test
    void positionAdvancesOnlyWhenACheckpointTakenAfterTheFinishCompletes() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 1);
        WindowSplit w1 = single(h.request(0));
        WindowSplit w2 = single(h.request(0));

        h.finish(0, w1);
        assertThat(h.position("a")).isEqualTo(T0);
        h.enumerator.snapshotState(1);
        assertThat(h.position("a")).isEqualTo(T0);
        h.finish(0, w2); // reported after the snapshot of checkpoint 1: not covered by it
        h.enumerator.notifyCheckpointComplete(1);

        assertThat(h.position("a")).isEqualTo(w1.endMillis());
        // nothing is sent in step with the checkpoint's completion (a stop-with-savepoint finishes
        // the tasks then)
        List<SourceEvent> beforeNextRequest = h.newEvents(0);
        assertThat(beforeNextRequest).contains(new WindowsFinishedAckEvent(List.of(w1.splitId())));
        assertThat(beforeNextRequest)
                .doesNotContain(new SyncPositionEvent(Map.of("a", w1.endMillis())));
        h.request(0);
        assertThat(h.newEvents(0)).contains(new SyncPositionEvent(Map.of("a", w1.endMillis())));

        h.checkpoint(2);
        assertThat(h.position("a")).isEqualTo(w2.endMillis());
    }

    @Test
    void aSkippedNotificationIsCoveredByALaterOne() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 1);
        WindowSplit w1 = single(h.request(0));
        h.finish(0, w1);

        h.enumerator.snapshotState(1);
        h.enumerator.snapshotState(2);
        h.enumerator.notifyCheckpointComplete(2);

        assertThat(h.position("a")).isEqualTo(w1.endMillis());
    }

    @Test
    void positionStopsAtTheFirstWindowThatIsNotCommitted() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 1);
        List<WindowSplit> windows = h.request(0, 3);

        h.finish(0, windows.get(0), windows.get(2));
        HttpSyncEnumState state = h.checkpoint(1);

        assertThat(h.position("a")).isEqualTo(T0 + HOUR);
        assertThat(h.enumerator.snapshotState(2).tenants())
                .containsExactly(
                        new TenantState(
                                "a",
                                T0 + 3 * HOUR,
                                T0 + HOUR,
                                List.of(new TimeRange(T0 + 2 * HOUR, T0 + 3 * HOUR))));
        assertThat(state.assigned()).containsExactly(windows.get(1));

        h.finish(0, windows.get(1));
        h.checkpoint(3);
        assertThat(h.position("a")).isEqualTo(T0 + 3 * HOUR);
    }

    @Test
    void aFailedWindowHoldsThePositionUntilItIsRetriedAfterTheDelay() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 1);
        WindowSplit w1 = single(h.request(0));
        WindowSplit w2 = single(h.request(0));

        h.fail(0, w1.withPosition("page-7"));
        h.finish(0, w2);
        h.checkpoint(1);
        assertThat(h.position("a")).isEqualTo(T0);
        assertThat(h.newEvents(0)).contains(new WindowsFinishedAckEvent(List.of(w1.splitId())));

        WindowSplit w3 = single(h.request(0));
        assertThat(w3.startMillis()).isEqualTo(T0 + 2 * HOUR);
        h.finish(0, w3);
        clock.advance(RETRY_DELAY.minusMillis(1));
        h.tick();
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).isFalse();

        clock.advance(Duration.ofMillis(1));
        h.tick();
        assertThat(h.newAssignments(0))
                .containsExactly(EnumeratorHarness.failed(w1, 1)); // read again from its start
        h.finish(0, w1);
        h.checkpoint(2);
        assertThat(h.position("a")).isEqualTo(T0 + 3 * HOUR);
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).isTrue();
    }

    @Test
    void hotWindowIsHalvedRecursivelyDownToTheMinimumWidthAndCommitsAsAWhole() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(1, "a").build(), 1);
        WindowSplit window = single(h.request(0));

        h.tooLarge(0, window, T0 + 40 * MINUTE + 500);
        List<WindowSplit> halves = h.request(0, 2);
        assertThat(halves)
                .containsExactly(
                        WindowSplit.of("a", T0, T0 + 20 * MINUTE),
                        WindowSplit.of("a", T0 + 20 * MINUTE, T0 + 40 * MINUTE + 1000));

        h.tooLarge(0, halves.get(0), null);
        List<WindowSplit> quarters = h.request(0, 2);
        assertThat(quarters)
                .extracting(WindowSplit::widthMillis)
                .containsExactly(10 * MINUTE, 10 * MINUTE);
        h.tooLarge(0, quarters.get(0), null);
        List<WindowSplit> eighths = h.request(0, 2);
        assertThat(eighths)
                .extracting(WindowSplit::widthMillis)
                .containsExactly(5 * MINUTE, 5 * MINUTE);
        h.tooLarge(0, eighths.get(0), null);
        WindowSplit unsplittable = single(h.request(0));
        assertThat(unsplittable)
                .isEqualTo(WindowSplit.of("a", T0, T0 + 5 * MINUTE).asUnsplittable());

        assertThatThrownBy(() -> h.tooLarge(0, unsplittable, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "unsplittable window a:[" + T0 + "," + (T0 + 5 * MINUTE) + ")")
                .hasMessageContaining("raise an exception event");

        h.checkpoint(1);
        assertThat(h.position("a"))
                .as("the covered part is committed, but the pieces before it are not")
                .isEqualTo(T0);
        List<WindowSplit> committed =
                new ArrayList<>(
                        List.of(unsplittable, eighths.get(1), quarters.get(1), halves.get(1)));
        h.finish(0, committed.toArray(new WindowSplit[0]));
        h.checkpoint(2);
        assertThat(h.position("a")).isEqualTo(T0 + HOUR);
        committed.add(WindowSplit.of("a", T0 + 40 * MINUTE + 1000, T0 + HOUR));
        assertContiguous(committed, T0, T0 + HOUR);
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).isTrue();
    }

    @Test
    void noMoreSplitsOnlyWhenNothingIsLeftAndNothingCanComeBack() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(2, "a").build(), 2);
        WindowSplit first = single(h.request(0));
        WindowSplit last = single(h.request(0));
        h.finish(0, first);

        assertThat(h.request(1)).isEmpty();
        assertThat(h.noMoreSplits(1))
                .as("reader 0 may still report its window too large")
                .isFalse();

        h.tooLarge(0, last, null);
        assertThat(h.newAssignments(1))
                .as("nothing is sent to a reader that did not speak")
                .isEmpty();
        h.poll(1);
        WindowSplit piece =
                single(
                        h.newAssignments(
                                1)); // the waiting request gets a piece when its reader polls
        assertThat(h.request(0)).hasSize(1);
        assertThat(h.noMoreSplits(0)).isFalse();

        h.finish(1, piece);
        assertThat(h.noMoreSplits(0)).isFalse();
        h.fail(0, WindowSplit.of("a", last.startMillis() + 30 * MINUTE, last.endMillis()));
        assertThat(h.request(1)).isEmpty();
        assertThat(h.noMoreSplits(1)).as("a failed window comes back").isFalse();

        clock.advance(RETRY_DELAY);
        h.tick();
        WindowSplit retried =
                single(h.newAssignments(1)); // the pending request of reader 1 gets it
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).as("the retried window is still out").isFalse();
        h.finish(1, retried);

        assertThat(h.noMoreSplits(0)).isFalse();
        h.poll(0);
        assertThat(h.noMoreSplits(0))
                .as("its pending request is answered with the end when it polls")
                .isTrue();
        assertThat(h.noMoreSplits(1)).as("it has no request pending").isFalse();
        h.request(1);
        assertThat(h.noMoreSplits(1)).isTrue();
    }

    @Test
    void splitsAddedBackGoToAnotherReaderAndTheirUncheckpointedFinishIsForgotten() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 2);
        List<WindowSplit> taken = h.request(0, 2);
        h.finish(0, taken.get(1));

        h.enumerator.addSplitsBack(taken, 0);
        h.checkpoint(1);
        assertThat(h.position("a")).isEqualTo(T0);

        assertThat(h.request(1, 2)).containsExactlyElementsOf(taken);
        h.finish(1, taken.get(0), taken.get(1));
        h.checkpoint(2);
        assertThat(h.position("a")).isEqualTo(T0 + 2 * HOUR);
    }

    @Test
    void aTooLargeReportUndoneByAddSplitsBackRequeuesTheCoveredPart() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(1, "a").build(), 2);
        WindowSplit window = single(h.request(0));
        h.tooLarge(0, window, T0 + 50 * MINUTE);

        h.enumerator.addSplitsBack(List.of(window), 0);

        List<WindowSplit> all = h.request(1, 3);
        assertContiguous(all, T0, T0 + HOUR);
        assertThat(all).contains(WindowSplit.of("a", T0 + 50 * MINUTE + 1000, T0 + HOUR));
    }

    @Test
    void aTooLargeWindowWithNothingCoveredIsNotQueuedAgainBesideItsPieces() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(1, "a").build(), 2);
        WindowSplit window = single(h.request(0));
        h.tooLarge(0, window, null);

        h.enumerator.addSplitsBack(List.of(window), 0);

        List<WindowSplit> all = h.request(1, 3);
        assertThat(all).doesNotContain(window).hasSize(2);
        assertContiguous(all, T0, T0 + HOUR);
    }

    @Test
    void aFailedWindowOfAFailedReaderIsQueuedAtOnce() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(1, "a").build(), 2);
        WindowSplit window = single(h.request(0));
        h.fail(0, window);

        h.enumerator.addSplitsBack(List.of(window), 0);

        assertThat(h.request(1)).containsExactly(EnumeratorHarness.failed(window, 1));
    }

    @Test
    void repeatedReportsAreAcknowledgedButCountOnce() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 1);
        WindowSplit window = single(h.request(0));

        h.finish(0, window);
        h.finish(0, window);
        h.checkpoint(1);
        h.tooLarge(0, window, null);
        h.fail(0, window);

        assertThat(h.newEvents(0))
                .filteredOn(WindowsFinishedAckEvent.class::isInstance)
                .hasSize(4)
                .allMatch(
                        ack ->
                                ((WindowsFinishedAckEvent) ack)
                                        .splitIds()
                                        .equals(List.of(window.splitId())));
        assertThat(h.counter(EnumeratorMetrics.COMMITTED_WINDOWS)).isEqualTo(1L);
        assertThat(h.request(0)).doesNotContain(window);
    }

    @Test
    void theEnumeratorSendsNothingOnItsOwnOnlyInAnswerToAReader() {
        clock.set(START.plus(Duration.ofMinutes(35)));
        SyncPlan plan =
                SyncPlan.builder()
                        .tenants("a")
                        .startTime(START)
                        .step(Duration.ofMinutes(10))
                        .lag(Duration.ofMinutes(2))
                        .discoveryInterval(Duration.ofMinutes(1))
                        .clock(clock)
                        .build();
        EnumeratorHarness h = new EnumeratorHarness(plan, 1);
        assertThat(h.request(0)).as("nothing is planned before the first clock read").isEmpty();
        h.newEvents(0);

        h.tickWithoutPolls(); // plans windows for the waiting request
        assertThat(h.newAssignments(0)).as("a tick sends nothing").isEmpty();
        h.poll(0);
        WindowSplit first = single(h.newAssignments(0));

        h.finish(0, first);
        h.newEvents(0);
        h.checkpoint(1); // moves the position
        h.tickWithoutPolls();
        assertThat(h.newEvents(0))
                .as("neither the checkpoint's completion nor a tick sends anything")
                .isEmpty();
        h.poll(0);
        assertThat(h.newEvents(0))
                .containsExactly(new SyncPositionEvent(Map.of("a", first.endMillis())));
    }

    @Test
    void continuousModeDiscoversWindowsOnlyUpToNowMinusLag() {
        clock.set(START.plus(Duration.ofMinutes(35)));
        SyncPlan plan =
                SyncPlan.builder()
                        .tenants("a")
                        .startTime(START)
                        .step(Duration.ofMinutes(10))
                        .lag(Duration.ofMinutes(2))
                        .discoveryInterval(Duration.ofMinutes(1))
                        .clock(clock)
                        .build();
        EnumeratorHarness h = new EnumeratorHarness(plan, 1);

        assertThat(h.request(0, 10)).as("nothing is planned before the first clock read").isEmpty();
        h.tick();
        List<WindowSplit> windows = new ArrayList<>(h.newAssignments(0));
        assertContiguous(windows, T0, T0 + 33 * MINUTE);

        clock.advance(Duration.ofMinutes(5));
        h.tick();
        windows.addAll(h.newAssignments(0));
        assertContiguous(windows, T0, T0 + 38 * MINUTE);
        assertThat(windows)
                .allSatisfy(w -> assertThat(w.widthMillis()).isLessThanOrEqualTo(10 * MINUTE));

        windows.forEach(w -> h.finish(0, w));
        h.checkpoint(1);
        assertThat(h.position("a")).isEqualTo(T0 + 38 * MINUTE);
        assertThat(h.noMoreSplits(0)).isFalse();
    }

    @Test
    void restoresInTheMiddleOfEverythingAndFinishesCorrectly() throws Exception {
        EnumeratorHarness h = new EnumeratorHarness(bounded(4, "a", "b").build(), 2);
        List<WindowSplit> reader0 = h.request(0, 3); // a1 b1 a2
        List<WindowSplit> reader1 = h.request(1, 3); // b2 a3 b3
        WindowSplit a1 = reader0.get(0), b1 = reader0.get(1), a2 = reader0.get(2);
        WindowSplit b2 = reader1.get(0), a3 = reader1.get(1), b3 = reader1.get(2);
        h.finish(0, a1);
        h.checkpoint(1);
        h.finish(1, a3);
        h.checkpoint(2); // a3 committed beyond the position
        h.tooLarge(1, b2, b2.startMillis() + 45 * MINUTE);
        h.fail(0, b1);
        h.finish(0, a2);
        HttpSyncEnumState snapshot =
                h.enumerator.snapshotState(3); // checkpoint 3 completes, but unnoticed
        assertThat(h.position("a")).isEqualTo(a1.endMillis());

        HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
        HttpSyncEnumState restoredState =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(snapshot));
        assertThat(restoredState).isEqualTo(snapshot);
        assertThat(snapshot.assigned()).containsExactly(b3);
        assertThat(snapshot.failed())
                .extracting(FailedWindow::window)
                .containsExactly(EnumeratorHarness.failed(b1, 1));
        assertThat(snapshot.finishedPending())
                .extracting(FinishedWindow::checkpointId)
                .containsOnly(3L);
        // the two halves of b2; a4 and b4 are planned only in their tenants' turns
        assertThat(snapshot.unassigned()).hasSize(2);

        EnumeratorHarness restored =
                new EnumeratorHarness(bounded(4, "a", "b").build(), 2, restoredState);
        assertThat(restored.position("a"))
                .as("a2 finished before checkpoint 3, which completed")
                .isEqualTo(a3.endMillis());
        assertThat(restored.position("b")).isEqualTo(T0);

        restored.finish(1, b3); // reader 1 restored b3 from its own state and finishes it
        clock.advance(RETRY_DELAY);
        restored.tick();
        drainBounded(restored, 2, 10);

        assertThat(restored.enumerator.syncPositions())
                .isEqualTo(Map.of("a", T0 + 4 * HOUR, "b", T0 + 4 * HOUR));
        HttpSyncEnumState end = restored.enumerator.snapshotState(100);
        assertThat(end.unassigned()).isEmpty();
        assertThat(end.assigned()).isEmpty();
        assertThat(end.failed()).isEmpty();
        assertThat(end.finishedPending()).isEmpty();
    }

    @Test
    void metricsShowUnassignedWindowsPositionsLagAndCommits() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 1);
        WindowSplit w1 = single(h.request(0));
        h.finish(0, w1);
        h.checkpoint(1);
        h.fail(0, single(h.request(0)));
        assertThat(h.gauge("unassignedSplits")).as("a failed window waits apart").isEqualTo(0L);
        clock.advance(RETRY_DELAY);
        h.tick();

        // windows are planned in their tenant's turn: those waiting came back (here: a retry)
        assertThat(h.gauge("unassignedSplits")).isEqualTo(1L);
        assertThat(h.gauge(EnumeratorMetrics.TENANT_GROUP, "a", EnumeratorMetrics.SYNC_POSITION))
                .isEqualTo(T0 + HOUR);
        assertThat(h.gauge(EnumeratorMetrics.TENANT_GROUP, "a", EnumeratorMetrics.SYNC_LAG_MILLIS))
                .isEqualTo(clock.millis() - (T0 + HOUR));
        assertThat(h.counter(EnumeratorMetrics.COMMITTED_WINDOWS)).isEqualTo(1L);
    }

    @Test
    void aFreshStartChecksTheLookBackLimitButARestoreDoesNot() {
        SyncPlan plan = bounded(3, "a").lookBack(Duration.ofHours(12)).build();

        assertThatThrownBy(() -> new EnumeratorHarness(plan, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("look-back limit");

        HttpSyncEnumState state =
                new HttpSyncEnumState(
                        List.of(new TenantState("a", T0, T0, List.of())),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of());
        EnumeratorHarness restored = new EnumeratorHarness(plan, 1, state);
        assertThat(restored.request(0)).containsExactly(WindowSplit.of("a", T0, T0 + HOUR));
    }

    @Test
    void aTenantAddedToThePlanStartsAtThePlanStartAfterARestore() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(2, "a").build(), 1);
        h.finish(0, single(h.request(0)));
        HttpSyncEnumState state = h.checkpoint(1);

        EnumeratorHarness restored = new EnumeratorHarness(bounded(2, "a", "b").build(), 1, state);

        assertThat(restored.enumerator.syncPositions()).isEqualTo(Map.of("a", T0 + HOUR, "b", T0));
        assertThat(restored.request(0, 3))
                .containsExactly(
                        WindowSplit.of("b", T0, T0 + HOUR),
                        WindowSplit.of("a", T0 + HOUR, T0 + 2 * HOUR),
                        WindowSplit.of("b", T0 + HOUR, T0 + 2 * HOUR));
    }

    @Test
    void ignoresRequestsOfReadersThatAreNoLongerRegistered() {
        EnumeratorHarness h = new EnumeratorHarness(bounded(3, "a").build(), 2);

        h.enumerator.handleSplitRequest(5, "gone");

        assertThat(h.context.getSplitAssignments()).doesNotContainKey(5);
        assertThat(h.request(0)).containsExactly(WindowSplit.of("a", T0, T0 + HOUR));
    }

    /**
     * Readers ask, finish everything they get, and checkpoints complete, until every reader is told
     * to stop.
     */
    private void drainBounded(EnumeratorHarness h, int readers, long firstCheckpointId) {
        long checkpointId = firstCheckpointId;
        for (int round = 0; round < 1_000; round++) {
            boolean done = true;
            for (int reader = 0; reader < readers; reader++) {
                if (!h.noMoreSplits(reader)) {
                    done = false;
                    int subtask = reader;
                    h.request(subtask).forEach(split -> h.finish(subtask, split));
                }
            }
            h.checkpoint(checkpointId++);
            if (done) {
                return;
            }
            clock.advance(RETRY_DELAY);
            h.tick();
        }
        fail("The bounded sync did not end");
    }

    private static WindowSplit single(List<WindowSplit> splits) {
        assertThat(splits).hasSize(1);
        return splits.get(0);
    }
}
