package io.httpsync.connector.ratelimit;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitOptionsTest {
    private static Map<String, String> options(String... keyValues) {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrders("http://localhost:1"));
        for (int i = 0; i < keyValues.length; i += 2) o.put(keyValues[i], keyValues[i + 1]);
        return o;
    }

    @Test
    void bucketsAreReadFromFlatOptions() {
        RateLimitSpec spec =
                EndpointSpec.fromOptions(
                                options(
                                        "rate-limit.bucket.ip.scope",
                                        "ip",
                                        "rate-limit.bucket.ip.permits",
                                        "10000",
                                        "rate-limit.bucket.ip.period",
                                        "20 s",
                                        "rate-limit.bucket.ip.burst",
                                        "100",
                                        "rate-limit.bucket.corp.scope",
                                        "tenant-api",
                                        "rate-limit.bucket.corp.permits",
                                        "10000",
                                        "rate-limit.bucket.corp.period",
                                        "minute",
                                        "rate-limit.bucket.corp.weight",
                                        "1",
                                        "rate-limit.bucket.corp.adaptive",
                                        "false"))
                        .rateLimits();
        assertThat(spec.buckets())
                .containsExactly(
                        new BucketSpec(
                                "corp",
                                BucketScope.TENANT_API,
                                10000,
                                Duration.ofMinutes(1),
                                1,
                                1,
                                false),
                        new BucketSpec(
                                "ip",
                                BucketScope.IP,
                                10000,
                                Duration.ofSeconds(20),
                                100,
                                1,
                                true)); // adaptive unless it says otherwise
        assertThat(spec.buckets().get(1).safeRatePerSecond(1)).isEqualTo(9901 / 20.0);
    }

    @Test
    void withoutBucketsTheTenantRateOfTheFirstVersionApplies() {
        RateLimitSpec spec =
                EndpointSpec.fromOptions(options("rate-limit.permits-per-second", "10"))
                        .rateLimits();
        assertThat(spec.buckets())
                .singleElement()
                .satisfies(
                        b -> {
                            assertThat(b.scope()).isEqualTo(BucketScope.TENANT);
                            assertThat(b.safeRatePerSecond(1)).isEqualTo(10);
                        });
    }

    @Test
    void badBucketOptionsAreNamed() {
        assertThatThrownBy(
                        () ->
                                EndpointSpec.fromOptions(
                                        options("rate-limit.bucket.app.scope", "app")))
                .hasMessage("option 'rate-limit.bucket.app.permits' is required");
        assertThatThrownBy(
                        () ->
                                EndpointSpec.fromOptions(
                                        options(
                                                "rate-limit.bucket.app.scope",
                                                "app",
                                                "rate-limit.bucket.app.permits",
                                                "5",
                                                "rate-limit.bucket.app.period",
                                                "20 x")))
                .hasMessageContaining("option 'rate-limit.bucket.app.period'");
        assertThatThrownBy(
                        () ->
                                EndpointSpec.fromOptions(
                                        options(
                                                "rate-limit.bucket.app.scope",
                                                "app",
                                                "rate-limit.bucket.app.permits",
                                                "5",
                                                "rate-limit.bucket.app.weight",
                                                "2")))
                .hasMessageContaining("option 'rate-limit.bucket.app.weight'");
        assertThatThrownBy(
                        () -> EndpointSpec.fromOptions(options("rate-limit.bucket.app.qps", "5")))
                .hasMessageContaining("option 'rate-limit.bucket.app.qps' is unknown");
        assertThatThrownBy(() -> EndpointSpec.fromOptions(options("rate-limit.backend", "redis")))
                .hasMessage(
                        "option 'rate-limit.redis.uri' is required with rate-limit.backend = redis");
    }

    @Test
    void aRedisPasswordIsMasked() {
        EndpointSpec spec =
                EndpointSpec.fromOptions(
                        options(
                                "rate-limit.backend",
                                "redis",
                                "rate-limit.redis.uri",
                                "redis://:hunter2@localhost:6379"));
        assertThat(spec.toString()).doesNotContain("hunter2");
    }
}
