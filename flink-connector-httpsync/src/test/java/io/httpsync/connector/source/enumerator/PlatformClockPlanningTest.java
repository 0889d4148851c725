package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.ratelimit.BudgetReport;
import io.httpsync.connector.source.event.ReaderPollEvent;
import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.httpsync.connector.source.enumerator.WindowPlannerTest.assertContiguous;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sync position never passes the platform's own "now", when the platform's clock runs behind
 * ours.
 */
class PlatformClockPlanningTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final long T0 = START.toEpochMilli();
    private static final long MINUTE = Duration.ofMinutes(1).toMillis();
    private static final long BEHIND = 3 * MINUTE;

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofMinutes(35)));

    private SyncPlan.Builder continuous() {
        return SyncPlan.builder()
                .tenants("a")
                .startTime(START)
                .step(Duration.ofMinutes(10))
                .lag(Duration.ofMinutes(1))
                .discoveryInterval(Duration.ofMinutes(1))
                .clock(clock);
    }

    private static void pollWithPlatformTime(EnumeratorHarness h, long platformNowMillis) {
        h.enumerator.handleSourceEvent(
                0, new ReaderPollEvent(BudgetReport.EMPTY, platformNowMillis));
    }

    @Test
    void continuousPlanningKeepsTheLagToThePlatformsClockAsTheReadersReportIt() {
        EnumeratorHarness h = new EnumeratorHarness(continuous().build(), 1);
        pollWithPlatformTime(h, clock.millis() - BEHIND);
        h.tick();

        List<WindowSplit> windows = new ArrayList<>(h.request(0, 10));
        assertContiguous(windows, T0, T0 + 31 * MINUTE); // 35 min - 3 min behind - 1 min lag
        assertThat(h.gauge(EnumeratorMetrics.PLATFORM_CLOCK_SKEW_MILLIS)).isEqualTo(-BEHIND);

        clock.advance(Duration.ofMinutes(2));
        pollWithPlatformTime(h, clock.millis() - BEHIND);
        h.tick();
        windows.addAll(h.newAssignments(0));
        assertContiguous(windows, T0, T0 + 33 * MINUTE);
    }

    @Test
    void aPlatformClockAheadOfOursIsNotFollowed() {
        EnumeratorHarness h = new EnumeratorHarness(continuous().build(), 1);
        pollWithPlatformTime(h, clock.millis() + BEHIND);
        h.tick();

        assertContiguous(h.request(0, 10), T0, T0 + 34 * MINUTE);
    }

    @Test
    void
            aWindowReadTooEarlyCommitsWhatThePlatformHadPassedAndTheRestFollowsThePlatformsClockPieceByPiece() {
        EnumeratorHarness h = new EnumeratorHarness(continuous().build(), 1);
        h.tick(); // no report yet: planned up to our own now minus the lag, 34 min
        List<WindowSplit> windows = h.request(0, 10);
        assertContiguous(windows, T0, T0 + 34 * MINUTE);
        WindowSplit last = windows.get(windows.size() - 1); // [30, 34)
        windows.subList(0, windows.size() - 1).forEach(w -> h.finish(0, w));

        long platformReached =
                T0 + 32 * MINUTE; // the platform was 3 min behind when the reading began
        h.enumerator.handleSourceEvent(
                0,
                new WindowsEndedEvent(
                        List.of(last.withOutcome(WindowOutcome.tooEarly(platformReached)))));
        h.checkpoint(1);
        assertThat(h.position("a"))
                .as("what the platform had passed by the lag")
                .isEqualTo(T0 + 31 * MINUTE);

        // the rest, [31, 34), in pieces of a discovery interval, each read once the platform has
        // passed its end + lag
        // (meanwhile the readers report the platform's clock, so no new window is planned beyond
        // it)
        for (int piece = 0; piece < 3; piece++) {
            clock.advance(Duration.ofMinutes(1).minusMillis(1));
            pollWithPlatformTime(h, clock.millis() - BEHIND);
            h.tick();
            assertThat(h.request(0)).as("piece %s before its time", piece).isEmpty();
            clock.advance(Duration.ofMillis(1));
            pollWithPlatformTime(h, clock.millis() - BEHIND);
            h.tick();
            List<WindowSplit> due = h.newAssignments(0);
            assertThat(due)
                    .containsExactly(
                            WindowSplit.of(
                                    "a", T0 + (31 + piece) * MINUTE, T0 + (32 + piece) * MINUTE));
            h.finish(0, due.get(0));
            h.checkpoint(2 + piece);
            assertThat(h.position("a")).isEqualTo(T0 + (32 + piece) * MINUTE);
        }
    }

    @Test
    void aBoundedSyncEndsOnlyOnceTheWindowsReadTooEarlyWereReadAgain() {
        clock.set(START.plus(Duration.ofHours(2)));
        EnumeratorHarness h =
                new EnumeratorHarness(
                        continuous().endTime(START.plus(Duration.ofMinutes(10))).build(), 1);
        WindowSplit only = h.request(0).get(0);
        h.enumerator.handleSourceEvent(
                0,
                new WindowsEndedEvent(
                        List.of(only.withOutcome(WindowOutcome.tooEarly(T0 + 5 * MINUTE)))));
        h.checkpoint(1);
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).isFalse();

        clock.advance(Duration.ofMinutes(6));
        h.tick();
        List<WindowSplit> again = new ArrayList<>(h.newAssignments(0));
        again.addAll(h.request(0, 10));
        assertContiguous(again, T0 + 4 * MINUTE, T0 + 10 * MINUTE);
        again.forEach(w -> h.finish(0, w));
        h.checkpoint(2);
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).isTrue();
        assertThat(h.position("a")).isEqualTo(T0 + 10 * MINUTE);
    }
}
