package io.httpsync.connector.source.reader;

import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Little's law for the windows a reader pages at once. */
class SplitsInFlightTest {

    @Test
    void aSizedTargetIsRateTimesLatencyWithHeadroomAndFollowsTheLatency() {
        SplitsInFlight.Target target = SplitsInFlight.sized(64).target(() -> 100);
        // before any answer: the assumed 200 ms -> 100 x 0.2 x 1.5 + 1
        assertThat(target.get()).isEqualTo(31);
        target.onResponse("a", ResponseKind.SUCCESS, 50_000_000L);
        // 100/s at 50 ms: 5 in flight by Little's law, 8.5 with headroom, + 1
        assertThat(target.get()).isEqualTo(9);
        for (int i = 0; i < 50; i++) target.onResponse("a", ResponseKind.SUCCESS, 100_000_000L);
        assertThat(target.latencySeconds())
                .isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(target.get()).isEqualTo(16);
    }

    @Test
    void onlyPagesMoveTheLatencyNotTimeoutsOrRefusals() {
        SplitsInFlight.Target target = SplitsInFlight.sized(64).target(() -> 100);
        target.onResponse("a", ResponseKind.SUCCESS, 50_000_000L);
        target.onResponse("a", ResponseKind.RETRYABLE, 30_000_000_000L);
        target.onResponse("a", ResponseKind.RATE_LIMITED, 30_000_000_000L);
        assertThat(target.get()).isEqualTo(9);
    }

    @Test
    void theCeilingBoundsTheTargetAndAFixedNumberIgnoresRateAndLatency() {
        SplitsInFlight.Target high = SplitsInFlight.sized(16).target(() -> 10_000);
        assertThat(high.get()).isEqualTo(16);
        SplitsInFlight.Target fixed = SplitsInFlight.fixed(4).target(() -> 10_000);
        fixed.onResponse("a", ResponseKind.SUCCESS, 1_000_000_000L);
        assertThat(fixed.get()).isEqualTo(4);
    }

    @Test
    void theTargetFollowsTheRateItIsGivenAndNeverFallsBelowOne() {
        AtomicReference<Double> rate = new AtomicReference<>(0.5);
        SplitsInFlight.Target target = SplitsInFlight.sized(64).target(rate::get);
        target.onResponse("a", ResponseKind.SUCCESS, 10_000_000L);
        assertThat(target.get()).isEqualTo(2); // ceil(0.5 x 0.01 x 1.5) + 1
        rate.set(1000.0);
        assertThat(target.get()).isEqualTo(16); // ceil(1000 x 0.01 x 1.5) + 1
        rate.set(Double.NaN); // unknown rate: the ceiling, never too few
        assertThat(target.get()).isEqualTo(64);
    }

    @Test
    void onlyATargetSizedFromAFiniteRateAsksTheEnumeratorToPlanWindowsForIt() {
        AtomicReference<Double> rate = new AtomicReference<>(100.0);
        SplitsInFlight.Target sized = SplitsInFlight.sized(64).target(rate::get);
        sized.onResponse("a", ResponseKind.SUCCESS, 50_000_000L);
        assertThat(sized.planningSlots()).isEqualTo(9).isEqualTo(sized.get());
        rate.set(Double.POSITIVE_INFINITY); // no rate limit: nothing to keep busy
        assertThat(sized.planningSlots()).isZero();
        assertThat(sized.get()).isEqualTo(64);
        rate.set(Double.NaN);
        assertThat(sized.planningSlots()).isZero();
        SplitsInFlight.Target fixed = SplitsInFlight.fixed(4).target(() -> 100);
        assertThat(fixed.planningSlots()).isZero();
        assertThat(fixed.get()).isEqualTo(4);
    }

    @Test
    void aNumberBelowOneIsRefused() {
        assertThatThrownBy(() -> SplitsInFlight.fixed(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> SplitsInFlight.sized(0)).hasMessageContaining(">= 1");
    }

    @Test
    void theJobsRateIsItsTightestBucketCountingAPerTenantBucketOncePerTenant() {
        Map<String, String> options =
                new HashMap<>(EndpointPresets.kuaishouOrders("http://localhost:1"));
        options.remove("rate-limit.permits-per-second");
        options.remove("rate-limit.burst");
        options.put("rate-limit.utilization", "1");
        options.put("rate-limit.bucket.app.scope", "app");
        options.put("rate-limit.bucket.app.permits", "200");
        options.put("rate-limit.bucket.shop.scope", "tenant-api");
        options.put("rate-limit.bucket.shop.permits", "30");
        RateLimitSpec spec = EndpointSpec.fromOptions(options).rateLimits();
        assertThat(spec.requestsPerSecond(1)).isEqualTo(30);
        assertThat(spec.requestsPerSecond(3)).isEqualTo(90);
        assertThat(spec.requestsPerSecond(10)).isEqualTo(200);
    }
}
