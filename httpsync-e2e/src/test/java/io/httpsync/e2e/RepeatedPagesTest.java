package io.httpsync.e2e;

import io.httpsync.simulator.Accounting.RequestLogEntry;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepeatedPagesTest {
    private static final String LIST = "kuaishou/open.order.cursor.list";
    private static final long GRACE = 2000;

    @Test
    void aPageAnsweredLongBeforeTheRestoredCheckpointAndRequestedAfterTheRestoreIsRepeated() {
        List<RequestLogEntry> log =
                List.of(
                        ok("shop-1", "[0,10) cursor=", 1_000),
                        ok("shop-1", "[0,10) cursor=", 30_000));
        Checkpoints checkpoints =
                new Checkpoints(
                        Map.of(7L, 10_000L),
                        new CheckpointHistory.Restore("job-2", 7, 20_000, false));

        assertThat(
                        RepeatedPages.find(log, LIST, t -> Optional.of("job"), checkpoints, GRACE)
                                .repeats())
                .singleElement()
                .satisfies(r -> assertThat(r.why()).contains("checkpoint 7"));
    }

    @Test
    void aPageAnsweredAfterTheRestoredCheckpointMayBeRequestedAgainAfterTheRestore() {
        List<RequestLogEntry> log =
                List.of(
                        ok("shop-1", "[0,10) cursor=a", 9_000),
                        ok("shop-1", "[0,10) cursor=a", 30_000));
        Checkpoints checkpoints =
                new Checkpoints(
                        Map.of(7L, 10_000L),
                        new CheckpointHistory.Restore("job-2", 7, 20_000, false));

        RepeatedPages.Result result =
                RepeatedPages.find(log, LIST, t -> Optional.of("job"), checkpoints, GRACE);
        assertThat(result.repeats()).isEmpty();
        assertThat(result.reRequestedAfterRestore()).isEqualTo(1);
    }

    @Test
    void aPageRequestedTwiceWithoutARestoreInBetweenIsRepeated() {
        List<RequestLogEntry> log =
                List.of(
                        ok("shop-1", "[0,10) cursor=", 1_000),
                        ok("shop-1", "[0,10) cursor=", 2_000));

        assertThat(
                        RepeatedPages.find(
                                        log,
                                        LIST,
                                        t -> Optional.of("job"),
                                        new Checkpoints(Map.of()),
                                        GRACE)
                                .repeats())
                .singleElement()
                .satisfies(r -> assertThat(r.why()).isEqualTo("no restore in between"));
    }

    @Test
    void aRetryOfAFailedRequestAndOtherTenantsAndEndpointsAreNotRepeats() {
        List<RequestLogEntry> log =
                List.of(
                        new RequestLogEntry(LIST, "shop-1", "[0,10) cursor=", "error", 1_000),
                        ok("shop-1", "[0,10) cursor=", 2_000),
                        ok("shop-2", "[0,10) cursor=", 3_000),
                        ok("other", "[0,10) cursor=", 3_000),
                        ok("other", "[0,10) cursor=", 4_000),
                        new RequestLogEntry(
                                "kuaishou/open.order.detail", "shop-1", "oid=1", "ok", 5_000),
                        new RequestLogEntry(
                                "kuaishou/open.order.detail", "shop-1", "oid=1", "ok", 6_000));

        assertThat(
                        RepeatedPages.find(
                                        log,
                                        LIST,
                                        t ->
                                                t.startsWith("shop")
                                                        ? Optional.of("job")
                                                        : Optional.empty(),
                                        new Checkpoints(Map.of()),
                                        GRACE)
                                .repeats())
                .isEmpty();
    }

    @Test
    void aRestoreFromACheckpointThatWasNeverSeenCannotBeJudged() {
        List<RequestLogEntry> log =
                List.of(
                        ok("shop-1", "[0,10) cursor=", 1_000),
                        ok("shop-1", "[0,10) cursor=", 30_000));
        Checkpoints checkpoints =
                new Checkpoints(Map.of(), new CheckpointHistory.Restore("job-2", 7, 20_000, false));

        assertThatThrownBy(
                        () ->
                                RepeatedPages.find(
                                        log, LIST, t -> Optional.of("job"), checkpoints, GRACE))
                .hasMessageContaining("checkpoint 7");
    }

    private static RequestLogEntry ok(String tenant, String page, long time) {
        return new RequestLogEntry(LIST, tenant, page, "ok", time);
    }

    /** One lineage's checkpoints: trigger times by id, and its restores. */
    private record Checkpoints(Map<Long, Long> triggers, CheckpointHistory.Restore... restores)
            implements RepeatedPages.Checkpoints {
        @Override
        public List<CheckpointHistory.Restore> restores(String lineage) {
            return List.of(restores);
        }

        @Override
        public Optional<Long> triggerTime(String lineage, long id) {
            return Optional.ofNullable(triggers.get(id));
        }
    }
}
