package io.httpsync.contacts.fetch;

import io.httpsync.connector.http.FetchListener;
import io.httpsync.contacts.testutil.ContactsSimulation;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.feishu.FeishuSim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fetchers through the connector's machinery against the simulator: limits kept, tokens that
 * die early and broken answers survived, and the directory read equal to ground truth.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DirectoryFetcherITCase {
    private static final Map<String, String> QUICK_RETRIES =
            Map.of("retry.initial-backoff", "20 ms", "retry.max-attempts", "8");

    @Test
    void
            feishusPerSecondLimitIsNeverExceededWhileEveryDepartmentIsListedAtOnceAndTheRootsHeadsAreRead()
                    throws Exception {
        try (ContactsSimulation sim =
                        new ContactsSimulation(
                                ContactsPlatform.FEISHU,
                                "corp-many",
                                DirectorySpec.of(80, 120).maxDepth(3).seed(2));
                DirectoryFetcher fetcher =
                        DirectoryFetcher.of(
                                ContactsPlatform.FEISHU,
                                sim.baseUrl(),
                                FetchListener.NONE,
                                Map.of())) {
            // the root, which no list shows, has heads of its own: read from its own API
            List<Long> users =
                    sim.directory().snapshot().users().stream().map(Employee::id).limit(2).toList();
            sim.directory().setDepartmentHeads(Directory.ROOT_ID, users);

            DirectoryFetcher.Result r = fetcher.fetch(sim.corp().tenant());

            assertThat(r.failure()).isNull();
            assertThat(r.directory()).isEqualTo(sim.truth(fetcher));
            assertThat(r.directory().departments().get("0").headIds()).hasSize(2);
            // 80 member listings (every department, the root included) at once against 50 a second
            // per API
            assertThat(
                            sim.sim
                                    .accounting()
                                    .endpoint(
                                            FeishuSim.NAME
                                                    + "/"
                                                    + FeishuSim.USERS_FIND_BY_DEPARTMENT)
                                    .served())
                    .isGreaterThanOrEqualTo(80);
            assertThat(sim.sim.accounting().totalRefused())
                    .as("requests refused by the simulator's limits")
                    .isZero();
        }
    }

    @Test
    void tokensThatDieEarlyAndBrokenAnswersAreRetriedAndTheDirectoryIsStillReadWhole()
            throws Exception {
        AtomicInteger tokensFetched = new AtomicInteger();
        try (ContactsSimulation sim =
                        new ContactsSimulation(
                                ContactsPlatform.WECOM,
                                "corp-w",
                                DirectorySpec.of(15, 40).seed(4));
                DirectoryFetcher fetcher =
                        DirectoryFetcher.of(
                                ContactsPlatform.WECOM,
                                sim.baseUrl(),
                                new FetchListener() {
                                    @Override
                                    public void onTokenFetched(String tenantId) {
                                        tokensFetched.incrementAndGet();
                                    }
                                },
                                QUICK_RETRIES)) {
            sim.platformSim
                    .faults()
                    .probability(Fault.TOKEN_EXPIRED, 0.2)
                    .probability(Fault.SERVER_ERROR, 0.1)
                    .probability(Fault.MALFORMED_JSON, 0.1);

            DirectoryFetcher.Result r = fetcher.fetch(sim.corp().tenant());

            assertThat(r.failure()).isNull();
            assertThat(r.directory()).isEqualTo(sim.truth(fetcher));
            assertThat(tokensFetched.get())
                    .as("tokens fetched again after they died")
                    .isGreaterThan(1);
        }
    }

    @Test
    void dingTalksTokenRequestTakesAPermitFromThePerIpBucketThatItsDataRequestsDrawFrom()
            throws Exception {
        String ipKey = DingTalkSim.NAME + "/" + DingTalkSim.IP_RULE + ":127.0.0.1";
        try (ContactsSimulation sim =
                new ContactsSimulation(
                        ContactsPlatform.DINGTALK,
                        "corp-d",
                        DirectorySpec.of(3, 10).maxDepth(2).seed(6))) {
            CompletableFuture<DirectoryFetcher.Result> run;
            // three permits per IP now and the next in minutes: DingTalk counts the token request
            // against the IP like any request, so it must take one of the three
            try (DirectoryFetcher fetcher =
                    DirectoryFetcher.of(
                            ContactsPlatform.DINGTALK,
                            sim.baseUrl(),
                            FetchListener.NONE,
                            Map.of(
                                    "rate-limit.bucket.ip.permits", "3",
                                    "rate-limit.bucket.ip.period", "10 min",
                                    "rate-limit.bucket.ip.burst", "3"))) {
                run = CompletableFuture.supplyAsync(() -> fetcher.fetch(sim.corp().tenant()));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (sim.sim.accounting().limitKey(ipKey).served() < 3
                        && System.nanoTime() < deadline) Thread.sleep(20);
                // time for a fourth request, had the token request not taken a permit
                Thread.sleep(1000);

                assertThat(sim.sim.accounting().limitKey(ipKey).served())
                        .as("requests counted against the IP: the token request and two others")
                        .isEqualTo(3);
                assertThat(
                                sim.sim
                                        .accounting()
                                        .endpoint(DingTalkSim.NAME + "/" + DingTalkSim.GETTOKEN)
                                        .served())
                        .isEqualTo(1);
                assertThat(run).isNotDone();
            }
            // closing the fetcher ends the corp's run, incomplete
            assertThat(run.get(30, TimeUnit.SECONDS).complete()).isFalse();
        }
    }

    @Test
    void
            aLargeDingTalkCorpsUserDetailsNeverReachTheSimulatorFasterThanItsPerCorpLimitWhenSomeArriveLate()
                    throws Exception {
        Accounting.Stats userGet = userGetArrivals(Map.of());
        assertThat(userGet.maxPerSecond())
                .as("user/get requests of the corp arriving within one second")
                .isLessThanOrEqualTo(40);
        assertThat(userGet.refused()).as("user/get requests refused").isZero();
    }

    @Test
    void withoutTheBoundOnRequestsInFlightTheSameLateArrivalsExceedThePerCorpLimit()
            throws Exception {
        // the test above could not fail otherwise: unbounded, the late first requests of new
        // connections arrive with those granted after them
        assertThat(
                        userGetArrivals(Map.of("rate-limit.max-in-flight-per-tenant", "0"))
                                .maxPerSecond())
                .isGreaterThan(40);
    }

    /**
     * 150 {@code user/get} requests of one corp asked for at once, the simulator holding the first
     * request of each new connection 600 ms before counting it (the limit 40 a second, refusals
     * retried at once): what the simulator saw of them.
     */
    private static Accounting.Stats userGetArrivals(Map<String, String> overrides)
            throws Exception {
        Map<String, String> o = new TreeMap<>(overrides);
        o.put("retry.initial-backoff", "1 ms");
        o.put("retry.max-attempts", "20");
        try (ContactsSimulation sim =
                        new ContactsSimulation(
                                ContactsPlatform.DINGTALK,
                                "corp-large",
                                DirectorySpec.of(4, 150).maxDepth(2).seed(7));
                DirectoryFetcher fetcher =
                        DirectoryFetcher.of(
                                ContactsPlatform.DINGTALK, sim.baseUrl(), FetchListener.NONE, o)) {
            sim.sim.newConnectionDelay(Duration.ofMillis(600));

            DirectoryFetcher.Result r = fetcher.fetch(sim.corp().tenant());

            assertThat(r.failure()).isNull();
            assertThat(r.directory()).isEqualTo(sim.truth(fetcher));
            Accounting.Stats userGet =
                    sim.sim
                            .accounting()
                            .limitKey(
                                    DingTalkSim.NAME
                                            + "/"
                                            + DingTalkSim.CORP_API_RULE
                                            + ":corp-large/"
                                            + DingTalkSim.USER_GET);
            assertThat(userGet.served()).isGreaterThanOrEqualTo(150);
            return userGet;
        }
    }
}
