package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The assigner's turns across tenants: shares follow the tenants' limits, a newcomer's recent span
 * goes before everyone's history, a failing or banned tenant waits alone, and the sync position
 * never passes history that is not read yet.
 */
class WindowLedgerTurnsTest {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long NOW = T0 + 30 * 24 * HOUR; // a month after the start
    private static final WindowFailure BANNED =
            WindowFailure.passing("HTTP 429: the shop is banned for 5 minutes");

    private final ManualClock clock = new ManualClock(Instant.ofEpochMilli(NOW));

    private SyncPlan.Builder continuous() {
        return SyncPlan.builder()
                .tenantsFromRegistry(true)
                .startTime(START)
                .step(Duration.ofHours(1))
                .lag(Duration.ZERO)
                .failedWindowRetryDelay(Duration.ofMinutes(1))
                .clock(clock);
    }

    private WindowLedger ledger(SyncPlan plan) {
        WindowLedger ledger = new WindowLedger(plan, null);
        ledger.advanceHorizon(NOW);
        return ledger;
    }

    private static void commit(WindowLedger ledger, WindowSplit window, long checkpoint) {
        ledger.finished(window);
        ledger.snapshot(checkpoint);
        ledger.checkpointComplete(checkpoint);
    }

    /** A reader read the window (it holds no slot any more). */
    private static WindowSplit finished(WindowLedger ledger, WindowSplit window) {
        ledger.finished(window);
        return window;
    }

    @Test
    void sharesOfAssignmentsFollowTheTenantsOwnLimitsWhileAllHaveWork() {
        WindowLedger ledger = ledger(continuous().recentSpan(Duration.ZERO).build());
        for (String tenant : List.of("small-1", "small-2", "large")) ledger.activate(tenant, T0);
        ledger.weigh("small-1", 10);
        ledger.weigh("small-2", 10);
        ledger.weigh("large", 100);

        // readers with slots to spare: each window is read before the next request
        Map<String, Integer> assignments = new TreeMap<>();
        for (int i = 0; i < 240; i++) {
            WindowSplit w = ledger.assignNext(1);
            ledger.finished(w);
            assignments.merge(w.tenant(), 1, Integer::sum);
        }

        assertThat(assignments).isEqualTo(Map.of("small-1", 20, "small-2", 20, "large", 200));
    }

    /** The ledger restored from its checkpoint, as after a failover: re-weighed and re-listed. */
    private static WindowLedger restored(
            WindowLedger ledger, SyncPlan plan, long checkpoint, Map<String, Double> weights)
            throws Exception {
        HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
        HttpSyncEnumState state =
                serializer.deserialize(
                        serializer.getVersion(), serializer.serialize(ledger.snapshot(checkpoint)));
        WindowLedger restored = new WindowLedger(plan, state);
        weights.forEach(restored::weigh);
        weights.keySet().forEach(tenant -> restored.activate(tenant, T0));
        restored.advanceHorizon(NOW);
        return restored;
    }

    @Test
    void aRestoreInTheMiddleOfAWeightedRunContinuesTheSameShares() throws Exception {
        SyncPlan plan = continuous().recentSpan(Duration.ZERO).build();
        Map<String, Double> weights = Map.of("small-1", 10.0, "small-2", 10.0, "large", 100.0);
        WindowLedger ledger = ledger(plan);
        weights.forEach(ledger::weigh);
        weights.keySet().forEach(tenant -> ledger.activate(tenant, T0));

        Map<String, Integer> assignments = new TreeMap<>();
        WindowLedger current = ledger;
        long checkpoint = 0;
        for (int i = 1; i <= 240; i++) {
            WindowSplit w = current.assignNext(1);
            commit(current, w, ++checkpoint);
            assignments.merge(w.tenant(), 1, Integer::sum);
            // a job that fails over often: each restore would give every tenant a fresh start
            if (i % 6 == 0) current = restored(current, plan, ++checkpoint, weights);
        }

        assertThat(assignments).isEqualTo(Map.of("small-1", 20, "small-2", 20, "large", 200));
    }

    @Test
    void theHistorysShareOfATenantsTurnsContinuesAcrossRestores() throws Exception {
        SyncPlan plan = continuous().recentSpan(Duration.ofHours(8)).historyShare(0.25).build();
        WindowLedger current = ledger(plan);
        current.activate("shop", T0);

        StringBuilder kinds = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            WindowSplit w = current.assignNext(1);
            kinds.append(w.startMillis() >= NOW - 8 * HOUR ? 'R' : 'H');
            current = restored(current, plan, i + 1, Map.of("shop", 1.0));
        }

        assertThat(kinds.toString())
                .as("the same order as without restores")
                .isEqualTo("RRRHRRRHRRHH");
    }

    @Test
    void anAssignmentAmongThreeThousandTenantsLooksAtNoMoreTenantsThanWindowsInFlight() {
        WindowLedger ledger = ledger(continuous().build());
        ledger.defaultWeight(10);
        int tenants = 3000;
        for (int i = 0; i < tenants; i++) {
            String shop = String.format("shop-%04d", i);
            ledger.activate(shop, NOW - 2 * 24 * HOUR); // its last hour first, then its history
            if (i % 600 == 0) ledger.weigh(shop, 100); // five large shops
        }

        // readers hold 64 windows; the oldest half finishes between rounds of requests
        int inFlight = 64;
        List<WindowSplit> reading = new ArrayList<>();
        Map<String, Integer> assignments = new HashMap<>();
        long mostExamined = 0;
        long before = ledger.tenantsExamined();
        while (assignments.values().stream().mapToInt(Integer::intValue).sum() < 12_000) {
            while (reading.size() < inFlight) {
                long examined = ledger.tenantsExamined();
                WindowSplit w = ledger.assignNext(inFlight - reading.size());
                mostExamined = Math.max(mostExamined, ledger.tenantsExamined() - examined);
                reading.add(w);
                assignments.merge(w.tenant(), 1, Integer::sum);
            }
            for (int i = 0; i < inFlight / 2; i++) ledger.finished(reading.remove(0));
        }
        double perAssignment = (ledger.tenantsExamined() - before) / 12_000.0;

        assertThat(assignments).as("every tenant had turns").hasSize(tenants);
        assertThat(mostExamined)
                .as("an assignment passes over only tenants holding windows in flight")
                .isLessThanOrEqualTo(inFlight + 1);
        assertThat(perAssignment).as("tenants looked at per assignment").isLessThan(3);
    }

    @Test
    void aTenantWithABacklogDoesNotDelayANewTenantsRecentHourWhoseHistoryFollows() {
        WindowLedger ledger = ledger(continuous().build());
        ledger.activate("old", NOW - 2 * 24 * HOUR); // two days behind: reads its last hour first
        List<WindowSplit> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) first.add(finished(ledger, ledger.assignNext(1)));
        assertThat(first.get(0))
                .as("the recent hour of a tenant far behind goes first")
                .isEqualTo(WindowSplit.of("old", NOW - HOUR, NOW));
        assertThat(first.get(1)).isEqualTo(WindowSplit.of("old", NOW - 48 * HOUR, NOW - 47 * HOUR));

        ledger.activate("new", T0); // a month of history
        WindowSplit next = finished(ledger, ledger.assignNext(1));

        assertThat(next)
                .as("the newcomer's last hour goes out at once, ahead of the backlog")
                .isEqualTo(WindowSplit.of("new", NOW - HOUR, NOW));
        List<String> then = new ArrayList<>();
        List<WindowSplit> newOnes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            WindowSplit w = finished(ledger, ledger.assignNext(1));
            then.add(w.tenant());
            if (w.tenant().equals("new")) newOnes.add(w);
        }
        assertThat(then).as("then the two alternate").containsOnly("old", "new");
        assertThat(then.stream().filter("new"::equals).count()).isEqualTo(5);
        assertThat(newOnes.get(0))
                .as("the newcomer's history follows, oldest first")
                .isEqualTo(WindowSplit.of("new", T0, T0 + HOUR));
    }

    @Test
    void theHistoryGetsItsShareOfATenantsTurnsWhileItsRecentSpanHasWindows() {
        WindowLedger ledger =
                ledger(continuous().recentSpan(Duration.ofHours(8)).historyShare(0.25).build());
        ledger.activate("shop", T0);

        StringBuilder kinds = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            WindowSplit w = ledger.assignNext(1);
            kinds.append(w.startMillis() >= NOW - 8 * HOUR ? 'R' : 'H');
        }

        assertThat(kinds.toString())
                .as("one turn in four to the history while the recent span has windows")
                .isEqualTo("RRRHRRRHRRHH");
    }

    @Test
    void aFailingTenantWaitsForItsRetryAloneAndItsRetryTakesOnlyItsOwnTurn() {
        WindowLedger ledger = ledger(continuous().recentSpan(Duration.ZERO).build());
        for (String tenant : List.of("a", "b", "bad")) ledger.activate(tenant, T0);

        WindowSplit failing = null;
        for (int i = 0; i < 3; i++) {
            WindowSplit w = ledger.assignNext(1);
            if (w.tenant().equals("bad")) failing = w;
            else ledger.finished(w);
        }
        ledger.failed(0, failing, BANNED);

        List<String> whileWaiting = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            WindowSplit w = ledger.assignNext(1);
            whileWaiting.add(w.tenant());
            ledger.finished(w);
        }
        assertThat(whileWaiting)
                .as("the failing tenant gets nothing while its window waits for the retry")
                .containsExactly("a", "b", "a", "b", "a", "b");

        ledger.retryDue(clock.millis() + Duration.ofMinutes(1).toMillis());
        Map<String, WindowSplit> round = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            WindowSplit w = ledger.assignNext(1);
            assertThat(round.put(w.tenant(), w)).as("one window per tenant in a round").isNull();
        }
        assertThat(round.get("bad").splitId())
                .as("the retry goes out first in the failing tenant's own turn")
                .isEqualTo(failing.splitId());
    }

    @Test
    void aBannedTenantsWindowsHoldNoMoreThanItsShareOfTheSlotsWhileOthersHaveWork() {
        WindowLedger ledger = ledger(continuous().recentSpan(Duration.ZERO).build());
        for (String tenant : List.of("a", "b", "banned")) ledger.activate(tenant, T0);

        // six slots; a and b finish each window before the next request, "banned" never does
        int bannedInFlight = 0;
        Map<String, Integer> assignments = new TreeMap<>();
        for (int i = 0; i < 60; i++) {
            WindowSplit w = ledger.assignNext(6 - bannedInFlight);
            assignments.merge(w.tenant(), 1, Integer::sum);
            if (w.tenant().equals("banned")) bannedInFlight++;
            else ledger.finished(w);
        }

        assertThat(bannedInFlight).as("its share of six slots, rounded up").isEqualTo(2);
        assertThat(assignments.get("a")).isEqualTo(29);
        assertThat(assignments.get("b")).isEqualTo(29);
    }

    @Test
    void thePositionNeverPassesUnreadHistoryAndARestoreKeepsTheRecentSpan() throws Exception {
        SyncPlan plan = continuous().recentSpan(Duration.ofHours(2)).historyShare(0).build();
        WindowLedger ledger = ledger(plan);
        long start = NOW - 6 * HOUR;
        ledger.activate("shop", start);

        WindowSplit recent1 = ledger.assignNext(1);
        WindowSplit recent2 = ledger.assignNext(1);
        WindowSplit history1 = ledger.assignNext(1);
        assertThat(List.of(recent1, recent2, history1))
                .containsExactly(
                        WindowSplit.of("shop", NOW - 2 * HOUR, NOW - HOUR),
                        WindowSplit.of("shop", NOW - HOUR, NOW),
                        WindowSplit.of("shop", start, start + HOUR));
        commit(ledger, recent1, 1);
        commit(ledger, recent2, 2);
        assertThat(ledger.syncPositions())
                .as("recent windows are in, but the history before them is not")
                .containsEntry("shop", start);

        HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
        HttpSyncEnumState state =
                serializer.deserialize(
                        serializer.getVersion(), serializer.serialize(ledger.snapshot(3)));
        WindowLedger restored = new WindowLedger(plan, state);
        restored.activate("shop", start); // the registry lists it again: known, from its state
        restored.advanceHorizon(NOW + HOUR);
        List<WindowSplit> rest = new ArrayList<>();
        for (WindowSplit w; (w = restored.assignNext(1)) != null; ) rest.add(w);

        // history1 is still with its reader: the rest is the history after it and the new hour
        assertThat(rest)
                .containsExactly(
                        WindowSplit.of("shop", NOW, NOW + HOUR),
                        WindowSplit.of("shop", start + HOUR, start + 2 * HOUR),
                        WindowSplit.of("shop", start + 2 * HOUR, start + 3 * HOUR),
                        WindowSplit.of("shop", start + 3 * HOUR, NOW - 2 * HOUR));
        long checkpoint = 10;
        for (int i = rest.size() - 1; i >= 0; i--) {
            commit(restored, rest.get(i), checkpoint++);
            assertThat(restored.syncPositions())
                    .as("newest first: nothing moves while history1 is unread")
                    .containsEntry("shop", start);
        }
        commit(restored, history1, checkpoint);
        assertThat(restored.syncPositions()).containsEntry("shop", NOW + HOUR);
    }
}
