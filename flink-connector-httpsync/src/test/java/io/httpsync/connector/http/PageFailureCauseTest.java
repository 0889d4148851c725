package io.httpsync.connector.http;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.fault.Fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Whether a page that failed for good failed for a lasting cause, which ends a bounded sync when
 * its window keeps failing with it, or a transient one, which is waited out: against the
 * simulator's Kuaishou, over real HTTP.
 */
class PageFailureCauseTest {
    private KuaishouSimulatorFixture fixture;
    private PageFetcher fetcher;
    private long now;

    @BeforeEach
    void start() {
        fixture = new KuaishouSimulatorFixture(50);
        now = fixture.sim.clock().now();
        Map<String, String> options = fixture.options();
        options.put("retry.max-attempts", "2");
        EndpointSpec spec = EndpointSpec.fromOptions(options);
        fetcher =
                new PageFetcher(
                        spec,
                        HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1),
                        FetchListener.NONE);
    }

    @AfterEach
    void stop() throws Exception {
        fetcher.close();
        fixture.close();
    }

    private ExceptionEvent failure(Tenant tenant) throws Exception {
        Throwable error =
                catchThrowable(
                        () ->
                                fetcher.fetch(
                                                tenant,
                                                now - KuaishouSimulatorFixture.DAY,
                                                now,
                                                fetcher.pagination().first())
                                        .get(20, TimeUnit.SECONDS));
        assertThat(error)
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RequestFailedException.class);
        return ((RequestFailedException) error.getCause()).event();
    }

    @Test
    void aTokenEndpointThatRefusesAWrongAppSecretIsALastingCause() throws Exception {
        Tenant typo =
                Tenant.of(
                        KuaishouSimulatorFixture.SHOP,
                        Map.of(
                                "app-key",
                                KuaishouSimulatorFixture.APP_KEY,
                                "app-secret",
                                "AppSecret-012345678O",
                                "sign-secret",
                                KuaishouSimulatorFixture.SIGN_SECRET));

        ExceptionEvent event = failure(typo);

        assertThat(event.message())
                .contains("token endpoint for tenant 'shop-1'")
                .doesNotContain("AppSecret-012345678O");
        assertThat(event.httpStatus()).as("the token endpoint's answer").isPositive();
        assertThat(WindowFailure.of(event).transientCause()).isFalse();
    }

    @Test
    void aWrongSignSecretIsALastingCause() throws Exception {
        Tenant typo =
                Tenant.of(
                        KuaishouSimulatorFixture.SHOP,
                        Map.of(
                                "app-key",
                                KuaishouSimulatorFixture.APP_KEY,
                                "app-secret",
                                KuaishouSimulatorFixture.APP_SECRET,
                                "sign-secret",
                                "SignSecret-987654321O"));

        assertThat(WindowFailure.of(failure(typo)).transientCause()).isFalse();
    }

    @Test
    void htmlPagesOrTruncatedJsonEveryTimeAreALastingCauseAndServerErrorsATransientOne()
            throws Exception {
        fixture.kuaishou.faults().probability(Fault.HTML_PAGE, 1.0);
        assertThat(WindowFailure.of(failure(fixture.tenant())).transientCause()).isFalse();

        fixture.kuaishou.faults().clear();
        fixture.kuaishou.faults().probability(Fault.MALFORMED_JSON, 1.0);
        assertThat(WindowFailure.of(failure(fixture.tenant())).transientCause()).isFalse();

        fixture.kuaishou.faults().clear();
        fixture.kuaishou.faults().probability(Fault.SERVER_ERROR, 1.0);
        assertThat(WindowFailure.of(failure(fixture.tenant())).transientCause()).isTrue();
    }
}
