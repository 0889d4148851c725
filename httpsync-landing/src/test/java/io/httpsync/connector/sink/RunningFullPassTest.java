package io.httpsync.connector.sink;

import io.httpsync.connector.domain.CandidateCheck;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.TenantPosition;
import io.httpsync.connector.testutil.PostgresExtension;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.annotation.Nullable;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The per-tenant completion of a full pass inside a running job, on a real PostgreSQL: nothing
 * happens before the tenant has caught up; then tombstones first, and the marks only once a
 * checkpoint holding them has completed; a failover on either side of that checkpoint loses
 * neither; a record read in between stays live; the guard refuses per tenant; the state's version-1
 * form stays readable.
 */
class RunningFullPassTest {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final String TABLE = "running_pass";
    private static final String PASS = "pass-2";

    /**
     * The pass reads [0, 100); the catch-up position lies after any wall-clock time the test can
     * note.
     */
    private static final long END = 100;

    private static final long CAUGHT_UP = Long.MAX_VALUE / 2;

    @BeforeEach
    void setUp() throws Exception {
        POSTGRES.execute("DROP TABLE IF EXISTS " + TABLE);
        POSTGRES.execute(SqlDialect.POSTGRES.createRecordTable(TABLE));
        // s1: the pass has read a; b and c are gone from the platform. s2: the pass read nothing
        // (an outage)
        land("s1", "a", 10, PASS);
        land("s1", "b", 11, "pass-1");
        land("s1", "c", 12, "pass-1");
        land(
                "s1",
                "later",
                Long.MAX_VALUE / 4,
                "pass-1"); // updated after the moment the pass caught up: not judged
        land("s2", "x", 10, "pass-1");
    }

    private static void land(String tenant, String id, long updateTime, @Nullable String passId)
            throws Exception {
        POSTGRES.upsertRecord(
                TABLE,
                tenant,
                id,
                updateTime,
                "{\"id\":\"" + id + "\",\"v\":" + updateTime + "}",
                passId);
    }

    private static OneInputStreamOperatorTestHarness<TenantPosition, RawRecord> harness(
            @Nullable OperatorSubtaskState restored) throws Exception {
        return harness(PASS, restored);
    }

    private static OneInputStreamOperatorTestHarness<TenantPosition, RawRecord> harness(
            String passId, @Nullable OperatorSubtaskState restored) throws Exception {
        return harness(passId, new DeletionMarker(SqlDialect.POSTGRES, TABLE, 0.8), restored);
    }

    private static OneInputStreamOperatorTestHarness<TenantPosition, RawRecord> harness(
            String passId, DeletionMarker marker, @Nullable OperatorSubtaskState restored)
            throws Exception {
        var fn =
                new RunningFullPass.Completion(
                        passId, 0, END, marker, POSTGRES.connectionOptions());
        var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(fn));
        if (restored != null) h.initializeState(restored);
        h.open();
        return h;
    }

    private static void position(
            OneInputStreamOperatorTestHarness<TenantPosition, RawRecord> h,
            String tenant,
            long position)
            throws Exception {
        h.processElement(new StreamRecord<>(new TenantPosition(tenant, position)));
    }

    private static List<String> tombstones(
            OneInputStreamOperatorTestHarness<TenantPosition, RawRecord> h) {
        return h.extractOutputValues().stream()
                .peek(r -> assertThat(r.json).as("a tombstone").isNull())
                .map(r -> r.tenant + "/" + r.id)
                .toList();
    }

    private static Set<String> marked() throws Exception {
        return POSTGRES.column(TABLE, "id", "s1", "deleted_at IS NOT NULL").keySet();
    }

    @Test
    void tombstonesFirstThenTheMarksOnceACheckpointHoldsThem() throws Exception {
        try (var h = harness(null)) {
            position(h, "s1", 50);
            position(h, "s1", END); // main part read: the moment is noted, nothing judged yet
            assertThat(h.extractOutputValues()).isEmpty();

            position(h, "s1", CAUGHT_UP);
            assertThat(tombstones(h)).containsExactlyInAnyOrder("s1/b", "s1/c");
            assertThat(marked()).as("not before a checkpoint holds the tombstones").isEmpty();

            h.snapshot(1, 1);
            assertThat(marked()).isEmpty();
            h.notifyOfCompletedCheckpoint(1);
            assertThat(marked()).containsExactlyInAnyOrder("b", "c");

            position(h, "s1", CAUGHT_UP + 1); // done: nothing more
            assertThat(tombstones(h)).hasSize(2);
        }
    }

    @Test
    void withACheckOnlyTheRowsThePlatformSaysAreGoneGetATombstoneAndAMark() throws Exception {
        // the platform still has b (it moved ahead of the pass), c is gone; the check's own
        // requests are the ITCases'
        CandidateCheck platform = (tenant, ids) -> Set.of("c");
        try (var h =
                harness(
                        PASS,
                        new DeletionMarker(SqlDialect.POSTGRES, TABLE, 0.8).withCheck(platform),
                        null)) {
            position(h, "s1", END);
            position(h, "s1", CAUGHT_UP);
            assertThat(tombstones(h)).containsExactly("s1/c");
            h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);
        }
        assertThat(marked()).containsExactly("c");
    }

    @Test
    void aFailoverBeforeTheCheckpointEmitsTheTombstonesAgain() throws Exception {
        OperatorSubtaskState beforeTombstones;
        try (var h = harness(null)) {
            position(h, "s1", END);
            beforeTombstones = h.snapshot(1, 1);
            position(h, "s1", CAUGHT_UP);
            assertThat(tombstones(h)).hasSize(2);
        } // fails before checkpoint 2

        try (var h = harness(beforeTombstones)) {
            assertThat(marked()).isEmpty();
            position(h, "s1", CAUGHT_UP);
            assertThat(tombstones(h)).containsExactlyInAnyOrder("s1/b", "s1/c");
            h.snapshot(2, 2);
            h.notifyOfCompletedCheckpoint(2);
        }
        assertThat(marked()).containsExactlyInAnyOrder("b", "c");
    }

    @Test
    void aFailoverAfterTheCheckpointMarksOnRestoreWithoutNewTombstones() throws Exception {
        OperatorSubtaskState holdingTombstones;
        try (var h = harness(null)) {
            position(h, "s1", END);
            position(h, "s1", CAUGHT_UP);
            holdingTombstones = h.snapshot(1, 1);
        } // fails before the checkpoint's completion is notified

        try (var h = harness(holdingTombstones)) {
            assertThat(marked()).containsExactlyInAnyOrder("b", "c");
            position(h, "s1", CAUGHT_UP);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void aRecordThePassReadsBeforeTheMarkStaysLive() throws Exception {
        try (var h = harness(null)) {
            position(h, "s1", END);
            position(h, "s1", CAUGHT_UP);
            assertThat(tombstones(h)).containsExactlyInAnyOrder("s1/b", "s1/c");

            land(
                    "s1", "b", 20,
                    PASS); // the running sync lands b's new version before the checkpoint completes
            h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);
        }
        assertThat(marked()).containsExactly("c");
    }

    @Test
    void theGuardRefusesPerTenantAndTheOthersComplete() throws Exception {
        try (var h = harness(null)) {
            position(h, "s2", END);
            position(h, "s2", CAUGHT_UP); // s2 would lose 1 of 1 rows
            position(h, "s1", END);
            position(h, "s1", CAUGHT_UP);
            h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);

            ConcurrentLinkedQueue<StreamRecord<ExceptionEvent>> refusals =
                    h.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
            assertThat(refusals).hasSize(1);
            assertThat(refusals.peek().getValue().tenantId()).isEqualTo("s2");
            assertThat(refusals.peek().getValue().message()).contains("1 of 1 rows", "refused");
            assertThat(tombstones(h)).containsExactlyInAnyOrder("s1/b", "s1/c");
        }
        assertThat(marked()).containsExactlyInAnyOrder("b", "c");
        assertThat(POSTGRES.column(TABLE, "id", "s2", "deleted_at IS NOT NULL")).isEmpty();
    }

    @Test
    void restoringWithAnotherPassIsRefusedByName() throws Exception {
        OperatorSubtaskState state;
        try (var h = harness(null)) {
            position(h, "s1", END);
            state = h.snapshot(1, 1);
        }
        assertThatThrownBy(() -> harness("pass-3", state))
                .hasMessageContaining(
                        "restored with full pass pass-3, but the restored state belongs to full pass pass-2");
        assertThat(marked()).isEmpty();
    }

    @Test
    void stateOfVersionOneStaysReadableAndAnUnknownVersionIsRefused() throws Exception {
        // written by version 1 of the state, checked in: a tenant caught up, its tombstones sealed
        // in checkpoint 7
        String v1 =
                "{\"version\":1,\"passId\":\"pass-2\",\"tenant\":\"s1\",\"done\":false,\"sealedAtCheckpoint\":7,\"mainPartReadAt\":1234,"
                        + "\"pendingIds\":[\"b\",\"c\"]}";
        RunningFullPass.TenantPass p = RunningFullPass.TenantPass.fromJson(v1);
        assertThat(p.passId).isEqualTo("pass-2");
        assertThat(p.tenant).isEqualTo("s1");
        assertThat(p.mainPartReadAt).isEqualTo(1234L);
        assertThat(p.pendingIds).containsExactly("b", "c");
        assertThat(p.sealedAtCheckpoint).isEqualTo(7);
        assertThat(p.done).isFalse();
        assertThat(RunningFullPass.TenantPass.fromJson(p.toJson()).toJson()).isEqualTo(p.toJson());

        assertThatThrownBy(
                        () ->
                                RunningFullPass.TenantPass.fromJson(
                                        v1.replace("\"version\":1", "\"version\":2")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 2 is not readable");
    }
}
