package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.PassMarker;
import io.httpsync.connector.source.event.PassEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.api.connector.source.SourceEvent;

import org.junit.jupiter.api.Test;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The full passes in the enumerator's checkpoint ({@link PassScheduler}): a restored enumerator
 * starts the next pass when the checkpoint said it was due, continues a pass of which a reader had
 * reported a window (its windows still with the restored reader included) to its completion, and
 * abandons one of which none was reported, starting the next one at once.
 */
class PassSchedulerRestoreTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long MINUTE = Duration.ofMinutes(1).toMillis();
    private static final PassPlan PASSES = new PassPlan(Duration.ofMinutes(5), null, null);

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofMinutes(35)));
    private final SyncPlan plan =
            SyncPlan.builder()
                    .tenants("a")
                    .startTime(START)
                    .step(Duration.ofMinutes(10))
                    .lag(Duration.ofMinutes(2))
                    .discoveryInterval(Duration.ofMinutes(1))
                    .clock(clock)
                    .build();
    private final HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
    private final List<SourceEvent> events = new ArrayList<>();
    private long checkpointId;

    @Test
    void theNextPassIsDueWhenTheCheckpointSaidNotAnIntervalAfterTheRestore() throws IOException {
        EnumeratorHarness h = EnumeratorHarness.withPasses(plan, 1, null, PASSES);
        finishAll(h, round(h)); // the running sync reads up to now - lag
        HttpSyncEnumState state = checkpoint(h);
        assertThat(state.passes()).containsExactly(new PassState("a", T0 + 40 * MINUTE, null));

        clock.advance(Duration.ofMinutes(3));
        EnumeratorHarness restored = restore(state);
        clock.advance(Duration.ofMinutes(2)); // due, 2 minutes after the restore
        finishAll(restored, round(restored));

        assertThat(markers(restored, PassMarker.Kind.STARTED))
                .singleElement()
                .satisfies(m -> assertThat(m.passStartMillis()).isEqualTo(T0 + 40 * MINUTE));
    }

    @Test
    void aPassOfWhichAWindowWasReportedContinuesAfterTheRestoreAndCompletes() throws IOException {
        EnumeratorHarness h = EnumeratorHarness.withPasses(plan, 1, null, PASSES);
        finishAll(h, round(h));
        checkpoint(h); // the sync position moves: a pass lists up to it
        clock.advance(Duration.ofMinutes(5)); // the pass is due
        List<WindowSplit> assigned = round(h);
        PassMarker started = single(markers(h, PassMarker.Kind.STARTED));
        List<WindowSplit> pass = passWindows(assigned, started);
        assertThat(pass).hasSizeGreaterThan(1);
        finishAll(h, assigned.stream().filter(w -> !pass.contains(w)).toList());
        h.finish(0, pass.get(0)); // one reported; the rest still with the reader at the checkpoint
        HttpSyncEnumState state = checkpoint(h);
        assertThat(single(state.passes()).running())
                .satisfies(
                        running -> {
                            assertThat(running.reported()).isTrue();
                            assertThat(running.windows().assigned())
                                    .containsExactlyElementsOf(pass.subList(1, pass.size()));
                        });

        EnumeratorHarness restored = restore(state);
        restored.poll(0);
        events.clear();
        events.addAll(restored.newEvents(0));
        // the restored reader reads the windows it still holds, and reports them
        restored.finish(0, pass.subList(1, pass.size()).toArray(WindowSplit[]::new));
        assertThat(restored.newEvents(0))
                .anySatisfy(
                        e ->
                                assertThat(((WindowsFinishedAckEvent) e).splitIds())
                                        .hasSize(pass.size() - 1));
        restored.tick(); // the pass has listed everything now
        // the running sync reads past that moment
        clock.advance(Duration.ofMinutes(5));
        finishAll(restored, round(restored));
        checkpoint(restored);
        finishAll(restored, round(restored));

        assertThat(markers(restored, PassMarker.Kind.ABANDONED)).isEmpty();
        assertThat(markers(restored, PassMarker.Kind.STARTED)).isEmpty();
        assertThat(single(markers(restored, PassMarker.Kind.COMPLETED)))
                .isEqualTo(sameAs(started, PassMarker.Kind.COMPLETED))
                .extracting(PassMarker::rangeEndMillis)
                .isEqualTo(T0 + 33 * MINUTE);
    }

    @Test
    void aPassOfWhichNoWindowWasReportedIsAbandonedAtTheRestoreAndTheNextStartsAtOnce()
            throws IOException {
        EnumeratorHarness h = EnumeratorHarness.withPasses(plan, 1, null, PASSES);
        finishAll(h, round(h));
        checkpoint(h); // the sync position moves: a pass lists up to it
        clock.advance(Duration.ofMinutes(5));
        List<WindowSplit> assigned = round(h);
        PassMarker started = single(markers(h, PassMarker.Kind.STARTED));
        List<WindowSplit> pass = passWindows(assigned, started);
        finishAll(h, assigned.stream().filter(w -> !pass.contains(w)).toList());
        HttpSyncEnumState state = checkpoint(h); // no window of the pass reported yet
        assertThat(single(state.passes()).running().reported()).isFalse();

        EnumeratorHarness restored = restore(state);
        restored.poll(0);
        events.addAll(restored.newEvents(0));
        assertThat(single(markers(restored, PassMarker.Kind.ABANDONED)))
                .isEqualTo(sameAs(started, PassMarker.Kind.ABANDONED));
        // a window of it the restored reader still read is acknowledged and changes nothing
        restored.finish(0, pass.get(0));
        assertThat(restored.newEvents(0))
                .contains(new WindowsFinishedAckEvent(List.of(pass.get(0).splitId())));

        clock.advance(Duration.ofMillis(1));
        finishAll(restored, round(restored)); // no interval later: due at once
        assertThat(markers(restored, PassMarker.Kind.STARTED))
                .singleElement()
                .satisfies(
                        m ->
                                assertThat(m.passStartMillis())
                                        .isGreaterThan(started.passStartMillis()));
    }

    /** The reader asks for windows, a tick runs and the reader polls; what it was assigned. */
    private List<WindowSplit> round(EnumeratorHarness h) {
        h.request(0, 10);
        h.tick();
        events.addAll(h.newEvents(0));
        return h.newAssignments(0);
    }

    private void finishAll(EnumeratorHarness h, List<WindowSplit> windows) {
        if (!windows.isEmpty()) h.finish(0, windows.toArray(WindowSplit[]::new));
        events.addAll(h.newEvents(0));
    }

    private HttpSyncEnumState checkpoint(EnumeratorHarness h) throws IOException {
        HttpSyncEnumState state = h.checkpoint(++checkpointId);
        HttpSyncEnumState read =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
        assertThat(read).isEqualTo(state);
        return read;
    }

    private EnumeratorHarness restore(HttpSyncEnumState state) {
        events.clear();
        return EnumeratorHarness.withPasses(plan, 1, state, PASSES);
    }

    /** The markers the reader heard (since the last restore), as the enumerator sent them. */
    private List<PassMarker> markers(@Nullable EnumeratorHarness h, PassMarker.Kind kind) {
        if (h != null) events.addAll(h.newEvents(0));
        return events.stream()
                .filter(e -> e instanceof PassEvent)
                .map(e -> ((PassEvent) e).marker())
                .filter(m -> m.kind() == kind)
                .toList();
    }

    /** The windows of the pass among those assigned since it started: those in its range. */
    private static List<WindowSplit> passWindows(List<WindowSplit> assigned, PassMarker pass) {
        return assigned.stream().filter(w -> w.endMillis() <= pass.rangeEndMillis()).toList();
    }

    private static PassMarker sameAs(PassMarker pass, PassMarker.Kind kind) {
        return new PassMarker(
                kind,
                pass.tenant(),
                pass.passStartMillis(),
                pass.rangeStartMillis(),
                pass.rangeEndMillis(),
                pass.reader(),
                pass.readers());
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }
}
