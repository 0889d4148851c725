package io.httpsync.connector.ratelimit;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.source.enumerator.TenantWeights;
import io.httpsync.connector.testutil.RedisExtension;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashMap;
import java.util.Map;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tenant's own limit (its property {@code rate-limit.permits-per-second}) with the Redis backend,
 * on a real Redis server this test starts: the platform allows {@code shop-1} 2 requests per
 * second, below the endpoint's 10 per shop, and its property says so. A bounded job whose readers
 * keep their buckets in Redis pages that shop at its own limit: nothing is refused, and the sink
 * holds every record.
 */
class RedisTenantRateITCase {
    @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

    private static final int SHOP_OWN_LIMIT = 2;

    @Test
    void aShopsOwnLimitBelowTheEndpointsHoldsWithTheRedisBackend() throws Exception {
        try (RateLimitedKuaishou platform = new RateLimitedKuaishou(400, 2, 20, 100, 10)) {
            platform.fixture.kuaishou.limits().setTenantLimit("user-api-qps", SHOP, SHOP_OWN_LIMIT);
            Tenant shop = platform.tenants.get(0);
            Map<String, String> properties = new HashMap<>(shop.properties());
            properties.put(TenantWeights.RATE_PROPERTY, String.valueOf(SHOP_OWN_LIMIT));
            platform.tenants.set(0, Tenant.of(shop.id(), properties));
            Map<String, String> options = platform.options(0.9);
            options.put("rate-limit.backend", "redis");
            options.put("rate-limit.redis.uri", REDIS.uri());
            long end = System.currentTimeMillis() - 2 * 60_000; // before now less the lag
            long start = end - 4 * DAY;

            long records = platform.syncDistinctRecords(options, start, end, 2);

            assertThat(records).isEqualTo(platform.liveRecords(start, end));
            Accounting.Stats shopRequests =
                    platform.fixture
                            .sim
                            .accounting()
                            .limitKey(
                                    "kuaishou/user-api-qps:" + SHOP + "/" + KuaishouSim.ORDER_LIST);
            assertThat(shopRequests.served())
                    .as("requests enough to pass the shop's limit at the endpoint's")
                    .isGreaterThanOrEqualTo(4 * SHOP_OWN_LIMIT);
            assertThat(platform.totalRefused()).as("requests the platform refused").isZero();
            assertThat(shopRequests.maxPerSecond()).isLessThanOrEqualTo(SHOP_OWN_LIMIT);
        }
    }
}
