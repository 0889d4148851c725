package io.httpsync.simulator.limit;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Limits per tenant, and a single tenant's own limit above the others'. */
class RateLimitsTest {
    private static final String API = "open.order.cursor.list";

    /** How many of {@code n} requests of {@code tenant} at one instant are accepted. */
    private static int accepted(RateLimits limits, String tenant, int n, long now) {
        int accepted = 0;
        for (int i = 0; i < n; i++)
            if (limits.check(now, "app", tenant, API, "127.0.0.1").accepted()) accepted++;
        return accepted;
    }

    @Test
    void aTenantRaisedTo100PerSecondGets100WhileTheOthersKeepTheRulesTen() {
        RateLimits limits =
                new RateLimits(
                        List.of(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, 10)));
        limits.setTenantLimit("user-api-qps", "large", 100);

        assertThat(accepted(limits, "small", 30, 1_000)).isEqualTo(10);
        assertThat(accepted(limits, "large", 300, 1_000)).isEqualTo(100);
        LimitDecision refused = limits.check(1_000, "app", "large", API, "127.0.0.1");
        assertThat(refused.accepted()).isFalse();
        assertThat(refused.rule().limit())
                .as("the refusal names the tenant's limit")
                .isEqualTo(100);

        limits.set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, 20));
        assertThat(accepted(limits, "small", 30, 5_000)).isEqualTo(20);
        assertThat(accepted(limits, "large", 300, 5_000))
                .as("the tenant's own limit outlives setting the rule again")
                .isEqualTo(100);
    }

    @Test
    void onlyARuleCountedPerTenantTakesATenantsOwnLimit() {
        RateLimits limits =
                new RateLimits(List.of(LimitRule.perSecond("app-api-qps", LimitScope.APP_API, 10)));
        assertThatThrownBy(() -> limits.setTenantLimit("app-api-qps", "large", 100))
                .hasMessageContaining("'app-api-qps' counts per APP_API");
        assertThatThrownBy(() -> limits.setTenantLimit("user-api-qps", "large", 100))
                .hasMessageContaining("no limit rule named 'user-api-qps'");
    }
}
