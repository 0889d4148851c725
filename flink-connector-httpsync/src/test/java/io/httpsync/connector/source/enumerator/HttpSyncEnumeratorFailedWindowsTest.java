package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.connector.source.event.WindowsEndedEvent;
import io.httpsync.connector.source.split.FailureStreak;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.runtime.execution.SuppressRestartsException;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the enumerator does with windows that keep failing: when it retries them, and when a bounded
 * sync gives up.
 */
class HttpSyncEnumeratorFailedWindowsTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration RETRY_DELAY = Duration.ofMinutes(1);
    private static final WindowFailure BAD_SIGN =
            new WindowFailure("HTTP 200, code 31: invalid sign", "FATAL, HTTP 200, code 31", false);
    private static final WindowFailure HTML_PAGE =
            new WindowFailure(
                    "HTTP 200 with a body that is not JSON: <html>", "RETRYABLE, HTTP 200", false);
    private static final WindowFailure UNAVAILABLE =
            new WindowFailure(
                    "retries exhausted; last answer: HTTP 503", "RETRYABLE, HTTP 503", true);

    private final ManualClock clock = new ManualClock(START.plus(Duration.ofDays(1)));

    private SyncPlan.Builder plan() {
        return SyncPlan.builder()
                .tenants("a")
                .startTime(START)
                .step(Duration.ofHours(1))
                .failedWindowRetryDelay(RETRY_DELAY)
                .maxWindowFailures(3)
                .clock(clock);
    }

    private EnumeratorHarness bounded() {
        return new EnumeratorHarness(plan().endTime(START.plus(Duration.ofHours(1))).build(), 1);
    }

    @Test
    void aBoundedSyncFailsWithoutRestartsWhenAWindowFailsAsOftenAsAllowedWithTheSameLastingCause() {
        EnumeratorHarness h = bounded();
        WindowSplit window = single(h.request(0));

        fail(h, window, BAD_SIGN);
        window = retried(h, RETRY_DELAY);
        fail(h, window, BAD_SIGN);
        WindowSplit third = retried(h, RETRY_DELAY);

        assertThatThrownBy(() -> fail(h, third, BAD_SIGN))
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .isInstanceOf(WindowFailedException.class)
                .hasMessageContaining("tenant 'a'")
                .hasMessageContaining("failed 3 times in a row with the same cause")
                .hasMessageContaining("HTTP 200, code 31: invalid sign");
    }

    @Test
    void aRestoredJobKeepsCountingAWindowsFailuresWhetherItWaitsForItsRetryOrIsReadAgain()
            throws Exception {
        EnumeratorHarness h = bounded();
        fail(h, single(h.request(0)), BAD_SIGN);
        // restored while the window waits for its retry: the count is in the checkpoint
        EnumeratorHarness waiting = restore(h.enumerator.snapshotState(1));
        WindowSplit second = retried(waiting, RETRY_DELAY);
        assertThat(second.failureStreak()).isEqualTo(new FailureStreak(BAD_SIGN.cause(), 1));
        fail(waiting, second, BAD_SIGN);

        // restored while the window is read again: the count is in the assigned split
        WindowSplit third = retried(waiting, RETRY_DELAY);
        EnumeratorHarness reading = restore(waiting.enumerator.snapshotState(2));
        assertThatThrownBy(() -> fail(reading, third.fresh(), BAD_SIGN))
                .as("the third failure in a row across two restores ends the bounded sync")
                .isInstanceOf(SuppressRestartsException.class)
                .cause()
                .isInstanceOf(WindowFailedException.class)
                .hasMessageContaining("failed 3 times in a row with the same cause");
    }

    /** A new enumerator from the state's serialized form, as after a failover. */
    private EnumeratorHarness restore(HttpSyncEnumState state) throws Exception {
        HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
        return new EnumeratorHarness(
                plan().endTime(START.plus(Duration.ofHours(1))).build(),
                1,
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state)));
    }

    @Test
    void anotherCauseStartsTheCountAgain() {
        EnumeratorHarness h = bounded();
        WindowSplit window = single(h.request(0));

        for (WindowFailure failure : List.of(BAD_SIGN, BAD_SIGN, HTML_PAGE, BAD_SIGN, BAD_SIGN)) {
            fail(h, window, failure);
            window = retried(h, RETRY_DELAY);
        }
        WindowSplit last = window;
        assertThatThrownBy(() -> fail(h, last, BAD_SIGN))
                .hasRootCauseInstanceOf(WindowFailedException.class);
    }

    @Test
    void aTransientCauseNeverEndsABoundedSyncAndItsRetriesBackOffUpToABound() {
        EnumeratorHarness h = bounded();
        WindowSplit window = single(h.request(0));

        for (int delayFactor : new int[] {1, 2, 4, 8, 8, 8}) {
            fail(h, window, UNAVAILABLE);
            Duration delay = RETRY_DELAY.multipliedBy(delayFactor);
            clock.advance(delay.minusMillis(1));
            h.tick();
            assertThat(h.request(0)).as("before the %s-fold retry delay", delayFactor).isEmpty();
            window = retried(h, Duration.ofMillis(1));
        }
        h.finish(0, window);
        h.checkpoint(1);
        assertThat(h.request(0)).isEmpty();
        assertThat(h.noMoreSplits(0)).isTrue();
    }

    @Test
    void aContinuousSyncKeepsRetryingALastingCauseAndNeverPassesTheWindow() {
        clock.set(START.plus(Duration.ofMinutes(90)));
        EnumeratorHarness h = new EnumeratorHarness(plan().lag(Duration.ofMinutes(1)).build(), 1);
        h.tick();
        WindowSplit window = single(h.request(0));

        for (int i = 0; i < 5; i++) {
            fail(h, window, BAD_SIGN);
            window = retried(h, RETRY_DELAY);
        }
        h.checkpoint(1);
        assertThat(h.position("a")).isEqualTo(START.toEpochMilli());
    }

    private static void fail(EnumeratorHarness h, WindowSplit window, WindowFailure failure) {
        h.enumerator.handleSourceEvent(
                0,
                new WindowsEndedEvent(List.of(window.withOutcome(WindowOutcome.failed(failure)))));
    }

    /** Lets {@code wait} pass and returns the window handed out again. */
    private WindowSplit retried(EnumeratorHarness h, Duration wait) {
        clock.advance(wait);
        h.tick();
        List<WindowSplit> again = h.request(0);
        assertThat(again).as("the window is handed out again").hasSize(1);
        return again.get(0);
    }

    private static WindowSplit single(List<WindowSplit> splits) {
        assertThat(splits).hasSize(1);
        return splits.get(0);
    }
}
