package io.httpsync.connector.ratelimit;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The AIMD arithmetic of {@link AdaptiveRate}, on a clock the test moves. */
class AdaptiveRateTest {
    private static final RateLimitSpec.Adaptive DEFAULTS =
            new RateLimitSpec.Adaptive(1.0, 0.05, 0.5, 0.85, 1000);

    @Test
    void withoutRefusalsTheRateStaysAtTheConfiguredLimit() {
        AdaptiveRate rate = new AdaptiveRate(10, DEFAULTS, 0);
        for (long t = 1000; t <= 60_000; t += 1000) rate.maybeIncrease(t);
        assertThat(rate.rate()).isEqualTo(10);
        assertThat(rate.fraction()).isEqualTo(1);
    }

    @Test
    void aRefusalHalvesTheRateOncePerHalfIntervalHoweverManyAnswersSayIt() {
        AdaptiveRate rate = new AdaptiveRate(10, DEFAULTS, 0);
        assertThat(rate.decrease(5000)).isTrue();
        assertThat(rate.decrease(5100)).isFalse(); // answers to requests sent at the old rate
        assertThat(rate.decrease(5499)).isFalse();
        assertThat(rate.rate()).isEqualTo(5);
        assertThat(rate.decrease(5500)).isTrue();
        assertThat(rate.rate()).isEqualTo(2.5);
        assertThat(rate.knee())
                .as("cuts in a row (a ban) keep the rate that ran into the limit")
                .isEqualTo(8.5);
        rate.maybeIncrease(6500);
        rate.decrease(6500); // refused again after growing to 3: that is the new limit
        assertThat(rate.knee()).isCloseTo(3 * 0.85, within(1e-9));
    }

    @Test
    void theRateGrowsQuicklyToTheKneeBelowTheRefusedRateThenProbesAtATwentiethOfTheStep() {
        AdaptiveRate rate = new AdaptiveRate(10, DEFAULTS, 0);
        rate.decrease(0); // refused at 10: rate 5, knee 8.5
        assertThat(rate.knee()).isEqualTo(8.5);
        assertThat(rate.maybeIncrease(500)).as("not before an interval").isFalse();
        long t = 0;
        for (int i = 0; i < 7; i++) rate.maybeIncrease(t += 1000); // 0.5 per interval
        assertThat(rate.rate()).isCloseTo(8.5, within(1e-9));
        rate.maybeIncrease(t += 1000);
        assertThat(rate.rate()).as("probing above the knee").isCloseTo(8.525, within(1e-9));
        for (int i = 0; i < 100; i++) rate.maybeIncrease(t += 1000);
        assertThat(rate.rate()).as("probing ends at the ceiling").isEqualTo(10);
    }

    @Test
    void aRefusalWhileProbingNearTheKnownLimitCutsOnlyToTheNewKnee() {
        AdaptiveRate rate = new AdaptiveRate(10, DEFAULTS, 0);
        rate.decrease(0); // refused at 10: rate 5, knee 8.5
        long t = 0;
        for (int i = 0; i < 9; i++) rate.maybeIncrease(t += 1000); // 8.5, then probing: 8.55
        assertThat(rate.rate()).isCloseTo(8.55, within(1e-9));
        rate.decrease(t);
        assertThat(rate.rate()).isCloseTo(8.55 * 0.85, within(1e-9));
        assertThat(rate.knee()).isCloseTo(rate.rate(), within(1e-9));
    }

    @Test
    void theRateNeverDropsBelowAHundredthOfTheCeiling() {
        AdaptiveRate rate = new AdaptiveRate(10, DEFAULTS, 0);
        for (long t = 0; t < 20_000; t += 1000) rate.decrease(t);
        assertThat(rate.rate()).isCloseTo(0.1, within(1e-9));
    }

    /**
     * A platform that allows 3 requests in any second, a limit configured at 9.7/s: requests paced
     * at the adaptive rate, each refusal cutting it. After a warm-up of 20 s the accepted rate is
     * over 0.8 of the real limit, and under 5 % of the requests are refused over the whole two
     * minutes.
     */
    @Test
    void aLimitThreeTimesTooHighConvergesNearTheRealLimitWithFewRefusals() {
        AdaptiveRate rate = new AdaptiveRate(9.7, DEFAULTS, 0);
        ArrayDeque<Double> window = new ArrayDeque<>(); // accepted in the last second
        int accepted = 0;
        int refused = 0;
        int acceptedAfterWarmUp = 0;
        double t = 0;
        while (t < 120) {
            rate.maybeIncrease((long) (t * 1000));
            t += 1 / rate.rate();
            while (!window.isEmpty() && window.peekFirst() <= t - 1) window.pollFirst();
            if (window.size() < 3) {
                window.addLast(t);
                accepted++;
                if (t >= 20) acceptedAfterWarmUp++;
            } else {
                refused++;
                rate.decrease((long) (t * 1000));
            }
        }
        assertThat(acceptedAfterWarmUp / 100.0 / 3)
                .as("share of the real limit")
                .isGreaterThan(0.8);
        assertThat((double) refused / (accepted + refused)).as("refused").isLessThan(0.05);
    }
}
