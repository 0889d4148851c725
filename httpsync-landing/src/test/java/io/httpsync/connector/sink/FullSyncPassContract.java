package io.httpsync.connector.sink;

import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.testutil.KuaishouFullPass;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Full passes against the Kuaishou simulator into a real database (one subclass per dialect:
 * PostgreSQL, MariaDB; and PostgreSQL with a Kafka topic), with records updated, created and
 * deleted on the platform between passes and while a pass reads: a completed pass leaves the table
 * equal to the platform with the deleted records marked (its catch-up round finds the records that
 * moved past the main round; a record deleted after the pass read it is marked by the next pass);
 * an interrupted pass marks nothing; the delete-ratio guard refuses a pass that would mark too much
 * and records why. Checked passes (each unseen row asked about in the detail API) under a lease
 * never mark a live record, nor send it a tombstone: not under 50 updates/s, not when passes
 * overlap (the second refuses, naming the holder, or waits); a crashed holder's lease expires and
 * is taken over.
 */
abstract class FullSyncPassContract {
    /** The database under test, started by the subclass. */
    abstract SqlDatabase db();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final String TABLE = "orders";
    private static final String EVENTS = "sync_events";

    private KuaishouSimulatorFixture platform;
    private long start;

    /** More sinks for a checked pass's records (the Kafka subclass adds its topic). */
    void alsoTo(KuaishouFullPass pass) {}

    /**
     * Sends a completed checked pass's tombstones where they go (the Kafka subclass: its topic).
     */
    void sendTombstones(FullSyncPass.Result result) throws Exception {}

    /** The ids that got a tombstone where the subclass sends them, or null if it sends none. */
    @Nullable
    Set<String> tombstonedIds() throws Exception {
        return null;
    }

    @BeforeEach
    void setUp() throws Exception {
        platform = new KuaishouSimulatorFixture(300);
        start = System.currentTimeMillis() - 6 * DAY - 60_000;
        db().execute("DROP TABLE IF EXISTS " + TABLE);
        db().execute("DROP TABLE IF EXISTS " + EVENTS);
        db().execute("DROP TABLE IF EXISTS " + PassLease.DEFAULT_TABLE);
        db().execute(db().dialect().createRecordTable(TABLE));
        db().execute(ExceptionEventJdbcSink.createTable(db().dialect(), EVENTS));
    }

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
        platform.close();
    }

    private final ExecutorService executor = Executors.newCachedThreadPool();

    private PassLease lease() {
        return new PassLease(db().dialect(), TABLE, db()::connect);
    }

    /**
     * A pass whose unseen rows are asked about in the platform's detail API, under {@code lease}.
     */
    private KuaishouFullPass checkedPass(PassLease lease) {
        KuaishouFullPass pass =
                KuaishouFullPass.of(platform, start, db())
                        .lease(lease)
                        .landing(
                                p ->
                                        JdbcRecordSink.builder(db().dialect(), TABLE)
                                                .setPassId(p.id()),
                                new DeletionMarker(db().dialect(), TABLE, 0.2)
                                        .withCheck(platform.detailCheck()),
                                EVENTS);
        alsoTo(pass);
        return pass;
    }

    private FullSyncPass.Result completed(FullSyncPass.Result result) throws Exception {
        assertThat(result.completed())
                .as("pass %s: %s", result.passId(), result.interruption())
                .isTrue();
        assertThat(result.refusals()).as("refusals of pass %s", result.passId()).isEmpty();
        sendTombstones(result);
        return result;
    }

    /**
     * Against the platform's ground truth now (deleted ids never come back): no record the platform
     * holds is marked deleted, nor got a tombstone; every mark is a deleted record; returns the
     * marked ids.
     */
    private Set<String> assertNoLiveRecordMarked(List<FullSyncPass.Result> passes)
            throws Exception {
        GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
        Set<String> live = truth.byId().keySet();
        Set<String> marked = markedDeleted();
        assertThat(marked)
                .as("rows marked deleted whose record the platform holds")
                .doesNotContainAnyElementsOf(live);
        assertThat(marked).as("rows marked deleted").isSubsetOf(truth.deletedIds());
        for (FullSyncPass.Result r : passes) {
            assertThat(r.tombstones(1).stream().map(t -> t.id).toList())
                    .as("tombstones of pass %s", r.passId())
                    .doesNotContainAnyElementsOf(live);
        }
        Set<String> tombstoned = tombstonedIds();
        if (tombstoned != null) {
            assertThat(tombstoned)
                    .as("tombstones for records the platform holds")
                    .doesNotContainAnyElementsOf(live);
            assertThat(tombstoned).as("a tombstone for every marked row").containsAll(marked);
        }
        return marked;
    }

    @Test
    void passesUnderFiftyUpdatesPerSecondNeverMarkALiveRecord() throws Exception {
        FullSyncPass.Result first = completed(checkedPass(lease()).run());
        // 50 updates, 2 inserts and 3 deletes a second from here on; the catch-up round starts 1.5
        // s after the main
        // round ended, as a platform's lag makes it wait: records updated during the main round
        // move again meanwhile
        platform.kuaishou.mutateContinuously(SHOP, new MutationRates(50, 2, 3));
        FullSyncPass.Result second =
                completed(
                        checkedPass(lease())
                                .beforeRound(
                                        (round, from, to) -> {
                                            if (round == 1) sleep(1_500);
                                        })
                                .run());
        FullSyncPass.Result third = completed(checkedPass(lease()).run());
        platform.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);

        Set<String> marked = assertNoLiveRecordMarked(List.of(first, second, third));
        assertThat(marked).as("deleted records marked").isNotEmpty();
        // the listing missed live records that kept moving; unchecked, they would have been marked
        List<String> keptLive = new ArrayList<>(second.outcomes().get(0).keptLive());
        keptLive.addAll(third.outcomes().get(0).keptLive());
        assertThat(keptLive).as("unseen rows the platform still had").isNotEmpty();
    }

    @Test
    void checkedSnapshotPassesUnderFiftyUpdatesPerSecondNeverDropALiveRecord() throws Exception {
        SnapshotTable snapshots =
                new SnapshotTable(db().dialect(), "orders_snap", 0.2)
                        .withCheck(platform.detailCheck());
        db().execute("DROP VIEW IF EXISTS orders_snap_latest");
        db().execute("DROP TABLE IF EXISTS orders_snap_passes");
        db().execute("DROP TABLE IF EXISTS orders_snap");
        try (var c = db().connect()) {
            snapshots.create(c);
        }
        List<FullSyncPass.Result> passes = new ArrayList<>();
        platform.kuaishou.mutateContinuously(SHOP, new MutationRates(50, 2, 3));
        for (int i = 0; i < 3; i++) {
            KuaishouFullPass pass =
                    KuaishouFullPass.of(platform, start, db())
                            .lease(new PassLease(db().dialect(), "orders_snap", db()::connect))
                            .landing(p -> snapshots.sink(p.id()), snapshots, EVENTS)
                            .beforeRound(
                                    (round, from, to) -> {
                                        if (round == 1) sleep(1_500);
                                    });
            alsoTo(pass);
            passes.add(completed(pass.run()));
        }
        platform.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);

        GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
        List<String> dropped = new ArrayList<>();
        List<String> carried = new ArrayList<>();
        passes.forEach(
                r -> {
                    dropped.addAll(r.outcomes().get(0).markedIds());
                    carried.addAll(r.outcomes().get(0).keptLive());
                });
        assertThat(dropped)
                .as("records dropped from the latest snapshot")
                .isNotEmpty()
                .isSubsetOf(truth.deletedIds());
        assertThat(carried).as("live records the rounds missed, carried over").isNotEmpty();
        Set<String> latest =
                new HashSet<>(db().column("orders_snap_latest", "pass_id", SHOP, "1 = 1").keySet());
        assertThat(latest)
                .as("the latest snapshot")
                .containsAll(passes.get(2).outcomes().get(0).keptLive());
        assertNoLiveRecordMarked(passes);
    }

    @Test
    void anOverlappingPassRefusesNamingTheHolderOrWaitsAndNeitherMarksALiveRecord()
            throws Exception {
        platform.kuaishou.mutateContinuously(SHOP, new MutationRates(50, 2, 3));
        CountDownLatch holderInCatchUp = new CountDownLatch(1);
        CountDownLatch othersTried = new CountDownLatch(1);
        Future<FullSyncPass.Result> holder =
                executor.submit(
                        () ->
                                checkedPass(lease())
                                        .beforeRound(
                                                (round, from, to) -> {
                                                    if (round != 1) return;
                                                    holderInCatchUp
                                                            .countDown(); // as a cron pass would
                                                    // find the previous one
                                                    // waiting for its
                                                    // catch-up round
                                                    try {
                                                        othersTried.await();
                                                    } catch (InterruptedException e) {
                                                        throw new IllegalStateException(e);
                                                    }
                                                })
                                        .run());
        assertThat(holderInCatchUp.await(60, TimeUnit.SECONDS)).isTrue();

        FullSyncPass.Result refused = checkedPass(lease()).run();
        Future<FullSyncPass.Result> waiting =
                executor.submit(
                        () -> checkedPass(lease().waitingUpTo(Duration.ofMinutes(1))).run());
        Thread.sleep(1_000); // the waiting pass has asked at least once
        assertThat(waiting.isDone()).as("the waiting pass waits").isFalse();
        othersTried.countDown();
        FullSyncPass.Result first = completed(holder.get(60, TimeUnit.SECONDS));
        FullSyncPass.Result second = completed(waiting.get(60, TimeUnit.SECONDS));
        platform.kuaishou.mutateContinuously(SHOP, MutationRates.NONE);

        assertThat(refused.completed()).isFalse();
        assertThat(refused.rounds()).as("a refused pass reads nothing").isEmpty();
        assertThat(refused.interruption())
                .isInstanceOf(PassLease.HeldElsewhereException.class)
                .hasMessageContaining("tenant " + SHOP)
                .hasMessageContaining("table " + TABLE)
                .hasMessageContaining("leased to full pass " + first.passId());
        assertThat(((PassLease.HeldElsewhereException) refused.interruption()).holder())
                .isEqualTo(first.passId());
        assertThat(second.rounds()).as("the waiting pass ran after the holder").isNotEmpty();
        assertNoLiveRecordMarked(List.of(first, second));
        assertThat(db().single("SELECT count(*) FROM " + PassLease.DEFAULT_TABLE))
                .as("leases released")
                .isZero();
    }

    @Test
    void aCrashedHoldersLeaseExpiresAndTheNextPassTakesItOver() throws Exception {
        PassLease.Held crashed =
                lease().withTtl(Duration.ofMillis(600)).acquire("pass-crashed", List.of(SHOP));
        crashed.abandon(); // no renewal, no release: as if its process had been killed

        FullSyncPass.Result refused = checkedPass(lease()).run();
        assertThat(refused.interruption())
                .isInstanceOf(PassLease.HeldElsewhereException.class)
                .hasMessageContaining("leased to full pass pass-crashed");
        Thread.sleep(700);
        FullSyncPass.Result taken = completed(checkedPass(lease()).run());
        assertThat(taken.rounds()).isNotEmpty();
        assertNoLiveRecordMarked(List.of(taken));
    }

    @Test
    void ofTwoPassesRacingForAFreeLeaseExactlyOneGetsIt() throws Exception {
        for (int race = 0; race < 10; race++) {
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<String>> racers = new ArrayList<>();
            for (String pass : List.of("pass-a" + race, "pass-b" + race)) {
                racers.add(
                        executor.submit(
                                () -> {
                                    // bounded waits: a racer that failed must not leave the other
                                    // waiting for it for ever
                                    start.await(20, TimeUnit.SECONDS);
                                    try (PassLease.Held held =
                                            lease().acquire(pass, List.of(SHOP, "shop-2"))) {
                                        start.await(
                                                20, TimeUnit.SECONDS); // both have tried before the
                                        // winner releases
                                        return pass;
                                    } catch (PassLease.HeldElsewhereException e) {
                                        start.await(20, TimeUnit.SECONDS);
                                        return "refused, held by " + e.holder();
                                    }
                                }));
            }
            String a = racers.get(0).get(30, TimeUnit.SECONDS);
            String b = racers.get(1).get(30, TimeUnit.SECONDS);
            assertThat(List.of(a, b))
                    .as("race %s", race)
                    .containsAnyOf("pass-a" + race, "pass-b" + race)
                    .containsAnyOf(
                            "refused, held by pass-a" + race, "refused, held by pass-b" + race);
            String winner = a.startsWith("refused") ? b : a;
            assertThat(a.startsWith("refused") ? a : b).isEqualTo("refused, held by " + winner);
        }
        assertThat(db().single("SELECT count(*) FROM " + PassLease.DEFAULT_TABLE))
                .as("leases released")
                .isZero();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A full pass: bounded rounds over everything updated since {@code start}, landed with the pass
     * id.
     */
    private KuaishouFullPass pass(double maxDeleteRatio) {
        return KuaishouFullPass.of(platform, start, db())
                .landing(
                        pass -> JdbcRecordSink.builder(db().dialect(), TABLE).setPassId(pass.id()),
                        new DeletionMarker(db().dialect(), TABLE, maxDeleteRatio),
                        EVENTS);
    }

    private FullSyncPass.Result pass(double maxDeleteRatio, ExceptionPolicy policy)
            throws Exception {
        return pass(maxDeleteRatio).policy(policy).run();
    }

    private Map<String, Long> liveRows() throws Exception {
        Map<String, Long> out = new HashMap<>();
        db().column(TABLE, "update_time", SHOP, "deleted_at IS NULL")
                .forEach((id, t) -> out.put(id, Long.parseLong(t)));
        return out;
    }

    private Set<String> markedDeleted() throws Exception {
        return db().column(TABLE, "id", SHOP, "deleted_at IS NOT NULL").keySet();
    }

    @Test
    void aCompletedPassLeavesTheTableEqualToThePlatformWithDeletionsMarked() throws Exception {
        FullSyncPass.Result first = pass(0.2, ExceptionPolicy.FAIL);
        assertThat(first.completed()).as("first pass: %s", first.interruption()).isTrue();
        assertThat(first.outcomes().get(0).markedIds()).isEmpty();
        SinkAssertions.assertEqualsTruth(liveRows(), platform.kuaishou.groundTruth(SHOP));

        platform.change(20, 5, 12);
        FullSyncPass.Result second = pass(0.2, ExceptionPolicy.FAIL);

        GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
        assertThat(truth.deletedIds()).hasSize(12);
        SinkAssertions.assertEqualsTruth(liveRows(), truth);
        assertThat(markedDeleted()).containsExactlyInAnyOrderElementsOf(truth.deletedIds());
        assertThat(second.outcomes().get(0).markedIds())
                .containsExactlyInAnyOrderElementsOf(truth.deletedIds());
        assertThat(second.tombstones(1).stream().map(r -> r.id).collect(Collectors.toSet()))
                .containsExactlyInAnyOrderElementsOf(truth.deletedIds());
    }

    @Test
    void aPassWhileThePlatformChangesCatchesUpWithTheRecordsThatMovedAndMarksOnlyTheDeletedOnes()
            throws Exception {
        FullSyncPass.Result first = pass(0.2, ExceptionPolicy.FAIL);
        assertThat(first.completed()).as("first pass: %s", first.interruption()).isTrue();

        // while the main round reads, every page served updates 3 orders of the window it queried,
        // deletes 1 and creates 1
        platform.kuaishou.mutatePerPage(SHOP, new MutationRates(3, 1, 1));
        Set<String> missedByMainRound = new HashSet<>();
        FullSyncPass.Result second =
                pass(0.2)
                        .splitsInFlight(4) // windows of several pages, for records to move
                        .beforeRound(
                                (round, from, to) -> {
                                    if (round != 1) return;
                                    platform.kuaishou.mutatePerPage(SHOP, MutationRates.NONE);
                                    try {
                                        // live rows the main round did not stamp: they would be
                                        // marked deleted if the pass completed now
                                        missedByMainRound.addAll(
                                                db().column(
                                                                TABLE,
                                                                "id",
                                                                SHOP,
                                                                "deleted_at IS NULL AND pass_id = '"
                                                                        + first.passId()
                                                                        + "'")
                                                        .keySet());
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                    missedByMainRound.removeAll(
                                            platform.kuaishou.groundTruth(SHOP).deletedIds());
                                })
                        .run();

        assertThat(second.completed()).as("second pass: %s", second.interruption()).isTrue();
        assertThat(second.rounds()).hasSize(2);
        assertThat(second.rounds().get(1).fromMillis())
                .isEqualTo(second.rounds().get(0).toMillis());
        assertThat(missedByMainRound)
                .as("records that moved past the main round before it read them")
                .isNotEmpty();

        // a record deleted after the pass read it was seen alive by this pass: the next pass marks
        // it
        GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
        Set<String> readThenDeleted =
                new HashSet<>(
                        db().column(TABLE, "id", SHOP, "pass_id = '" + second.passId() + "'")
                                .keySet());
        readThenDeleted.retainAll(truth.deletedIds());
        Set<String> deletedUnread = new HashSet<>(truth.deletedIds());
        deletedUnread.removeAll(readThenDeleted);
        assertThat(deletedUnread).as("records deleted before the pass read them").isNotEmpty();
        Map<String, Long> live = liveRows();
        live.keySet().removeAll(readThenDeleted);
        SinkAssertions.assertEqualsTruth(live, truth);
        assertThat(markedDeleted()).containsExactlyInAnyOrderElementsOf(deletedUnread);
        assertThat(second.outcomes().get(0).markedIds())
                .containsExactlyInAnyOrderElementsOf(deletedUnread);

        FullSyncPass.Result third = pass(0.2, ExceptionPolicy.FAIL);
        assertThat(third.completed()).as("third pass: %s", third.interruption()).isTrue();
        SinkAssertions.assertEqualsTruth(liveRows(), truth);
        assertThat(markedDeleted()).containsExactlyInAnyOrderElementsOf(truth.deletedIds());
    }

    @Test
    void anInterruptedPassMarksNothing() throws Exception {
        assertThat(pass(0.2, ExceptionPolicy.FAIL).completed()).isTrue();
        platform.change(0, 0, 10);

        platform.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0); // the platform is down
        FullSyncPass.Result interrupted = pass(0.2, ExceptionPolicy.FAIL);
        platform.kuaishou.faults().clear();

        assertThat(interrupted.completed()).isFalse();
        assertThat(interrupted.outcomes()).isEmpty();
        assertThat(markedDeleted()).isEmpty();
    }

    @Test
    void theDeleteRatioGuardRefusesAndRecordsAnEvent() throws Exception {
        assertThat(pass(0.2, ExceptionPolicy.FAIL).completed()).isTrue();
        platform.change(
                0, 0,
                100); // a third of the shop vanished: more likely a platform problem than real
        // deletions

        FullSyncPass.Result refused = pass(0.2, ExceptionPolicy.FAIL);

        assertThat(refused.completed()).isTrue();
        assertThat(refused.refusals()).hasSize(1);
        assertThat(refused.refusals().get(0).message()).contains("100 of 300 rows", "refused");
        assertThat(markedDeleted()).isEmpty();
        assertThat(
                        db().single(
                                        "SELECT count(*) FROM "
                                                + EVENTS
                                                + " WHERE tenant = '"
                                                + SHOP
                                                + "' AND message LIKE '%refused%'"))
                .isEqualTo(1);
    }
}
