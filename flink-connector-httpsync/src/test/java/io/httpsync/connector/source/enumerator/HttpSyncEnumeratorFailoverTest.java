package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.api.connector.source.SourceEvent;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.annotation.Nullable;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Plays the whole reader/enumerator protocol under random interleavings: readers finish windows,
 * report them too large or failed, reports are in flight while checkpoints are taken, notifications
 * are skipped, and the job fails over globally to its last completed checkpoint (enumerator and
 * reader states from the same checkpoint, reports in flight lost, un-checkpointed output rolled
 * back).
 *
 * <p>Checks the two promises of the sync position: it never claims a record that is not emitted and
 * covered by a completed checkpoint, and a bounded sync ends with every tenant's position at the
 * end.
 */
class HttpSyncEnumeratorFailoverTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant END = START.plus(Duration.ofHours(6));
    private static final Duration RETRY_DELAY = Duration.ofMinutes(1);
    private static final int READERS = 3;
    private static final int SPLITS_IN_FLIGHT = 2;

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofDays(1)));
    private final SyncPlan plan =
            SyncPlan.builder()
                    .tenants("a", "b")
                    .startTime(START)
                    .endTime(END)
                    .step(Duration.ofHours(1))
                    .minWindowWidth(Duration.ofMinutes(5))
                    .failedWindowRetryDelay(RETRY_DELAY)
                    .clock(clock)
                    .build();
    private final HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();

    private Random random;
    private EnumeratorHarness harness;
    private final List<FakeReader> readers = new ArrayList<>();
    private final Deque<Report> inFlight = new ArrayDeque<>();
    private long nextCheckpointId = 1;
    private final TreeMap<Long, Checkpoint> pendingCheckpoints = new TreeMap<>();
    @Nullable private Checkpoint lastCompleted;

    /** Output not covered by a reader snapshot yet, and output per checkpoint not completed yet. */
    private final List<TimeWindowOutput> uncheckpointedOutput = new ArrayList<>();

    private final TreeMap<Long, List<TimeWindowOutput>> outputPerCheckpoint = new TreeMap<>();

    /** Per tenant, what the sink holds for good: output covered by a completed checkpoint. */
    private final Map<String, TenantProgress> durableOutput = new HashMap<>();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void positionsNeverRunAheadOfDurableOutputAndReachTheEnd(long seed) throws IOException {
        random = new Random(seed);
        for (String tenant : plan.tenants()) {
            durableOutput.put(tenant, new TenantProgress(tenant, plan.startMillis()));
        }
        for (int i = 0; i < READERS; i++) {
            readers.add(new FakeReader(i));
        }
        harness = new EnumeratorHarness(plan, READERS);

        for (int step = 0; step < 600; step++) {
            randomStep();
        }
        drain();

        for (String tenant : plan.tenants()) {
            assertThat(harness.position(tenant))
                    .as("position of %s", tenant)
                    .isEqualTo(plan.endMillis());
            assertThat(durableOutput.get(tenant).syncPositionMillis()).isEqualTo(plan.endMillis());
        }
        HttpSyncEnumState end = harness.enumerator.snapshotState(nextCheckpointId);
        assertThat(end.unassigned()).isEmpty();
        assertThat(end.assigned()).isEmpty();
        assertThat(end.failed()).isEmpty();
    }

    private void randomStep() throws IOException {
        int action = random.nextInt(100);
        FakeReader reader = readers.get(random.nextInt(READERS));
        if (action < 20) {
            reader.requestIfIdle();
        } else if (action < 35) {
            reader.receive();
        } else if (action < 60) {
            reader.workOnOneSplit(true);
        } else if (action < 78) {
            deliverOneReport();
        } else if (action < 88) {
            checkpoint();
        } else if (action < 95) {
            completeLatestCheckpoint(random.nextInt(5) > 0);
        } else if (action < 98) {
            clock.advance(RETRY_DELAY);
            harness.tick();
        } else {
            failOver();
        }
    }

    /** No more failures: everyone works until every reader has been told there is nothing left. */
    private void drain() throws IOException {
        for (int round = 0; round < 10_000; round++) {
            for (FakeReader reader : readers) {
                reader.receive();
                reader.requestIfIdle();
                reader.receive();
                while (reader.hasActiveSplit()) {
                    reader.workOnOneSplit(false);
                }
            }
            while (!inFlight.isEmpty()) {
                deliverOneReport();
            }
            readers.forEach(FakeReader::receive);
            checkpoint();
            completeLatestCheckpoint(true);
            clock.advance(RETRY_DELAY);
            harness.tick();
            if (readers.stream().allMatch(FakeReader::isDone)) {
                return;
            }
        }
        fail("The bounded sync did not end");
    }

    private void deliverOneReport() {
        Report report = inFlight.poll();
        if (report != null) {
            harness.enumerator.handleSourceEvent(report.subtask(), report.event());
        }
    }

    /**
     * The enumerator snapshots first; events it sent before reach the readers before their barrier.
     */
    private void checkpoint() throws IOException {
        long checkpointId = nextCheckpointId++;
        byte[] enumState = serializer.serialize(harness.enumerator.snapshotState(checkpointId));
        readers.forEach(FakeReader::receive);
        List<List<WindowSplit>> readerStates = new ArrayList<>();
        readers.forEach(reader -> readerStates.add(new ArrayList<>(reader.held)));
        outputPerCheckpoint.put(checkpointId, new ArrayList<>(uncheckpointedOutput));
        uncheckpointedOutput.clear();
        pendingCheckpoints.put(checkpointId, new Checkpoint(checkpointId, enumState, readerStates));
    }

    private void completeLatestCheckpoint(boolean notifyEnumerator) {
        if (pendingCheckpoints.isEmpty()) {
            return;
        }
        Checkpoint completed = pendingCheckpoints.lastEntry().getValue();
        pendingCheckpoints.clear(); // older pending ones are subsumed
        lastCompleted = completed;
        Map<Long, List<TimeWindowOutput>> covered =
                outputPerCheckpoint.headMap(completed.id(), true);
        covered.values().forEach(outputs -> outputs.forEach(this::makeDurable));
        covered.clear();
        if (notifyEnumerator) {
            harness.enumerator.notifyCheckpointComplete(completed.id());
        }
        checkPositionsAreDurable();
    }

    private void makeDurable(TimeWindowOutput output) {
        durableOutput.get(output.tenant()).commit(output.startMillis(), output.endMillis());
    }

    private void checkPositionsAreDurable() {
        harness.enumerator
                .syncPositions()
                .forEach(
                        (tenant, position) ->
                                assertThat(position)
                                        .as(
                                                "position of %s must not pass output a restore could lose",
                                                tenant)
                                        .isLessThanOrEqualTo(
                                                durableOutput.get(tenant).syncPositionMillis()));
    }

    /** A global failover: everything goes back to the last completed checkpoint. */
    private void failOver() throws IOException {
        HttpSyncEnumState state =
                lastCompleted == null
                        ? null
                        : serializer.deserialize(
                                serializer.getVersion(), lastCompleted.enumState());
        harness = new EnumeratorHarness(plan, READERS, state);
        inFlight.clear();
        pendingCheckpoints.clear();
        uncheckpointedOutput.clear();
        outputPerCheckpoint.clear();
        for (FakeReader reader : readers) {
            reader.restore(
                    lastCompleted == null
                            ? List.of()
                            : lastCompleted.readerStates().get(reader.subtask));
        }
        checkPositionsAreDurable();
    }

    private record Report(int subtask, SourceEvent event) {}

    private record Checkpoint(long id, byte[] enumState, List<List<WindowSplit>> readerStates) {}

    /** Records of a tenant updated in [start, end) that a reader emitted. */
    private record TimeWindowOutput(String tenant, long startMillis, long endMillis) {}

    /**
     * A reader as the enumerator sees it: what it asks, holds (its checkpointed state) and reports.
     */
    private final class FakeReader {

        final int subtask;
        final List<WindowSplit> held = new ArrayList<>();
        int unansweredRequests;
        boolean noMoreSplits;

        FakeReader(int subtask) {
            this.subtask = subtask;
        }

        boolean hasActiveSplit() {
            return held.stream().anyMatch(split -> !split.isAwaitingAck());
        }

        boolean isDone() {
            return noMoreSplits && held.isEmpty();
        }

        void requestIfIdle() {
            long active = held.stream().filter(split -> !split.isAwaitingAck()).count();
            if (!noMoreSplits && active + unansweredRequests < SPLITS_IN_FLIGHT) {
                unansweredRequests++;
                harness.enumerator.handleSplitRequest(subtask, "host");
            }
        }

        /** Takes the assignments, acks and end signal the enumerator sent since the last look. */
        void receive() {
            for (SourceEvent event : harness.newEvents(subtask)) {
                if (event instanceof WindowsFinishedAckEvent) {
                    List<String> acked = ((WindowsFinishedAckEvent) event).splitIds();
                    held.removeIf(
                            split -> split.isAwaitingAck() && acked.contains(split.splitId()));
                }
            }
            List<WindowSplit> assigned = harness.newAssignments(subtask);
            held.addAll(assigned);
            unansweredRequests = Math.max(0, unansweredRequests - assigned.size());
            if (harness.noMoreSplits(subtask)) {
                noMoreSplits = true;
                unansweredRequests = 0;
            }
        }

        /** Reads one active split to its end: finished, or (if allowed) too large or failed. */
        void workOnOneSplit(boolean mayGoWrong) {
            List<Integer> active = new ArrayList<>();
            for (int i = 0; i < held.size(); i++) {
                if (!held.get(i).isAwaitingAck()) {
                    active.add(i);
                }
            }
            if (active.isEmpty()) {
                return;
            }
            int index = active.get(random.nextInt(active.size()));
            WindowSplit split = held.get(index);
            int roll = mayGoWrong ? random.nextInt(100) : 0;
            WindowSplit reported;
            if (split.isUnsplittable() || roll < 60) {
                emit(split.tenant(), split.startMillis(), split.endMillis());
                reported = split.asFinished();
            } else if (roll < 88) {
                Long coveredFrom =
                        random.nextBoolean()
                                ? null
                                : split.startMillis()
                                        + (long) (random.nextDouble() * split.widthMillis());
                if (coveredFrom != null) {
                    emit(split.tenant(), coveredFrom, split.endMillis());
                }
                reported = split.withOutcome(WindowOutcome.tooLarge(5_000, coveredFrom));
            } else {
                reported = split.withOutcome(WindowOutcome.failed("HTTP 503"));
            }
            held.set(index, reported);
            inFlight.add(new Report(subtask, new WindowsEndedEvent(List.of(reported))));
        }

        private void emit(String tenant, long start, long end) {
            uncheckpointedOutput.add(new TimeWindowOutput(tenant, start, end));
        }

        /** Back to a checkpointed state: report again what awaits an ack, ask for splits anew. */
        void restore(List<WindowSplit> state) {
            held.clear();
            held.addAll(state);
            unansweredRequests = 0;
            noMoreSplits = false;
            List<WindowSplit> reported = held.stream().filter(WindowSplit::isAwaitingAck).toList();
            if (!reported.isEmpty())
                inFlight.add(new Report(subtask, new WindowsEndedEvent(reported)));
        }
    }
}
