package io.httpsync.connector.source;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delete-ratio guard judged per tenant: two subtasks of {@link PassChangelog}'s keyed operator
 * on Flink's test harness, each holding four of the tenant's eight keys, and the operator's {@link
 * PassRatioCoordinator}, with the events between them delivered when the test says.
 */
class PassRatioCoordinatorTest {
    private static final String TENANT = "shop-1";
    private static final long PASS = 1_000;
    private static final PassMarker STARTED =
            new PassMarker(PassMarker.Kind.STARTED, TENANT, PASS, 0, 500, 0, 1);
    private static final PassMarker COMPLETED =
            new PassMarker(PassMarker.Kind.COMPLETED, TENANT, PASS, 0, 500, 0, 1);

    /** At most half of a tenant's keys in range may go. */
    private static final FullPasses PASSES =
            FullPasses.every(Duration.ofMinutes(1)).maxDeleteRatio(0.5);

    /** Four ids of the tenant on each of the two subtasks: {@code ids.get(subtask)}. */
    private static List<List<String>> idsBySubtask(CoordinatedSubtasks subtasks) {
        List<List<String>> ids = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; ids.get(0).size() < 4 || ids.get(1).size() < 4; i++) {
            List<String> of = ids.get(subtasks.subtaskOf(TENANT, "o" + i));
            if (of.size() < 4) of.add("o" + i);
        }
        return ids;
    }

    /**
     * Every key read, then a pass that lists all but {@code unseen[s]} of subtask {@code s}'s keys
     * and completes; its counts are sent, not yet delivered.
     */
    private static List<List<String>> aPassThatMisses(CoordinatedSubtasks subtasks, int... unseen)
            throws Exception {
        List<List<String>> ids = idsBySubtask(subtasks);
        for (List<String> of : ids) for (String id : of) subtasks.record(TENANT, id, 10);
        subtasks.marker(STARTED);
        for (int s = 0; s < 2; s++)
            for (String id : ids.get(s).subList(unseen[s], 4)) subtasks.record(TENANT, id, 10);
        subtasks.marker(COMPLETED);
        return ids;
    }

    private static List<String> deletions(CoordinatedSubtasks subtasks) {
        return subtasks.outputs().stream().filter(o -> o.startsWith("del:")).toList();
    }

    @Test
    void oneSubtaskUnderTheRatioButTheTenantOverItDeletesNothingAnywhereAndEmitsOneEvent()
            throws Exception {
        try (CoordinatedSubtasks subtasks = new CoordinatedSubtasks(PASSES, TENANT, 2, false)) {
            subtasks.open();
            // subtask 0 misses 1 of its 4 (25%), subtask 1 all 4: the tenant 5 of 8 (62.5%)
            aPassThatMisses(subtasks, 1, 4);
            assertThat(deletions(subtasks)).as("nothing before the decision").isEmpty();
            subtasks.deliver();

            assertThat(deletions(subtasks)).isEmpty();
            assertThat(subtasks.events())
                    .singleElement()
                    .satisfies(
                            m ->
                                    assertThat(m)
                                            .contains("tenant " + TENANT)
                                            .contains("would delete 5 of its 8 records")
                                            .contains("refused, nothing deleted"));
        }
    }

    @Test
    void oneSubtaskOverTheRatioButTheTenantUnderItDeletesTheUnseenKeys() throws Exception {
        try (CoordinatedSubtasks subtasks = new CoordinatedSubtasks(PASSES, TENANT, 2, false)) {
            subtasks.open();
            // subtask 0 misses 3 of its 4 (75%), subtask 1 none: the tenant 3 of 8 (37.5%)
            List<List<String>> ids = aPassThatMisses(subtasks, 3, 0);
            subtasks.deliver();

            assertThat(deletions(subtasks))
                    .containsExactlyInAnyOrderElementsOf(
                            ids.get(0).subList(0, 3).stream().map(id -> "del:" + id).toList());
            assertThat(subtasks.events()).isEmpty();
        }
    }

    @Test
    void aKeyReadAgainBetweenTheCountingAndTheDecisionIsNotDeleted() throws Exception {
        try (CoordinatedSubtasks subtasks = new CoordinatedSubtasks(PASSES, TENANT, 2, false)) {
            subtasks.open();
            List<List<String>> ids = aPassThatMisses(subtasks, 2, 1);
            String readAgain = ids.get(0).get(0);
            subtasks.record(TENANT, readAgain, 20); // a newer version, before the decision
            subtasks.deliver();

            assertThat(deletions(subtasks))
                    .containsExactlyInAnyOrder(
                            "del:" + ids.get(0).get(1), "del:" + ids.get(1).get(0));
        }
    }

    @Test
    void aDecisionPendingAtACheckpointIsTakenAfterTheRestoreOnce() throws Exception {
        try (CoordinatedSubtasks subtasks = new CoordinatedSubtasks(PASSES, TENANT, 2, false)) {
            subtasks.open();
            List<List<String>> ids = aPassThatMisses(subtasks, 1, 1);
            // the counts are lost with the coordinator; the subtasks' checkpoint holds them
            List<OperatorSubtaskState> checkpoint = subtasks.snapshot(1);
            subtasks.start(checkpoint);
            subtasks.open();
            subtasks.deliver();

            assertThat(deletions(subtasks))
                    .containsExactlyInAnyOrder(
                            "del:" + ids.get(0).get(0), "del:" + ids.get(1).get(0));
        }
    }

    @Test
    void aRefusedPassRestoredFromACheckpointAfterTheRefusalEmitsNoSecondEvent() throws Exception {
        try (CoordinatedSubtasks subtasks = new CoordinatedSubtasks(PASSES, TENANT, 2, false)) {
            subtasks.open();
            aPassThatMisses(subtasks, 1, 4); // refused: 5 of 8
            subtasks.deliver();
            assertThat(subtasks.events()).hasSize(1);
            List<OperatorSubtaskState> refused = subtasks.snapshot(1);
            subtasks.start(refused);
            subtasks.open();
            subtasks.deliver();

            assertThat(deletions(subtasks)).isEmpty();
            assertThat(subtasks.events()).as("the refusal's one event came before").isEmpty();
        }
    }

    @Test
    void aSubtaskWhoseCheckpointPredatesTheDecisionGetsItAfterTheRestoreAndTheOtherDeletesNoMore()
            throws Exception {
        try (CoordinatedSubtasks subtasks = new CoordinatedSubtasks(PASSES, TENANT, 2, false)) {
            subtasks.open();
            List<List<String>> ids = aPassThatMisses(subtasks, 1, 1);
            OperatorSubtaskState beforeDecision = subtasks.subtask(1).snapshot(1, 1);
            subtasks.deliver();
            assertThat(deletions(subtasks)).hasSize(2);
            OperatorSubtaskState afterDecision = subtasks.subtask(0).snapshot(1, 1);
            subtasks.start(List.of(afterDecision, beforeDecision));
            subtasks.open();
            subtasks.deliver();

            assertThat(deletions(subtasks)).containsExactly("del:" + ids.get(1).get(0));
        }
    }
}
