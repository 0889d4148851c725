package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ledger with tenants that come and go (a tenant registry): a new tenant is planned from its
 * own start, a deactivated one gets no new windows while its windows in flight still finish and its
 * position is kept, and an activated-again one resumes where it stopped.
 */
class WindowLedgerRegistryTest {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofDays(1)));

    /**
     * A continuous sync of no fixed tenant, planned up to four hours after the start, oldest first
     * (recent spans first are {@code WindowLedgerTurnsTest}'s).
     */
    private WindowLedger ledger() {
        SyncPlan plan =
                SyncPlan.builder()
                        .tenantsFromRegistry(true)
                        .startTime(START)
                        .step(Duration.ofHours(1))
                        .lag(Duration.ZERO)
                        .recentSpan(Duration.ZERO)
                        .clock(clock)
                        .build();
        WindowLedger ledger = new WindowLedger(plan, null);
        ledger.advanceHorizon(T0 + 4 * HOUR);
        return ledger;
    }

    private static void commit(WindowLedger ledger, WindowSplit window, long checkpoint) {
        ledger.finished(window);
        ledger.snapshot(checkpoint);
        ledger.checkpointComplete(checkpoint);
    }

    @Test
    void theSyncPositionsAreBuiltAgainOnlyWhenAPositionOrThePlannedTenantsChange() {
        WindowLedger ledger = ledger();
        ledger.activate("a", T0);
        ledger.activate("b", T0);
        Map<String, Long> before = ledger.syncPositions();
        assertThat(before).isEqualTo(Map.of("a", T0, "b", T0));

        // the enumerator asks at every message of every reader: nothing is built while nothing
        // moved
        WindowSplit window = ledger.assignNext(1);
        ledger.finished(window);
        ledger.snapshot(1);
        assertThat(ledger.syncPositions()).isSameAs(before);

        ledger.checkpointComplete(1);
        Map<String, Long> moved = ledger.syncPositions();
        assertThat(moved).isEqualTo(Map.of("a", T0 + HOUR, "b", T0));
        assertThat(ledger.syncPositions()).isSameAs(moved);
        assertThatThrownBy(() -> moved.put("c", T0))
                .as("what the readers were told cannot be changed behind the ledger's back")
                .isInstanceOf(UnsupportedOperationException.class);

        ledger.deactivate("b");
        assertThat(ledger.syncPositions()).isEqualTo(Map.of("a", T0 + HOUR));
        ledger.activate("c", T0 + HOUR);
        assertThat(ledger.syncPositions()).isEqualTo(Map.of("a", T0 + HOUR, "c", T0 + HOUR));
    }

    @Test
    void aNewTenantIsPlannedFromItsOwnStart() {
        WindowLedger ledger = ledger();
        assertThat(ledger.assignNext(1)).as("no tenant yet").isNull();

        assertThat(ledger.activate("late", T0 + 2 * HOUR + 123)).isNotNull();

        assertThat(ledger.assignNext(1))
                .isEqualTo(WindowSplit.of("late", T0 + 2 * HOUR, T0 + 3 * HOUR));
        assertThat(ledger.syncPositions()).isEqualTo(Map.of("late", T0 + 2 * HOUR));
    }

    @Test
    void aDeactivatedTenantFinishesItsWindowsInFlightGetsNoNewOnesAndResumesFromItsPosition() {
        WindowLedger ledger = ledger();
        ledger.activate("a", T0);
        ledger.activate("b", T0);
        WindowSplit inFlight = ledger.assignNext(4); // a's first hour; the rest waits
        assertThat(inFlight.tenant()).isEqualTo("a");

        assertThat(ledger.deactivate("a")).isTrue();
        List<String> handedOut = new java.util.ArrayList<>();
        for (WindowSplit w; (w = ledger.assignNext(1)) != null; ) handedOut.add(w.tenant());
        ledger.retryDue(Long.MAX_VALUE); // parked windows are not retried while deactivated
        assertThat(ledger.assignNext(1)).isNull();
        assertThat(handedOut).as("only b's windows after a was deactivated").containsOnly("b");

        commit(ledger, inFlight, 1); // the window in flight finishes and counts
        assertThat(ledger.syncPositions())
                .as("a deactivated tenant leaves the positions (the watermark)")
                .containsOnlyKeys("b");
        assertThat(ledger.snapshot(2).tenants())
                .filteredOn(t -> t.tenant().equals("a"))
                .singleElement()
                .extracting(TenantState::syncPositionMillis)
                .as("its position is kept in the state")
                .isEqualTo(T0 + HOUR);

        assertThat(ledger.activate("a", T0)).as("known: no new progress").isNull();
        ledger.retryDue(clock.millis());
        WindowSplit resumed = ledger.assignNext(1);
        assertThat(resumed).isEqualTo(WindowSplit.of("a", T0 + HOUR, T0 + 2 * HOUR));
        assertThat(ledger.syncPositions()).containsEntry("a", T0 + HOUR);
    }
}
