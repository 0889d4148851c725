package io.httpsync.connector.source;

import io.httpsync.connector.source.enumerator.PassOptions.ChangelogMode;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keyed operator of {@link PassChangelog} on Flink's test harness: which keys a completed pass
 * deletes, and the guards.
 */
class PassChangelogTest {
    private static final int MAX_PARALLELISM = 4;
    private static final long PASS = 1_000;
    private static final long RANGE_START = 0;
    private static final long RANGE_END = 500;

    private static KeyedOneInputStreamOperatorTestHarness<
                    String, Tuple2<String, SyncElement<String>>, String>
            harness(FullPasses passes) throws Exception {
        PassChangelog.ChangelogOperator<String> operator =
                new PassChangelog.ChangelogOperator<>(
                        Types.STRING,
                        passes,
                        (last, passStart, soft) -> (soft ? "soft:" : "del:") + last);
        KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, SyncElement<String>>, String>
                h =
                        new KeyedOneInputStreamOperatorTestHarness<>(
                                operator, t -> t.f0, Types.STRING, MAX_PARALLELISM, 1, 0);
        h.setup();
        return h;
    }

    private static FullPasses deletes() {
        return FullPasses.every(Duration.ofMinutes(1)).maxDeleteRatio(0.5);
    }

    private static void record(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            String id,
            long updated)
            throws Exception {
        h.processElement(
                new StreamRecord<>(
                        Tuple2.of(PassChangelog.recordKey("t", id), SyncElement.record(id)),
                        updated));
    }

    /** Every copy of a marker, as {@link PassChangelog.KeyedCopies} makes them (one reader). */
    private static void marker(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            PassMarker.Kind kind,
            int copies)
            throws Exception {
        PassMarker marker = new PassMarker(kind, "t", PASS, RANGE_START, RANGE_END, 0, 1);
        String[] keys = PassChangelog.KeyedCopies.groupKeys(MAX_PARALLELISM);
        for (int i = 0; i < copies; i++)
            h.processElement(new StreamRecord<>(Tuple2.of(keys[i], SyncElement.marker(marker))));
    }

    /** Records a, b and c, then a pass starts and lists a (and {@code alsoSeen}) again. */
    private static void threeRecordsAndAPassThatListsA(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            String... alsoSeen)
            throws Exception {
        record(h, "a", 10);
        record(h, "b", 20);
        record(h, "c", 30);
        marker(h, PassMarker.Kind.STARTED, 1);
        record(h, "a", 10);
        for (String id : alsoSeen) record(h, id, 30);
    }

    @Test
    void aKeyOfTheRangeThatTheCompletedPassDidNotSeeIsDeletedAndTheOthersAreNot() throws Exception {
        try (var h = harness(deletes())) {
            h.open();
            record(h, "a", 10);
            record(h, "b", 20);
            record(h, "c", 30);
            record(h, "late", 600); // updated after the pass's range: not judged
            marker(h, PassMarker.Kind.STARTED, 1);
            record(h, "a", 10); // listed again by the pass: seen, not emitted again
            record(h, "c", 40); // updated: seen and emitted
            marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM);

            assertThat(h.extractOutputValues())
                    .containsExactly("a", "b", "c", "late", "c", "del:b");
        }
    }

    @Test
    void aPassDeletesNothingUntilEveryCopyOfItsCompletionArrived() throws Exception {
        try (var h = harness(deletes())) {
            h.open();
            threeRecordsAndAPassThatListsA(h, "c");
            marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM - 1);
            assertThat(h.extractOutputValues()).containsExactly("a", "b", "c");

            marker(h, PassMarker.Kind.COMPLETED, 1);
            assertThat(h.extractOutputValues()).containsExactly("a", "b", "c", "del:b");
        }
    }

    @Test
    void anAbandonedPassDeletesNothing() throws Exception {
        try (var h = harness(deletes())) {
            h.open();
            threeRecordsAndAPassThatListsA(h);
            marker(h, PassMarker.Kind.ABANDONED, MAX_PARALLELISM);

            assertThat(h.extractOutputValues()).containsExactly("a", "b", "c");
        }
    }

    @Test
    void aPassThatWouldDeleteMoreThanTheRatioDeletesNothingAndEmitsAnExceptionEvent()
            throws Exception {
        try (var h = harness(deletes())) {
            h.open();
            threeRecordsAndAPassThatListsA(h);
            marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM);

            assertThat(h.extractOutputValues()).containsExactly("a", "b", "c");
            assertThat(h.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS))
                    .singleElement()
                    .satisfies(
                            e ->
                                    assertThat(e.getValue().message())
                                            .contains("would delete 2 of its 3 records")
                                            .contains("refused, nothing deleted"));
        }
    }

    @Test
    void softDeleteEmitsTheLastVersionMarkedDeletedOnceAndTheRecordComesBackWhenReadAgain()
            throws Exception {
        try (var h = harness(deletes().mode(ChangelogMode.SOFT_DELETE))) {
            h.open();
            threeRecordsAndAPassThatListsA(h, "c");
            marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM);
            record(h, "b", 20); // the platform lists it again

            assertThat(h.extractOutputValues()).containsExactly("a", "b", "c", "soft:b", "b");
        }
    }

    @Test
    void aPassStartedBeforeACheckpointCompletesAfterTheRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(deletes())) {
            h.open();
            threeRecordsAndAPassThatListsA(h, "c");
            marker(h, PassMarker.Kind.COMPLETED, 1);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(deletes())) {
            h.initializeState(snapshot);
            h.open();
            marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM - 1);

            assertThat(h.extractOutputValues()).isEqualTo(List.of("del:b"));
        }
    }
}
