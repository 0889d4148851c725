package io.httpsync.contacts.job;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.testutil.RedisExtension;
import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.contacts.testutil.ManyCorps;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.wecom.WeComSim;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many corps of one platform at once on one egress IP (the simulator sees every request from
 * 127.0.0.1), each corp small, within the platform's limits per corp and API (as the platform's)
 * and per IP: all land equal to ground truth, the simulator refuses nothing, its peak per-IP count
 * stays within the limit, and no more corps are in flight than the cap (counted at the simulator:
 * corps whose first-to-last request spans overlap).
 *
 * <p>The per-IP limits are scaled down here (on both sides, the simulator's and the client's
 * buckets), so that small corps reach them within seconds on a loaded 2-core machine: sixty corps
 * on DingTalk through the Flink job, thirty on WeCom, twelve in two jobs sharing Redis (each corp
 * more costs build time and shows nothing new); the platforms' own numbers, with sixty corps small
 * to large, are in {@code ContactsCorpsBenchmark} (docs/benchmarks.md). The ban on exceeding them
 * is the platform's (DingTalk: 5 minutes; WeCom: the window).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ManyCorpsITCase {
    private static final Databases DATABASES = Databases.shared();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

    private static List<CorpRunOutcome> runBounded(ContactsJob job) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        CloseableIterator<CorpRunOutcome> it =
                job.addTo(env, CorpRunFunction.Progress.NONE).collectAsync();
        JobClient client = env.executeAsync(job.jobName());
        List<CorpRunOutcome> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(out::add);
        }
        client.getJobExecutionResult().get();
        return out;
    }

    /** The client's DingTalk per-IP bucket as the simulator's: {@code permits} per 2 s. */
    private static void dingTalkIpBucket(Map<String, String> c, int permits, int burst) {
        c.put("contacts.endpoint.rate-limit.bucket.ip.permits", String.valueOf(permits));
        c.put("contacts.endpoint.rate-limit.bucket.ip.period", "2 s");
        c.put("contacts.endpoint.rate-limit.bucket.ip.burst", String.valueOf(burst));
        jitterRoom(c);
    }

    /**
     * The client's buckets are the platform's limits; what they leave unused ({@code
     * rate-limit.utilization}) absorbs the delay between a grant and its arrival at the platform.
     * The default 3% is ~50 ms of a 2 s window; on this loaded 2-core machine (client, simulator
     * and Flink in one JVM) a request is sometimes held longer, and the requests granted before it
     * are then counted with the next window's: one more than the limit in a window, and DingTalk
     * bans the IP for 5 minutes. 10% is ~200 ms.
     */
    private static void jitterRoom(Map<String, String> c) {
        c.put("contacts.endpoint.rate-limit.utilization", "0.9");
    }

    private static void dingTalkIpLimit(ManyCorps corps, int permits) {
        corps.platformSim
                .limits()
                .set(
                        new LimitRule(
                                DingTalkSim.IP_RULE,
                                LimitScope.IP,
                                permits,
                                Duration.ofSeconds(2),
                                Duration.ofMinutes(5)));
    }

    private static void assertAllEqualToGroundTruth(
            ManyCorps corps, ContactsSync sync, List<String> ids) throws Exception {
        for (String id : ids) {
            DirectoryComparison cmp = corps.compareWithTruth(sync, id);
            assertThat(cmp.examples()).as(id).isEmpty();
            assertThat(cmp.equal()).as(id).isTrue();
        }
    }

    @Test
    void sixtyDingTalkCorpsLandUnderThePerIpLimitFewAtATimeWhileAFailingAndASlowCorpBlockNone()
            throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        // a platform that answers every request after 3 s, with a 503: a slow corp that then fails
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.createContext(
                "/",
                exchange -> {
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exchange.sendResponseHeaders(503, -1);
                    exchange.close();
                });
        slow.start();
        try (ManyCorps corps =
                new ManyCorps(ContactsPlatform.DINGTALK, "dt", 60, ManyCorps::smallToLarge)) {
            dingTalkIpLimit(corps, 300);
            Map<String, String> c = corps.config(db, corps.corpIds);
            corps.addCorp(c, "dt-bad", corps.baseUrl(), "key-dt-bad", "not-the-secret-xyz");
            corps.addCorp(
                    c,
                    "dt-slow",
                    "http://127.0.0.1:" + slow.getAddress().getPort() + "/dingtalk",
                    "key-slow",
                    "secret-of-slow");
            // the client's per-IP bucket is the platform's: its token requests (one per corp, 62
            // here, and the bad corp's retries), which DingTalk counts against the IP too, take
            // permits from it as the data requests do
            dingTalkIpBucket(c, 300, 20);
            // 300 per 2 s = 9,000 a minute; at 500 requests per corp a minute: 18 corps at
            // once, 9 on each of the job's two subtasks
            c.put("contacts.requests-per-corp-per-minute", "500");
            c.put("contacts.corp-concurrency", "10");
            c.put("contacts.parallelism", "2");
            c.put("contacts.verify", "true");
            c.put("contacts.endpoint.retry.max-attempts", "2");
            ContactsJob job = new ContactsJob(c, "test");
            job.createTables();

            long start = System.currentTimeMillis();
            List<CorpRunOutcome> outcomes = runBounded(job);
            long elapsed = System.currentTimeMillis() - start;

            assertThat(outcomes).hasSize(62);
            for (CorpRunOutcome o : outcomes) {
                if (o.corpId().equals("dt-bad") || o.corpId().equals("dt-slow")) {
                    assertThat(o.status())
                            .as(o.corpId())
                            .isEqualTo(CorpRunOutcome.Status.INCOMPLETE);
                    assertThat(o.events()).as(o.corpId()).hasSize(1);
                    ExceptionEvent e = o.events().get(0);
                    assertThat(e.tenantId()).isEqualTo(o.corpId());
                    assertThat(e.toString() + e.message())
                            .doesNotContain("not-the-secret-xyz", "secret-of-slow");
                    continue;
                }
                assertThat(o.status())
                        .as(o.corpId() + ": " + o.message())
                        .isEqualTo(CorpRunOutcome.Status.OK);
                assertThat(o.missing() + o.wrong()).as(o.corpId()).isZero();
            }
            try (ContactsSync sync = job.sync()) {
                assertAllEqualToGroundTruth(corps, sync, corps.corpIds);
            }
            int peak = corps.platformSim.limits().peak(DingTalkSim.IP_RULE);
            int inFlight = corps.sim.accounting().peakTenantsInFlight(DingTalkSim.NAME);
            System.out.printf(
                    "60 DingTalk corps in %d ms: peak per IP %d of 300 per 2 s, at most %d per second; "
                            + "at most %d corps in flight at the platform%n",
                    elapsed,
                    peak,
                    corps.sim
                            .accounting()
                            .limitKey("dingtalk/" + DingTalkSim.IP_RULE + ":127.0.0.1")
                            .maxPerSecond(),
                    inFlight);
            assertThat(corps.refused())
                    .as("requests the simulator refused: %s", corps.refusals())
                    .isZero();
            assertThat(peak).isPositive().isLessThanOrEqualTo(300);
            assertThat(inFlight).as("corps in flight at once").isBetween(2, 18);
        } finally {
            slow.stop(0);
        }
    }

    @Test
    void sixtyWeComCorpsLandWithinAScaledDownHourlyPerIpLimitThatBindsWithinTheTest()
            throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ManyCorps corps =
                new ManyCorps(ContactsPlatform.WECOM, "wc", 30, ManyCorps::smallToLarge)) {
            // an "hour" of 4 s allowing 60 per IP and API, a "minute" of 1 s allowing 30: the
            // hour binds (12/s against 20/s), as 1,200,000 an hour binds before 40,000 a minute
            ((WeComSim) corps.platformSim)
                    .scaledIpLimits(30, Duration.ofSeconds(1), 60, Duration.ofSeconds(4));
            Map<String, String> c = corps.config(db, corps.corpIds);
            c.put("contacts.endpoint.rate-limit.bucket.ip-minute.permits", "30");
            c.put("contacts.endpoint.rate-limit.bucket.ip-minute.period", "1 s");
            c.put("contacts.endpoint.rate-limit.bucket.ip-minute.burst", "10");
            c.put("contacts.endpoint.rate-limit.bucket.ip-hour.permits", "60");
            c.put("contacts.endpoint.rate-limit.bucket.ip-hour.period", "4 s");
            c.put("contacts.endpoint.rate-limit.bucket.ip-hour.burst", "10");
            jitterRoom(c);
            // 60 per 4 s = 900 a minute; at 150 requests per corp a minute: 6 corps at once
            c.put("contacts.requests-per-corp-per-minute", "150");
            c.put("contacts.corp-concurrency", "8");
            Properties p = new Properties();
            p.putAll(c);
            try (ContactsSync sync = ContactsSync.fromProperties(p, "test")) {
                sync.createTables();
                assertThat(sync.gates()).singleElement().extracting(g -> g.cap()).isEqualTo(6);
                long start = System.currentTimeMillis();
                List<ContactsSync.Outcome> outcomes =
                        sync.run("many-wecom", ContactsWriter.ProgressListener.NONE);
                long elapsed = System.currentTimeMillis() - start;
                for (ContactsSync.Outcome o : outcomes)
                    assertThat(o.report().status())
                            .as(o.corp().corpId() + ": " + o.report().message())
                            .hasToString("OK");
                assertAllEqualToGroundTruth(corps, sync, corps.corpIds);
                long userLists =
                        corps.sim
                                .accounting()
                                .limitKey("wecom/ip-api-hour:127.0.0.1/" + WeComSim.USER_LIST)
                                .served();
                System.out.printf(
                        "30 WeCom corps in %d ms: %d user/list requests, peak per IP and API %d of 60 per 4 s and %d of 30 per 1 s; "
                                + "at most %d corps in flight (gate: %d)%n",
                        elapsed,
                        userLists,
                        corps.platformSim.limits().peak("ip-api-hour"),
                        corps.platformSim.limits().peak("ip-api-minute"),
                        corps.sim.accounting().peakTenantsInFlight(WeComSim.NAME),
                        sync.gates().get(0).peakInFlight());
                assertThat(corps.refused())
                        .as("requests the simulator refused: %s", corps.refusals())
                        .isZero();
                assertThat(userLists)
                        .as("more than one 'hour' of the limit: the hour window bound")
                        .isGreaterThan(60);
                assertThat(corps.platformSim.limits().peak("ip-api-hour")).isLessThanOrEqualTo(60);
                assertThat(corps.platformSim.limits().peak("ip-api-minute"))
                        .isLessThanOrEqualTo(30);
                assertThat(sync.gates().get(0).peakInFlight()).isBetween(2, 6);
                assertThat(corps.sim.accounting().peakTenantsInFlight(WeComSim.NAME))
                        .isBetween(2, 6);
            }
        }
    }

    @Test
    void twoJobsSharingRedisStayUnderThePerIpLimitTogether() throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ManyCorps corps =
                new ManyCorps(ContactsPlatform.DINGTALK, "rd", 12, ManyCorps::smallToLarge)) {
            // 60 per 2 s over both: either job alone could go at its corps' 40/s per API each
            dingTalkIpLimit(corps, 60);
            List<ContactsSync> syncs = new ArrayList<>();
            try {
                for (List<String> half :
                        List.of(corps.corpIds.subList(0, 6), corps.corpIds.subList(6, 12))) {
                    Map<String, String> c = corps.config(db, half);
                    // the platform's limit: token requests take permits from it too
                    dingTalkIpBucket(c, 60, 10);
                    c.put("contacts.endpoint.rate-limit.backend", "redis");
                    c.put("contacts.endpoint.rate-limit.redis.uri", REDIS.uri());
                    c.put("contacts.corps-in-flight.dingtalk", "3");
                    c.put("contacts.corp-concurrency", "3");
                    Properties p = new Properties();
                    p.putAll(c);
                    syncs.add(ContactsSync.fromProperties(p, "job " + syncs.size()));
                }
                syncs.get(0).createTables();
                List<CompletableFuture<List<ContactsSync.Outcome>>> runs = new ArrayList<>();
                for (ContactsSync s : syncs) {
                    runs.add(
                            CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            return s.run(
                                                    "redis-" + syncs.indexOf(s),
                                                    ContactsWriter.ProgressListener.NONE);
                                        } catch (Exception e) {
                                            throw new IllegalStateException(e);
                                        }
                                    }));
                }
                for (CompletableFuture<List<ContactsSync.Outcome>> r : runs) {
                    for (ContactsSync.Outcome o : r.get(180, TimeUnit.SECONDS))
                        assertThat(o.report().status())
                                .as(o.corp().corpId() + ": " + o.report().message())
                                .hasToString("OK");
                }
                assertAllEqualToGroundTruth(corps, syncs.get(0), corps.corpIds.subList(0, 6));
                assertAllEqualToGroundTruth(corps, syncs.get(1), corps.corpIds.subList(6, 12));
            } finally {
                for (ContactsSync s : syncs) s.close();
            }
            long served =
                    corps.sim
                            .accounting()
                            .limitKey("dingtalk/" + DingTalkSim.IP_RULE + ":127.0.0.1")
                            .served();
            int peak = corps.platformSim.limits().peak(DingTalkSim.IP_RULE);
            System.out.printf(
                    "two jobs through Redis: %d requests, peak per IP %d of 60 per 2 s%n",
                    served, peak);
            assertThat(corps.refused())
                    .as("requests the simulator refused: %s", corps.refusals())
                    .isZero();
            assertThat(served).as("several windows' worth: the limit bound").isGreaterThan(120);
            assertThat(peak).isLessThanOrEqualTo(60);
            assertThat(corps.sim.accounting().peakTenantsInFlight(DingTalkSim.NAME))
                    .as("the cap of 3 corps is shared by both jobs through Redis")
                    .isBetween(2, 3);
        }
    }
}
