package io.httpsync.connector.http;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;

import org.apache.flink.testutils.logging.LoggerAuditingExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate-limited answers, token refusals and retries are summed up per tenant in one INFO line per
 * interval, with the last answer of each kind and no secret; nothing is written before the interval
 * is over, nor for a quiet tenant. Against the simulator's Kuaishou, over real HTTP.
 */
class FetchActivityLogTest {
    @RegisterExtension
    final LoggerAuditingExtension logs =
            new LoggerAuditingExtension(FetchActivityLog.class, Level.INFO);

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private KuaishouSimulatorFixture fixture;
    private PageFetcher fetcher;
    private FetchActivityLog activity;
    private long now;

    @BeforeEach
    void start() {
        fixture = new KuaishouSimulatorFixture(300);
        now = fixture.sim.clock().now();
        EndpointSpec spec = EndpointSpec.fromOptions(fixture.options());
        activity = new FetchActivityLog(spec.name(), Duration.ofSeconds(60), clock::get);
        fetcher =
                new PageFetcher(
                        spec, HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1), activity);
    }

    @AfterEach
    void stop() throws Exception {
        fetcher.close();
        fixture.close();
    }

    @Test
    void rateLimitingTokenRefusalsAndRetriesAreSummedUpPerTenantOncePerInterval() throws Exception {
        fixture.kuaishou
                .limits()
                .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, 2));
        fixture.kuaishou.faults().script(Fault.TOKEN_EXPIRED, Fault.SERVER_ERROR, Fault.TIMEOUT);
        List<CompletableFuture<Page>> pages = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pages.add(
                    fetcher.fetch(
                            fixture.tenant(),
                            now - (i + 1) * DAY,
                            now - i * DAY,
                            fetcher.pagination().first()));
        }
        for (CompletableFuture<Page> page : pages) page.get(30, TimeUnit.SECONDS);
        activity.logIfDue();
        assertThat(logs.getMessages()).as("nothing before the interval is over").isEmpty();

        clock.addAndGet(60_000);
        activity.logIfDue();
        activity.logIfDue();
        List<String> lines = logs.getMessages();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .contains("tenant 'shop-1' in the last PT1M")
                .containsPattern("\\d+ rate limited, waited PT")
                .contains("1 token refused, refreshed (last: HTTP 200, code 28")
                .containsPattern("retried after a transient failure \\(last: ")
                .doesNotContain(
                        KuaishouSimulatorFixture.APP_SECRET,
                        KuaishouSimulatorFixture.SIGN_SECRET,
                        fixture.kuaishou.tokens().current(KuaishouSimulatorFixture.SHOP).value());

        fixture.kuaishou.limits().clear();
        fetcher.fetch(fixture.tenant(), now - DAY, now, fetcher.pagination().first())
                .get(30, TimeUnit.SECONDS);
        clock.addAndGet(60_000);
        activity.logIfDue();
        assertThat(logs.getMessages()).as("a quiet interval writes nothing").hasSize(1);
    }
}
