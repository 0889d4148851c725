package io.httpsync.connector.source.reader;

import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformClockCheckTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long LAG = 10_000;
    private static final long BEHIND = 180_000;

    private final AtomicLong local = new AtomicLong(NOW);
    private final PlatformClock clock = new PlatformClock(local::get);
    private final PlatformClockCheck check = new PlatformClockCheck(clock, LAG);

    @Test
    void theSkewIsTheHighestRecentLowerBoundAndIsForgottenWhenAnswersStop() {
        assertThat(clock.skewMillis()).isEmpty();
        clock.observed(NOW - BEHIND - 900, NOW); // a Date rounded down and a slow answer
        clock.observed(NOW - BEHIND - 100, NOW + 50);
        assertThat(clock.skewMillis()).hasValue(-BEHIND - 150);
        assertThat(clock.platformNowMillis()).isEqualTo(NOW - BEHIND - 150);

        local.addAndGet(2 * PlatformClock.PERIOD_MILLIS + 1);
        assertThat(clock.skewMillis()).isEmpty();
        assertThat(clock.platformNowMillis()).isNull();
    }

    @Test
    void aWindowReadBeforeThePlatformPassedItsEndPlusTheLagIsTooEarly() {
        clock.observed(NOW - BEHIND, NOW);
        WindowSplit early = WindowSplit.of("a", NOW - 3_600_000, NOW - LAG); // planned by our clock
        WindowSplit passed =
                WindowSplit.of("a", NOW - 3_600_000, NOW - BEHIND - LAG); // by the platform's
        check.started(early);
        check.started(passed);
        local.addAndGet(5_000);

        assertThat(check.ended(early, WindowOutcome.finished()))
                .isEqualTo(WindowOutcome.tooEarly(NOW - BEHIND));
        assertThat(check.ended(passed, WindowOutcome.finished()))
                .isEqualTo(WindowOutcome.finished());
    }

    @Test
    void onlyFinishedWindowsAreCheckedAndOnlyWhenThePlatformsClockIsKnown() {
        WindowSplit early = WindowSplit.of("a", NOW - 3_600_000, NOW - LAG);
        check.started(early);
        assertThat(check.ended(early, WindowOutcome.finished()))
                .as("no Date header seen")
                .isEqualTo(WindowOutcome.finished());

        clock.observed(NOW - BEHIND, NOW);
        check.started(early);
        assertThat(check.ended(early, WindowOutcome.failed("HTTP 500")))
                .isEqualTo(WindowOutcome.failed("HTTP 500"));
    }

    @Test
    void aCorrectClockNeverMakesAWindowTooEarly() {
        clock.observed(NOW - 999, NOW + 300); // rounded down to the second, 300 ms on the way
        WindowSplit last = WindowSplit.of("a", NOW - 60_000, NOW - LAG);
        check.started(last);

        assertThat(check.ended(last, WindowOutcome.finished())).isEqualTo(WindowOutcome.finished());
    }

    @Test
    void withoutDateHeadersRecordsUpdatedAfterOurNowShowAClockRunningAheadButNeverDecideAnything() {
        clock.recordSeen(
                NOW + 40_000, NOW); // the platform stamped it 40 s after our now: it runs ahead
        assertThat(clock.skewMillis()).as("the skew that decides").isEmpty();
        assertThat(clock.platformNowMillis()).isNull();
        assertThat(clock.shownSkewMillis()).isEqualTo(40_000);

        WindowSplit window = WindowSplit.of("a", NOW - 3_600_000, NOW - LAG);
        check.started(window);
        assertThat(check.ended(window, WindowOutcome.finished()))
                .isEqualTo(WindowOutcome.finished());
    }

    @Test
    void recordsOlderThanOurNowProveNothingAboutAClockRunningBehind() {
        clock.recordSeen(
                NOW - BEHIND - LAG,
                NOW); // as old as the windows read: the platform may run behind, or not
        assertThat(clock.recordEvidenceMillis()).hasValue(-BEHIND - LAG);
        assertThat(clock.shownSkewMillis()).isZero();
        assertThat(clock.skewMillis()).isEmpty();
    }

    @Test
    void theDateHeaderDecidesWhatIsShownWhenThereIsOne() {
        clock.recordSeen(
                NOW + 40_000,
                NOW); // a record with a time in the future: bad data, or a clock ahead
        clock.observed(NOW - BEHIND, NOW);
        assertThat(clock.shownSkewMillis()).isEqualTo(-BEHIND);
    }

    @Test
    void aTenantWhoseAnswersCarryNoDateIsNamedOnce() {
        assertThat(clock.answeredWithoutDate("a")).isTrue();
        assertThat(clock.answeredWithoutDate("a")).isFalse();
        assertThat(clock.answeredWithoutDate("b")).isTrue();
    }
}
