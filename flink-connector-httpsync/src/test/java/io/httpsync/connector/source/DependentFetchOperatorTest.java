package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.ratelimit.JobBudget;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.beisen.BeisenSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dependent fetch operator's dedupe in time, in an operator test harness whose processing time
 * the test sets, against the simulator's Beisen-style organization detail API: an id fetched once
 * is not fetched again while it is fresh, whichever parent refers to it, and is fetched again once
 * {@code dependent.ttl} has passed since its last fetch, with no parent changing. The requests are
 * counted by the simulator.
 */
class DependentFetchOperatorTest {
    private static final String CORP = "corp-ttl";
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final long T0 = 1_000_000_000L;

    private Simulator sim;
    private long orgId;
    private KeyedOneInputStreamOperatorTestHarness<String, ChildRequest, RawRecord> harness;

    @BeforeEach
    void start() throws Exception {
        sim = new Simulator(5);
        BeisenSim beisen = sim.add(BeisenSim::new);
        Directory directory =
                beisen.addTenant(
                        CORP,
                        new ContactsPlatformSim.Credentials("app-ttl", "secret-ttl"),
                        DirectorySpec.of(3, 6));
        sim.start(0);
        orgId = directory.snapshot().departments().get(0).id();
        DependentEndpoint detail =
                DependentEndpoint.detailPerId(
                                DependentEndpointITCase.organizationDetail(
                                        sim.baseUrl(BeisenSim.NAME)),
                                "/oIdOrganization")
                        .ttl(TTL)
                        .build();
        List<Tenant> tenants =
                List.of(Tenant.of(CORP, Map.of("app-key", "app-ttl", "app-secret", "secret-ttl")));
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new DependentFetchOperator.Factory(
                                detail, DependentTenants.Spec.of(tenants), "test-budget"),
                        ChildRequest::key,
                        Types.STRING);
        harness.setProcessingTime(T0);
        harness.setup();
        // the test plays the operator's coordinator: the job's budget, with this one instance
        JobBudget budget = new JobBudget(detail.endpoint().rateLimits());
        ((DependentFetchOperator) harness.getOperator())
                .setBudgetChannel(
                        request -> {
                            if (!(request instanceof DependentBudgetCoordinator.Report report))
                                return CompletableFuture.completedFuture(null);
                            budget.report(0, report.report());
                            return CompletableFuture.completedFuture(budget.allotmentsToSend(0));
                        });
        harness.open();
    }

    @AfterEach
    void stop() throws Exception {
        if (harness != null) harness.close();
        sim.close();
    }

    @Test
    void anIdFetchedOnceIsFetchedAgainOnlyAfterItsTtlHasPassedWithNoParentChanging()
            throws Exception {
        refer("employee-1", T0);
        assertThat(detailRequests()).as("the first reference fetches").isEqualTo(1);
        assertThat(harness.extractOutputValues()).hasSize(1);

        refer("employee-1", T0 + TTL.toMillis() - 1);
        refer("employee-2", T0 + TTL.toMillis() - 1);
        assertThat(detailRequests())
                .as("within the TTL, neither the same parent nor a new one fetches again")
                .isEqualTo(1);

        refer("employee-1", T0 + TTL.toMillis());
        assertThat(detailRequests())
                .as("once the TTL has passed, it is fetched again")
                .isEqualTo(2);
        assertThat(harness.extractOutputValues())
                .extracting(r -> r.id)
                .containsExactly(Long.toString(orgId), Long.toString(orgId));

        refer("employee-2", T0 + 2 * TTL.toMillis() - 1);
        assertThat(detailRequests())
                .as("the TTL counts from the last fetch, not the first")
                .isEqualTo(2);
        assertThat(harness.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)).isNull();
    }

    /**
     * A parent (same version every time: it does not change) refers to the organization at {@code
     * processingTime}; returns once every fetch it started has completed (as before a checkpoint).
     */
    private void refer(String parent, long processingTime) throws Exception {
        harness.setProcessingTime(processingTime);
        harness.processElement(
                new StreamRecord<>(new ChildRequest(CORP, Long.toString(orgId), parent, 7L, 0, 1)));
        harness.prepareSnapshotPreBarrier(processingTime);
    }

    private long detailRequests() {
        return sim.accounting().endpoint(BeisenSim.NAME + "/" + BeisenSim.ORGANIZATION).served();
    }
}
