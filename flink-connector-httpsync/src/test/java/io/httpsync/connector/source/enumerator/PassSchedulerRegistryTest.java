package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.PassMarker;
import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Full passes of tenants that come and go ({@link PassScheduler} with a tenant registry): passes
 * follow the tenants the ledger plans (the sync positions), a tenant no longer planned has its
 * running pass abandoned and gets no new one until planned again, and a restored schedule is
 * neither lost nor doubled while the registry is read again.
 */
class PassSchedulerRegistryTest {
    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long MINUTE = Duration.ofMinutes(1).toMillis();
    private static final PassPlan PASSES = new PassPlan(Duration.ofMinutes(5), null, null);

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofMinutes(35)));
    private final SyncPlan plan =
            SyncPlan.builder()
                    .tenantsFromRegistry(true)
                    .startTime(START)
                    .step(Duration.ofMinutes(10))
                    .lag(Duration.ofMinutes(2))
                    .discoveryInterval(Duration.ofMinutes(1))
                    .clock(clock)
                    .build();
    private final List<PassMarker> heard = new ArrayList<>();

    @Test
    void aTenantTheRegistryPlansGetsItsFirstPassAnIntervalLaterAndItCompletes() {
        PassScheduler passes = new PassScheduler(plan, PASSES, now(), List.of(), 1, true);
        tick(passes, Map.of());
        tick(passes, Map.of("r", T0 + 33 * MINUTE)); // activated by the registry
        assertThat(heard).isEmpty();
        assertThat(passes.snapshot(1))
                .containsExactly(new PassState("r", now() + 5 * MINUTE, null));

        clock.advance(Duration.ofMinutes(5));
        tick(passes, Map.of("r", T0 + 38 * MINUTE));
        PassMarker started = single(PassMarker.Kind.STARTED);
        assertThat(started.tenant()).isEqualTo("r");

        finish(passes, assignAll(passes, Set.of("r")));
        tick(passes, Map.of("r", T0 + 38 * MINUTE)); // listed: completes at the sync position
        clock.advance(Duration.ofMinutes(1));
        tick(passes, Map.of("r", now()));
        assertThat(single(PassMarker.Kind.COMPLETED).passStartMillis())
                .isEqualTo(started.passStartMillis());
    }

    @Test
    void aTenantNoLongerPlannedHasItsPassAbandonedAndGetsNoNewOneUntilPlannedAgain() {
        PassScheduler passes = new PassScheduler(plan, PASSES, now(), List.of(), 1, true);
        tick(passes, Map.of("r", T0 + 33 * MINUTE));
        clock.advance(Duration.ofMinutes(5));
        tick(passes, Map.of("r", T0 + 38 * MINUTE));
        single(PassMarker.Kind.STARTED);
        WindowSplit withReader = passes.assignNext(1, Set.of("r"));
        assertThat(withReader).isNotNull();

        tick(passes, Map.of()); // disabled in the registry (or revoked)
        assertThat(passes.assignNext(10, Set.of("r")))
                .as("no more windows of an abandoned pass")
                .isNull();
        assertThat(heard).hasSize(1);
        finish(passes, List.of(withReader)); // the window with a reader is read to its end
        tick(passes, Map.of());
        assertThat(single(PassMarker.Kind.ABANDONED).tenant()).isEqualTo("r");

        clock.advance(Duration.ofMinutes(30));
        tick(passes, Map.of());
        assertThat(heard).as("no pass while the tenant is disabled").hasSize(2);
        assertThat(kinds(PassMarker.Kind.COMPLETED)).isEmpty();

        tick(passes, Map.of("r", T0 + 38 * MINUTE)); // enabled again: it was due long ago
        assertThat(kinds(PassMarker.Kind.STARTED)).hasSize(2);
    }

    @Test
    void aPlannedTenantsPassIsHandedOutOnlyWhileItIsPlanned() {
        PassScheduler passes = new PassScheduler(plan, PASSES, now(), List.of(), 1, true);
        tick(passes, Map.of("r", T0 + 33 * MINUTE));
        clock.advance(Duration.ofMinutes(5));
        tick(passes, Map.of("r", T0 + 38 * MINUTE));
        assertThat(passes.assignNext(1, Set.of())).isNull();
        assertThat(passes.assignNext(1, Set.of("r"))).isNotNull();
    }

    @Test
    void aRestoredScheduleIsKeptWhileTheRegistryIsReadAgainNeitherLostNorDoubled() {
        PassScheduler passes = new PassScheduler(plan, PASSES, now(), List.of(), 1, true);
        tick(passes, Map.of("r", T0 + 33 * MINUTE));
        clock.advance(Duration.ofMinutes(5));
        tick(passes, Map.of("r", T0 + 38 * MINUTE, "s", T0 + 38 * MINUTE)); // s: due in 5 min
        tick(passes, Map.of("r", T0 + 38 * MINUTE)); // s is disabled before its pass is due
        PassMarker started = single(PassMarker.Kind.STARTED);
        List<WindowSplit> pass = assignAll(passes, Set.of("r"));
        assertThat(pass).hasSizeGreaterThan(1);
        finish(passes, pass.subList(0, 1)); // reported: the pass continues after a restore
        List<PassState> state = passes.snapshot(1);
        assertThat(state).extracting(PassState::tenant).containsExactly("r", "s");

        heard.clear();
        PassScheduler restored = new PassScheduler(plan, PASSES, now(), state, 1, true);
        tickBeforeTheRegistryIsRead(restored);
        assertThat(heard).isEmpty();
        assertThat(restored.snapshot(2)).extracting(PassState::tenant).containsExactly("r", "s");

        tick(restored, Map.of("r", T0 + 38 * MINUTE, "s", T0 + 38 * MINUTE));
        assertThat(heard).as("s is due at its restored time, which has not come").isEmpty();
        finish(restored, pass.subList(1, pass.size())); // the restored reader reads the rest
        tick(restored, Map.of("r", T0 + 38 * MINUTE, "s", T0 + 38 * MINUTE));
        clock.advance(Duration.ofMinutes(1));
        tick(restored, Map.of("r", now(), "s", now()));
        assertThat(single(PassMarker.Kind.COMPLETED).passStartMillis())
                .isEqualTo(started.passStartMillis());
        assertThat(kinds(PassMarker.Kind.STARTED)).isEmpty();

        clock.advance(Duration.ofMinutes(4)); // 5 minutes after s was first planned
        tick(restored, Map.of("r", now(), "s", now()));
        tick(restored, Map.of("r", now(), "s", now()));
        assertThat(kinds(PassMarker.Kind.STARTED))
                .singleElement()
                .satisfies(m -> assertThat(m.tenant()).isEqualTo("s"));
    }

    @Test
    void aRestoredPassOfATenantTheRegistryNoLongerListsIsAbandonedOnceItWasRead() {
        PassScheduler passes = new PassScheduler(plan, PASSES, now(), List.of(), 1, true);
        tick(passes, Map.of("r", T0 + 33 * MINUTE));
        clock.advance(Duration.ofMinutes(5));
        tick(passes, Map.of("r", T0 + 38 * MINUTE));
        List<WindowSplit> pass = assignAll(passes, Set.of("r"));
        finish(passes, pass);
        List<PassState> state = passes.snapshot(1);

        heard.clear();
        PassScheduler restored = new PassScheduler(plan, PASSES, now(), state, 1, true);
        tickBeforeTheRegistryIsRead(restored);
        assertThat(heard).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        tick(restored, Map.of()); // read: r is disabled
        assertThat(single(PassMarker.Kind.ABANDONED).tenant()).isEqualTo("r");
        assertThat(kinds(PassMarker.Kind.COMPLETED)).isEmpty();
    }

    private long now() {
        return clock.millis();
    }

    /** A tick with the tenants planned now, the registry read. */
    private void tick(PassScheduler passes, Map<String, Long> positions) {
        passes.tick(now(), positions, 1, true);
        heard.addAll(passes.takeMarkers(0));
    }

    /** A tick after a restore, before the registry was read again: no tenant planned yet. */
    private void tickBeforeTheRegistryIsRead(PassScheduler passes) {
        passes.tick(now(), Map.of(), 1, false);
        heard.addAll(passes.takeMarkers(0));
    }

    private static List<WindowSplit> assignAll(PassScheduler passes, Set<String> planned) {
        List<WindowSplit> assigned = new ArrayList<>();
        for (WindowSplit w = passes.assignNext(100, planned);
                w != null;
                w = passes.assignNext(100, planned)) assigned.add(w);
        return assigned;
    }

    private static void finish(PassScheduler passes, List<WindowSplit> windows) {
        windows.forEach(w -> assertThat(passes.ended(w.asFinished())).isTrue());
    }

    private List<PassMarker> kinds(PassMarker.Kind kind) {
        return heard.stream().filter(m -> m.kind() == kind).toList();
    }

    private PassMarker single(PassMarker.Kind kind) {
        List<PassMarker> markers = kinds(kind);
        assertThat(markers).hasSize(1);
        return markers.get(0);
    }
}
