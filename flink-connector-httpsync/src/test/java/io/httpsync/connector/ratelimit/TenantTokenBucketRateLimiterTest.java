package io.httpsync.connector.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TenantTokenBucketRateLimiterTest {
    private static final long MILLI = 1_000_000;

    @Test
    void burstGoesAtOnceThenReservationsAreSpacedAtTheRate() {
        TenantTokenBucketRateLimiter limiter = new TenantTokenBucketRateLimiter(10, 2);
        assertThat(limiter.reserve("a")).isZero();
        assertThat(limiter.reserve("a")).isZero();
        long third = limiter.reserve("a");
        long fourth = limiter.reserve("a");
        assertThat(third).isBetween(50 * MILLI, 100 * MILLI);
        assertThat(fourth - third).isBetween(90 * MILLI, 110 * MILLI);
        assertThat(limiter.reserve("b")).as("tenants have their own buckets").isZero();
    }

    @Test
    void aRateLimitedAnswerPausesTheTenantThenItResumesAtTheRate() {
        TenantTokenBucketRateLimiter limiter = new TenantTokenBucketRateLimiter(10, 5);
        limiter.onRateLimited("a", Duration.ofSeconds(3));
        long first = limiter.reserve("a");
        long second = limiter.reserve("a");
        assertThat(first).isBetween(2_900 * MILLI, 3_100 * MILLI);
        assertThat(second - first).as("no burst after the pause").isBetween(90 * MILLI, 110 * MILLI);
        limiter.onRateLimited("a", Duration.ofSeconds(1));
        assertThat(limiter.reserve("a")).as("a shorter pause does not shorten a longer one").isGreaterThan(3_000 * MILLI);
        assertThat(limiter.reserve("b")).isZero();
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThatThrownBy(() -> new TenantTokenBucketRateLimiter(0, 1)).hasMessageContaining("permitsPerSecond");
        assertThatThrownBy(() -> new TenantTokenBucketRateLimiter(1, 0)).hasMessageContaining("burst");
    }
}
