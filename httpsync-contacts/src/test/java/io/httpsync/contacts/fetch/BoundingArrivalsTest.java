package io.httpsync.contacts.fetch;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contacts sync bounds a corp's requests in flight and takes them off its per-corp buckets, so
 * that a platform counting arrivals sees at most its limit however late requests arrive.
 */
class BoundingArrivalsTest {
    private static final String BASE = "http://127.0.0.1:1/dingtalk";

    private static Map<String, BucketSpec> buckets(Map<String, String> options) {
        RateLimitSpec limits = EndpointSpec.fromOptions(options).rateLimits();
        return limits.buckets().stream()
                .collect(Collectors.toMap(BucketSpec::name, Function.identity()));
    }

    @Test
    void byDefaultEightOfACorpsRequestsAreInFlightAndItsPerCorpBucketsGrantEightFewerOffTheBurst() {
        Map<String, String> bounded =
                DirectoryFetcher.boundingArrivals(ContactsEndpoints.dingtalkUser(BASE));

        RateLimitSpec limits = EndpointSpec.fromOptions(bounded).rateLimits();
        assertThat(limits.maxInFlightPerTenant()).isEqualTo(8);
        BucketSpec corp = buckets(bounded).get("corp-api");
        BucketSpec platform = buckets(ContactsEndpoints.dingtalkUser(BASE)).get("corp-api");
        assertThat(corp.permits()).isEqualTo(32);
        assertThat(corp.burst()).isEqualTo(2);
        assertThat(corp.safeRatePerSecond(0.97))
                .as("the steady rate is the platform bucket's")
                .isEqualTo(platform.safeRatePerSecond(0.97));
        assertThat(buckets(bounded).get("ip"))
                .as("the per-IP bucket, shared by every corp, is as configured")
                .isEqualTo(buckets(ContactsEndpoints.dingtalkUser(BASE)).get("ip"));
    }

    @Test
    void aBoundLargerThanTheBurstLeavesOneRequestsBurstAndLowersTheRate() {
        Map<String, String> o = new TreeMap<>(ContactsEndpoints.dingtalkUser(BASE));
        o.put("rate-limit.max-in-flight-per-tenant", "20");

        BucketSpec corp = buckets(DirectoryFetcher.boundingArrivals(o)).get("corp-api");

        assertThat(corp.permits()).isEqualTo(20);
        assertThat(corp.burst()).isEqualTo(1);
    }

    @Test
    void noBoundLeavesTheBucketsAsConfigured() {
        Map<String, String> o = new TreeMap<>(ContactsEndpoints.dingtalkUser(BASE));
        o.put("rate-limit.max-in-flight-per-tenant", "0");

        assertThat(buckets(DirectoryFetcher.boundingArrivals(o))).isEqualTo(buckets(o));
    }

    @Test
    void aBoundThatLeavesAPerCorpBucketNoPermitIsRefusedNamingTheOptionAndTheBucket() {
        Map<String, String> o = new TreeMap<>(ContactsEndpoints.dingtalkUser(BASE));
        o.put("rate-limit.max-in-flight-per-tenant", "40");

        assertThatThrownBy(() -> DirectoryFetcher.boundingArrivals(o))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contacts.endpoint.rate-limit.max-in-flight-per-tenant = 40")
                .hasMessageContaining("'corp-api'")
                .hasMessageContaining("below 40");
    }
}
