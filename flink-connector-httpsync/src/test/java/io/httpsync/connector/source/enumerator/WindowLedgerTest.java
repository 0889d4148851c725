package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The window ledger on its own, without readers or a coordinator: where windows are, and what the
 * positions are.
 */
class WindowLedgerTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final Duration RETRY_DELAY = Duration.ofMinutes(5);
    private static final WindowFailure BAD_SIGN =
            new WindowFailure("HTTP 200, code 31: invalid sign", "FATAL, HTTP 200, code 31", false);

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofDays(1)));

    /** A bounded sync of tenants a and b over three hours in windows of an hour. */
    private WindowLedger threeHours() {
        return new WindowLedger(plan(), null);
    }

    private SyncPlan plan() {
        return SyncPlan.builder()
                .tenants("a", "b")
                .startTime(START)
                .endTime(START.plus(Duration.ofHours(3)))
                .step(Duration.ofHours(1))
                .failedWindowRetryDelay(RETRY_DELAY)
                .maxWindowFailures(2)
                .clock(clock)
                .build();
    }

    @Test
    void handsOutTheOldestWindowFirstAndPlansOnlyAsManyAsAreWanted() {
        WindowLedger ledger = threeHours();

        WindowSplit first = ledger.assignNext(1);
        WindowSplit second = ledger.assignNext(1);

        assertThat(first).isEqualTo(WindowSplit.of("a", T0, T0 + HOUR));
        assertThat(second).isEqualTo(WindowSplit.of("b", T0, T0 + HOUR));
        // one round (a window per tenant) was enough for both: nothing else is planned yet
        assertThat(ledger.unassignedCount()).isZero();
        assertThat(ledger.snapshot(1).tenants())
                .extracting(TenantState::nextPlannedStartMillis)
                .containsExactly(T0 + HOUR, T0 + HOUR);
    }

    @Test
    void aFinishedWindowCommitsOnlyWhenACheckpointTakenAfterItsReportCompletes() {
        WindowLedger ledger = threeHours();
        WindowSplit window = ledger.assignNext(1);
        ledger.snapshot(1);

        ledger.finished(window);
        ledger.checkpointComplete(1);
        assertThat(ledger.syncPositions()).containsEntry("a", T0);

        ledger.snapshot(2);
        ledger.checkpointComplete(2);
        assertThat(ledger.syncPositions()).isEqualTo(Map.of("a", T0 + HOUR, "b", T0));
        assertThat(ledger.committedWindows()).isEqualTo(1);
    }

    @Test
    void aFailedWindowHoldsThePositionBackUntilItIsReadOnItsRetry() {
        WindowLedger ledger = threeHours();
        WindowSplit first = assignFor(ledger, "a");
        WindowSplit second = assignFor(ledger, "a");

        ledger.failed(0, first, BAD_SIGN);
        ledger.finished(second);
        commitAll(ledger, 1);
        assertThat(ledger.syncPositions()).containsEntry("a", T0);

        ledger.retryDue(clock.millis() + RETRY_DELAY.toMillis() - 1);
        // the failed window waits, carrying its failure count (checkpointed with it, so a restore
        // goes on counting)
        assertThat(ledger.snapshot(2).failed())
                .extracting(FailedWindow::window)
                .singleElement()
                .satisfies(
                        w -> {
                            assertThat(w.splitId()).isEqualTo(first.splitId());
                            assertThat(w.failureStreak().failures()).isEqualTo(1);
                        });
        ledger.retryDue(clock.millis() + RETRY_DELAY.toMillis());
        WindowSplit retried = assignFor(ledger, "a");
        assertThat(retried.splitId()).isEqualTo(first.splitId());
        assertThat(retried.failureStreak().failures()).isEqualTo(1);
        ledger.finished(retried);
        commitAll(ledger, 3);
        assertThat(ledger.syncPositions()).containsEntry("a", T0 + 2 * HOUR);
    }

    @Test
    void aBoundedSyncEndsWithAWindowThatKeepsFailingWithTheSameLastingCause() {
        WindowLedger ledger = threeHours();
        WindowSplit window = ledger.assignNext(1);
        ledger.failed(0, window, BAD_SIGN);
        ledger.retryDue(Long.MAX_VALUE);
        WindowSplit again = assignFor(ledger, "a"); // a retry goes out in its tenant's turn

        assertThatThrownBy(() -> ledger.failed(0, again, BAD_SIGN))
                .isInstanceOf(WindowFailedException.class)
                .hasMessageContaining("failed 2 times in a row with the same cause");
    }

    @Test
    void aTooLargeWindowFinishesTheCoveredPartAndQueuesTheRestInHalves() {
        WindowLedger ledger = threeHours();
        WindowSplit window = assignFor(ledger, "a");

        ledger.tooLarge(0, window, T0 + HOUR / 2, 10_000);

        HttpSyncEnumState state = ledger.snapshot(1);
        assertThat(state.finishedPending()).hasSize(1);
        WindowSplit covered = state.finishedPending().get(0).window();
        assertThat(covered.endMillis()).isEqualTo(T0 + HOUR);
        assertThat(covered.startMillis()).isGreaterThan(T0 + HOUR / 2).isLessThan(T0 + HOUR);
        List<WindowSplit> rest =
                state.unassigned().stream()
                        .filter(w -> w.tenant().equals("a") && w.endMillis() <= T0 + HOUR)
                        .toList();
        assertThat(rest).hasSize(2);
        assertThat(rest.get(0).startMillis()).isEqualTo(T0);
        assertThat(rest.get(0).endMillis()).isEqualTo(rest.get(1).startMillis());
        assertThat(rest.get(1).endMillis()).isEqualTo(covered.startMillis());
    }

    @Test
    void aReportAboutAWindowNoLongerAssignedChangesNothing() {
        WindowLedger ledger = threeHours();
        WindowSplit window = ledger.assignNext(1);
        ledger.finished(window);
        HttpSyncEnumState before = ledger.snapshot(1);

        ledger.finished(window);
        ledger.failed(0, window, BAD_SIGN);

        assertThat(ledger.snapshot(1)).isEqualTo(before);
    }

    @Test
    void theWindowsOfAFailedReaderGoBackToTheQueueFresh() {
        WindowLedger ledger = threeHours();
        WindowSplit finished = assignFor(ledger, "a");
        WindowSplit read = assignFor(ledger, "b").withPosition("{\"page\":3}");
        ledger.finished(finished);

        int back = ledger.takeBack(List.of(finished, read));

        assertThat(back).isEqualTo(2);
        HttpSyncEnumState state = ledger.snapshot(1);
        assertThat(state.assigned()).isEmpty();
        assertThat(state.finishedPending()).isEmpty();
        assertThat(state.unassigned())
                .contains(WindowSplit.of("a", T0, T0 + HOUR), WindowSplit.of("b", T0, T0 + HOUR));
    }

    @Test
    void aBoundedSyncIsDoneOnlyWhenEveryWindowIsPlannedAndNoneIsOutstanding() {
        WindowLedger ledger = threeHours();
        List<WindowSplit> all = new ArrayList<>();
        for (WindowSplit w = ledger.assignNext(1); w != null; w = ledger.assignNext(1)) {
            all.add(w);
        }
        assertThat(all).hasSize(6);
        assertThat(ledger.isBoundedSyncDone()).isFalse();

        all.forEach(ledger::finished);

        // finished windows waiting for a checkpoint do not hold the end back
        assertThat(ledger.isBoundedSyncDone()).isTrue();
    }

    @Test
    void withoutReadersAskingForSlotsWindowsKeepTheStepHoweverManyRequestsWait() {
        // a full pass's ledger, or readers with a fixed number or no finite rate, say 0
        WindowLedger ledger = threeHours();
        List<WindowSplit> all = new ArrayList<>();
        for (WindowSplit w = ledger.assignNext(12, 0); w != null; w = ledger.assignNext(12, 0))
            all.add(w);
        assertThat(all)
                .hasSize(6)
                .allSatisfy(w -> assertThat(w.endMillis() - w.startMillis()).isEqualTo(HOUR));
    }

    @Test
    void readersAskingForMoreWindowsThanTheStepGivesGetNarrowerWindowsCoveringTheRangeOnce() {
        WindowLedger ledger = threeHours();
        List<WindowSplit> all = new ArrayList<>();
        // readers that want 12 windows at once, their requests answered one by one: 6 windows
        // for each of the 2 tenants, 30 min wide instead of the 1 h step
        for (int i = 0; i < 12; i++) all.add(ledger.assignNext(1, 12));
        assertThat(all).hasSize(12).doesNotContainNull();
        assertThat(all)
                .allSatisfy(w -> assertThat(w.endMillis() - w.startMillis()).isEqualTo(HOUR / 2));
        for (String tenant : List.of("a", "b")) {
            long covered =
                    all.stream()
                            .filter(w -> w.tenant().equals(tenant))
                            .mapToLong(w -> w.endMillis() - w.startMillis())
                            .sum();
            assertThat(covered).isEqualTo(3 * HOUR);
        }
        assertThat(ledger.assignNext(1)).isNull();
    }

    @Test
    void aRestoredLedgerCommitsCheckpointedWindowsAndKeepsEverythingElseWhereItWas() {
        WindowLedger ledger = threeHours();
        WindowSplit finished = assignFor(ledger, "a");
        WindowSplit failing = assignFor(ledger, "b");
        WindowSplit assigned = assignFor(ledger, "a");
        ledger.finished(finished);
        ledger.failed(0, failing, BAD_SIGN);
        HttpSyncEnumState state = ledger.snapshot(7);

        WindowLedger restored = new WindowLedger(plan(), state);

        assertThat(restored.hasNewTenants()).isFalse();
        assertThat(restored.committedWindows()).isEqualTo(1);
        assertThat(restored.syncPositions()).isEqualTo(Map.of("a", T0 + HOUR, "b", T0));
        HttpSyncEnumState again = restored.snapshot(8);
        assertThat(again.assigned()).containsExactly(assigned);
        assertThat(again.failed()).isEqualTo(state.failed());
        assertThat(again.unassigned()).isEqualTo(state.unassigned());
        assertThat(again.finishedPending()).isEmpty();
    }

    /** Assigns windows until one of {@code tenant} comes; the others go back where they were. */
    private static WindowSplit assignFor(WindowLedger ledger, String tenant) {
        List<WindowSplit> others = new ArrayList<>();
        WindowSplit w = ledger.assignNext(1);
        while (w != null && !w.tenant().equals(tenant)) {
            others.add(w);
            w = ledger.assignNext(1);
        }
        ledger.takeBack(others);
        return w;
    }

    private static void commitAll(WindowLedger ledger, long checkpointId) {
        ledger.snapshot(checkpointId);
        ledger.checkpointComplete(checkpointId);
    }
}
