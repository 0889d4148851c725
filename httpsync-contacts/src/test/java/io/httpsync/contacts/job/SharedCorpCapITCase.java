package io.httpsync.contacts.job;

import io.httpsync.connector.testutil.RedisExtension;
import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.fetch.CorpGate;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.contacts.testutil.ManyCorps;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cap on corps in flight held across two contacts jobs through Redis: with {@code
 * contacts.endpoint.rate-limit.backend = redis}, two syncs of different corps of one platform and
 * egress IP (the simulator sees every request from 127.0.0.1) together have no more corps in flight
 * than the cap, as the simulator counted them, and every corp lands equal to ground truth.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedCorpCapITCase {
    private static final Databases DATABASES = Databases.shared();

    @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

    private static Properties config(ManyCorps corps, Databases.Target db, List<String> ids) {
        Map<String, String> c = corps.config(db, ids);
        c.put("contacts.endpoint.rate-limit.backend", "redis");
        c.put("contacts.endpoint.rate-limit.redis.uri", REDIS.uri());
        c.put("contacts.corps-in-flight.dingtalk", "2");
        c.put("contacts.corps-in-flight-lease", "5 s");
        // each job alone would run all four of its corps at once: its threads are not the cap
        c.put("contacts.corp-concurrency", "4");
        Properties p = new Properties();
        p.putAll(c);
        return p;
    }

    @Test
    void twoJobsSharingRedisHaveAtMostTheCapOfCorpsInFlightTogetherAndLandEqualToGroundTruth()
            throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ManyCorps corps =
                new ManyCorps(ContactsPlatform.DINGTALK, "cap", 8, ManyCorps::smallToLarge)) {
            List<List<String>> halves =
                    List.of(corps.corpIds.subList(0, 4), corps.corpIds.subList(4, 8));
            // a job of two subtasks keeps the shared cap whole (without Redis, each takes half)
            try (ContactsSync subtask =
                    ContactsSync.fromProperties(config(corps, db, halves.get(0)), "subtask", 2)) {
                assertThat(subtask.gates())
                        .singleElement()
                        .satisfies(g -> assertThat(g.shared()).isTrue())
                        .extracting(CorpGate::cap)
                        .isEqualTo(2);
            }
            List<ContactsSync> syncs = new ArrayList<>();
            try {
                for (List<String> half : halves)
                    syncs.add(
                            ContactsSync.fromProperties(
                                    config(corps, db, half), "job " + syncs.size()));
                syncs.get(0).createTables();
                long start = System.currentTimeMillis();
                List<CompletableFuture<List<ContactsSync.Outcome>>> runs = new ArrayList<>();
                for (ContactsSync s : syncs) {
                    String runId = "shared-cap-" + runs.size();
                    runs.add(
                            CompletableFuture.supplyAsync(
                                    () -> {
                                        try {
                                            return s.run(
                                                    runId, ContactsWriter.ProgressListener.NONE);
                                        } catch (Exception e) {
                                            throw new IllegalStateException(e);
                                        }
                                    }));
                }
                for (CompletableFuture<List<ContactsSync.Outcome>> r : runs) {
                    for (ContactsSync.Outcome o : r.get(90, TimeUnit.SECONDS))
                        assertThat(o.report().status())
                                .as(o.corp().corpId() + ": " + o.report().message())
                                .hasToString("OK");
                }
                for (int j = 0; j < 2; j++) {
                    for (String id : halves.get(j)) {
                        DirectoryComparison cmp = corps.compareWithTruth(syncs.get(j), id);
                        assertThat(cmp.examples()).as(id).isEmpty();
                        assertThat(cmp.equal()).as(id).isTrue();
                    }
                }
                long elapsed = System.currentTimeMillis() - start;
                int together = corps.sim.accounting().peakTenantsInFlight(DingTalkSim.NAME);
                System.out.printf(
                        "two jobs, cap 2 in Redis, 8 corps in %d ms: at most %d corps in flight at the platform (job 0 %d, job 1 %d)%n",
                        elapsed,
                        together,
                        syncs.get(0).gates().get(0).peakInFlight(),
                        syncs.get(1).gates().get(0).peakInFlight());
                assertThat(corps.refused()).as("requests the simulator refused").isZero();
                // each job's own cap of 2 would allow 4 together
                assertThat(together).as("corps in flight at once, both jobs").isBetween(1, 2);
            } finally {
                for (ContactsSync s : syncs) s.close();
            }
        }
    }
}
