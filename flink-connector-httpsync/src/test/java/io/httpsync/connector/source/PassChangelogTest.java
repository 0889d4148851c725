package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.enumerator.PassOptions.ChangelogMode;
import io.httpsync.connector.source.event.PassEvent;
import io.httpsync.connector.source.reader.HttpSyncReaders;
import io.httpsync.connector.source.reader.HttpSyncSourceReader;
import io.httpsync.connector.source.reader.SplitsInFlight;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitSerializer;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.data.TimeField;
import io.httpsync.simulator.fault.Fault;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The keyed operator of {@link PassChangelog} on Flink's test harness: which keys a completed pass
 * deletes, the guards, and the detail check against the simulator's detail API, under the schedule
 * that deletes a live record without it.
 */
class PassChangelogTest {
    private static final int MAX_PARALLELISM = 4;
    private static final long PASS = 1_000;
    private static final long RANGE_START = 0;
    private static final long RANGE_END = 500;
    private static final String TENANT = KuaishouSimulatorFixture.SHOP;

    private static KeyedOneInputStreamOperatorTestHarness<
                    String, Tuple2<String, SyncElement<String>>, String>
            harness(FullPasses passes) throws Exception {
        PassChangelog.ChangelogOperator.Factory<String> operator =
                new PassChangelog.ChangelogOperator.Factory<>(
                        Types.STRING,
                        passes,
                        PassChangelog.Keys.of(r -> TENANT, r -> r),
                        (last, passStart, soft) -> (soft ? "soft:" : "del:") + last);
        KeyedOneInputStreamOperatorTestHarness<String, Tuple2<String, SyncElement<String>>, String>
                h =
                        new KeyedOneInputStreamOperatorTestHarness<>(
                                operator, t -> t.f0, Types.STRING, MAX_PARALLELISM, 1, 0);
        h.setup();
        CoordinatedSubtasks.alone(h, passes);
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
                        Tuple2.of(PassChangelog.recordKey(TENANT, id), SyncElement.record(id)),
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
        marker(h, kind, copies, RANGE_END);
    }

    private static void marker(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            PassMarker.Kind kind,
            int copies,
            long rangeEnd)
            throws Exception {
        PassMarker marker = new PassMarker(kind, TENANT, PASS, RANGE_START, rangeEnd, 0, 1);
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

    /** A reader of the shop that pages nothing here: it only takes and emits markers. */
    private static HttpSyncSourceReader<RawRecord> reader() {
        EndpointSpec endpoint =
                EndpointSpec.fromOptions(EndpointPresets.kuaishouOrders("http://localhost:1"));
        return HttpSyncReaders.create(
                endpoint,
                HierarchicalRateLimiter.evenShare(endpoint.rateLimits(), 1),
                List.of(Tenant.of(TENANT)),
                RecordDeserializer.raw(),
                ExceptionPolicy.RECORD_AND_RETRY,
                SplitsInFlight.fixed(1),
                false,
                50,
                0L,
                new TestingReaderContext());
    }

    @Test
    void aCompletionAReaderHadReceivedButNotEmittedAtACheckpointIsEmittedAfterTheRestoreAndDeletes()
            throws Exception {
        OperatorSubtaskState changelog;
        List<byte[]> readerState = new ArrayList<>();
        try (var h = harness(deletes());
                var reader = reader()) {
            h.open();
            reader.start();
            threeRecordsAndAPassThatListsA(h, "c");
            // the enumerator completed the pass and sent the marker before its checkpoint; the
            // reader's snapshot comes before its next poll would have emitted it
            reader.handleSourceEvents(
                    new PassEvent(
                            new PassMarker(
                                    PassMarker.Kind.COMPLETED,
                                    TENANT,
                                    PASS,
                                    RANGE_START,
                                    RANGE_END,
                                    -1,
                                    0)));
            for (WindowSplit split : reader.snapshotState(1))
                readerState.add(WindowSplitSerializer.INSTANCE.serialize(split));
            changelog = h.snapshot(1, 1);
        }
        try (var h = harness(deletes());
                var reader = reader()) {
            h.initializeState(changelog);
            h.open();
            List<WindowSplit> restored = new ArrayList<>();
            for (byte[] bytes : readerState)
                restored.add(
                        WindowSplitSerializer.INSTANCE.deserialize(
                                WindowSplitSerializer.CURRENT_VERSION, bytes));
            reader.addSplits(restored);
            reader.start();
            TestingReaderOutput<SyncElement<RawRecord>> output = new TestingReaderOutput<>();
            reader.pollNext(output);

            List<PassMarker> emitted =
                    output.getEmittedRecords().stream()
                            .filter(SyncElement::isMarker)
                            .map(SyncElement::marker)
                            .toList();
            assertThat(emitted)
                    .extracting(PassMarker::kind, PassMarker::reader, PassMarker::readers)
                    .containsExactly(tuple(PassMarker.Kind.COMPLETED, 0, 1));
            for (String key : PassChangelog.KeyedCopies.groupKeys(MAX_PARALLELISM))
                h.processElement(
                        new StreamRecord<>(Tuple2.of(key, SyncElement.marker(emitted.get(0)))));
            assertThat(h.extractOutputValues()).isEqualTo(List.of("del:b"));
        }
    }

    // ---------------------------------------------------------------- the detail check

    /**
     * The race the check settles, played against the simulated shop: every order known, a pass
     * starts; order x is updated before the listing reaches it (so the listing misses it: its new
     * version lies after the pass's range) and order y is deleted; the pass lists every other
     * order; x is updated again after the listing ended, so the running sync, when it reads the
     * window of x's first update, finds nothing there; the pass completes with x and y unseen.
     * Returns the changelog, x's id and y's id; x's newest version arrives after the completion.
     */
    private static Race race(
            Function<KuaishouSimulatorFixture, FullPasses> passes, boolean answerChecks)
            throws Exception {
        try (KuaishouSimulatorFixture shop = new KuaishouSimulatorFixture(12);
                var h = harness(passes.apply(shop))) {
            h.open();
            TenantData data = shop.kuaishou.tenant(KuaishouSimulatorFixture.SHOP);
            List<SimRecord> orders =
                    data.query(TimeField.UPDATE, 0, Long.MAX_VALUE, false).stream().toList();
            for (SimRecord o : orders) record(h, Long.toString(o.id()), o.updateTime());
            long rangeEnd = shop.sim.clock().now();
            String x = Long.toString(orders.get(orders.size() - 1).id());
            String y = Long.toString(orders.get(0).id());

            marker(h, PassMarker.Kind.STARTED, 1, rangeEnd);
            data.update(Long.parseLong(x)); // before the listing reaches it
            data.delete(Long.parseLong(y));
            for (SimRecord o : data.query(TimeField.UPDATE, 0, rangeEnd, false))
                record(h, Long.toString(o.id()), o.updateTime()); // the pass's listing
            SimRecord newest = data.update(Long.parseLong(x)); // after the listing ended
            marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM, rangeEnd);
            if (answerChecks) awaitAnswers(h);
            List<String> beforeNewest = List.copyOf(h.extractOutputValues());
            record(h, x, newest.updateTime()); // the running sync reads x's newest version
            Map<String, Boolean> live = new TreeMap<>();
            for (String change : h.extractOutputValues())
                live.put(change.replace("del:", ""), !change.startsWith("del:"));
            live.values().removeIf(l -> !l);
            Set<String> truth = new TreeSet<>(shop.truthIds(0, Long.MAX_VALUE));
            return new Race(
                    beforeNewest,
                    x,
                    y,
                    live.keySet(),
                    truth,
                    h.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS));
        }
    }

    private record Race(
            List<String> changesAtCompletion,
            String x,
            String y,
            Set<String> sinkIds,
            Set<String> truthIds,
            @Nullable Collection<StreamRecord<ExceptionEvent>> events) {}

    /** Runs the mails of the check's answers until every unseen key is answered. */
    private static void awaitAnswers(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h)
            throws Exception {
        PassChangelog.ChangelogOperator<?> operator =
                (PassChangelog.ChangelogOperator<?>) h.getOperator();
        long deadline = System.currentTimeMillis() + 20_000;
        while (operator.checksPending() > 0 && System.currentTimeMillis() < deadline) {
            Optional<Mail> mail = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
            if (mail.isPresent()) mail.get().run();
            else Thread.sleep(5);
        }
        assertThat(operator.checksPending()).as("unanswered checks").isZero();
    }

    @Test
    void withoutACheckALiveRecordUpdatedTwiceAroundThePassListingIsDeletedAndComesBackLater()
            throws Exception {
        Race race = race(shop -> deletes(), false);

        assertThat(race.changesAtCompletion())
                .as("the documented limit: the live order x is deleted at the completion")
                .contains("del:" + race.x(), "del:" + race.y());
        assertThat(race.sinkIds()).isEqualTo(race.truthIds());
    }

    @Test
    void withTheDetailCheckALiveRecordUpdatedTwiceAroundThePassListingIsNeverDeleted()
            throws Exception {
        Race race = race(shop -> deletes().withCheck(shop.detailCheck()), true);

        assertThat(race.changesAtCompletion())
                .as("the deleted order y is deleted, the live order x is not")
                .contains("del:" + race.y())
                .doesNotContain("del:" + race.x());
        assertThat(race.sinkIds()).isEqualTo(race.truthIds());
        assertThat(race.events()).isNullOrEmpty();
    }

    @Test
    void anUnclearAnswerDeletesNothingAndIsReportedAsAnExceptionEvent() throws Exception {
        // the detail API answers every request with a server error: no answer is clear
        Race race =
                race(
                        shop -> {
                            shop.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0);
                            return deletes().withCheck(shop.detailCheck());
                        },
                        true);

        assertThat(race.changesAtCompletion()).noneMatch(c -> c.startsWith("del:"));
        assertThat(race.events())
                .isNotEmpty()
                .allSatisfy(
                        e ->
                                assertThat(e.getValue().message())
                                        .contains("did not say whether record")
                                        .contains("not deleted"));
    }

    @Test
    void recordsAskedAboutAtACheckpointAreAskedAgainAfterTheRestoreAndTheDeletedOnesDeleted()
            throws Exception {
        try (KuaishouSimulatorFixture shop = new KuaishouSimulatorFixture(6)) {
            FullPasses passes = deletes().withCheck(shop.detailCheck());
            TenantData data = shop.kuaishou.tenant(KuaishouSimulatorFixture.SHOP);
            List<SimRecord> orders = data.query(TimeField.UPDATE, 0, Long.MAX_VALUE, false);
            long rangeEnd = shop.sim.clock().now();
            String y = Long.toString(orders.get(0).id());
            OperatorSubtaskState snapshot;
            try (var h = harness(passes)) {
                h.open();
                for (SimRecord o : orders) record(h, Long.toString(o.id()), o.updateTime());
                marker(h, PassMarker.Kind.STARTED, 1, rangeEnd);
                data.delete(Long.parseLong(y));
                for (SimRecord o : data.query(TimeField.UPDATE, 0, rangeEnd, false))
                    record(h, Long.toString(o.id()), o.updateTime());
                marker(h, PassMarker.Kind.COMPLETED, MAX_PARALLELISM, rangeEnd);
                // the failure comes before any answer is taken in
                snapshot = h.snapshot(1, 1);
            }
            try (var h = harness(passes)) {
                h.initializeState(snapshot);
                h.open();
                awaitAnswers(h);

                assertThat(h.extractOutputValues()).containsExactly("del:" + y);
            }
        }
    }
}
