package io.httpsync.contacts.job;

import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.testutil.ContactsSimulation;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.fault.Fault;

import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contacts sync as a Flink job on a MiniCluster, against the simulator and real databases:
 * bounded (each corp once, in parallel, progress and outcomes as operator metrics), continuous
 * (each corp again every interval, following a reorganization), a corp run failed mid-way and run
 * again after the job restarted, and failures stored as exception events without secrets.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ContactsJobITCase {
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();
    private static final Databases DATABASES = Databases.shared();

    /** What each corp's progress listener was told, in order (the MiniCluster runs in this JVM). */
    private static final Map<String, List<Integer>> DONE = new ConcurrentHashMap<>();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    static DirectorySpec spec(int departments, int users, long seed) {
        return DirectorySpec.of(departments, users)
                .maxDepth(3)
                .multiDepartmentShare(0.3)
                .multiHeadShare(0.4)
                .maxHeadsPerDepartment(3)
                .leaderCycles(2)
                .leaderCycleLength(3)
                .seed(seed);
    }

    static Map<String, String> config(Databases.Target db, ContactsSimulation... sims) {
        Map<String, String> c = new HashMap<>();
        c.put("jdbc.url", db.jdbcUrl());
        c.put("jdbc.user", db.user());
        c.put("jdbc.password", db.password());
        List<String> ids = new ArrayList<>();
        for (ContactsSimulation sim : sims) {
            ContactsSync.Corp corp = sim.corp();
            ids.add(corp.corpId());
            String p = "contacts.corp." + corp.corpId() + ".";
            c.put(p + "platform", corp.platform().id());
            c.put(p + "base-url", corp.baseUrl());
            c.put(p + "app-key", corp.tenant().property("app-key").orElseThrow());
            c.put(p + "app-secret", corp.tenant().property("app-secret").orElseThrow());
        }
        c.put("contacts.corps", String.join(",", ids));
        c.put("contacts.concurrency", "2");
        c.put("contacts.batch-size", "4");
        return c;
    }

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        return env;
    }

    /** Runs a bounded job to its end and returns its outcomes and id. */
    private static List<CorpRunOutcome> runBounded(
            ContactsJob job, StreamExecutionEnvironment env, List<JobID> id) throws Exception {
        CloseableIterator<CorpRunOutcome> it =
                job.addTo(
                                env,
                                (corp, done, total) ->
                                        DONE.computeIfAbsent(
                                                        corp, k -> new CopyOnWriteArrayList<>())
                                                .add(done))
                        .collectAsync();
        JobClient client = env.executeAsync(job.jobName());
        id.add(client.getJobID());
        List<CorpRunOutcome> out = new ArrayList<>();
        try (it) {
            it.forEachRemaining(out::add);
        }
        client.getJobExecutionResult().get();
        return out;
    }

    private static CorpDirectory stored(ContactsJob job, String corpId) throws Exception {
        try (ContactsSync sync = job.sync()) {
            return sync.stored(corpId);
        }
    }

    private static DirectoryComparison compareWithTruth(ContactsJob job, ContactsSimulation sim)
            throws Exception {
        try (ContactsSync sync = job.sync()) {
            return DirectoryComparison.compare(
                    sim.truth(sync.fetcher(sim.corp())), sync.stored(sim.corpId));
        }
    }

    /**
     * The job's metrics by identifier (the reporter's own map refuses identifiers that two of
     * Flink's groups share).
     */
    private static Map<String, Metric> metrics(JobID job) {
        Map<String, Metric> out = new HashMap<>();
        REPORTER.getMetricsByGroup()
                .forEach(
                        (group, byName) -> {
                            if (!job.toString().equals(group.getAllVariables().get("<job_id>")))
                                return;
                            byName.forEach(
                                    (name, m) -> out.put(group.getMetricIdentifier(name), m));
                        });
        return out;
    }

    private static Object metric(JobID job, String suffix) {
        List<Metric> found =
                metrics(job).entrySet().stream()
                        .filter(e -> e.getKey().endsWith(suffix))
                        .map(Map.Entry::getValue)
                        .toList();
        assertThat(found).as("metric *%s", suffix).hasSize(1);
        Metric m = found.get(0);
        return m instanceof Gauge<?> g ? g.getValue() : ((Counter) m).getCount();
    }

    private static long sumOfCounters(JobID job, String suffix) {
        return metrics(job).entrySet().stream()
                .filter(e -> e.getKey().endsWith(suffix))
                .mapToLong(e -> ((Counter) e.getValue()).getCount())
                .sum();
    }

    /**
     * Per run id of the corp: the sync log's rows, the run table's entities (-1 if the run was not
     * recorded, -2 if not OK), created, deleted, and the log rows the run record calls for (each
     * entity written or deleted, and one for the unchanged ones).
     */
    private static Map<String, int[]> runs(Databases.Target db, String corpId) throws Exception {
        Map<String, int[]> out = new HashMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT run_id, COUNT(*) FROM contacts_sync_log WHERE corp_id = '"
                                    + corpId
                                    + "' GROUP BY run_id")) {
                while (rs.next())
                    out.put(rs.getString(1), new int[] {rs.getInt(2), -1, -1, -1, -1});
            }
            try (ResultSet rs =
                    s.executeQuery(
                            "SELECT run_id, created + updated + unchanged + deleted, created, deleted, status, "
                                    + "created + updated + deleted + CASE WHEN unchanged > 0 THEN 1 ELSE 0 END "
                                    + "FROM contacts_sync_run WHERE corp_id = '"
                                    + corpId
                                    + "'")) {
                while (rs.next()) {
                    int[] r =
                            out.computeIfAbsent(
                                    rs.getString(1), k -> new int[] {0, -1, -1, -1, -1});
                    r[1] = rs.getString(5).equals("OK") ? rs.getInt(2) : -2;
                    r[2] = rs.getInt(3);
                    r[3] = rs.getInt(4);
                    r[4] = rs.getInt(6);
                }
            }
        }
        return out;
    }

    @Test
    void aBoundedJobSyncsEachCorpOnceEqualToGroundTruthWithProgressAndOutcomesAsOperatorMetrics()
            throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ContactsSimulation wecom =
                        new ContactsSimulation(ContactsPlatform.WECOM, "corp-bw", spec(8, 24, 5));
                ContactsSimulation feishu =
                        new ContactsSimulation(
                                ContactsPlatform.FEISHU, "corp-bf", spec(8, 24, 6))) {
            Map<String, String> c = config(db, wecom, feishu);
            c.put("contacts.parallelism", "2");
            c.put("contacts.verify", "true");
            ContactsJob job = new ContactsJob(c, "test");
            job.createTables();
            List<JobID> id = new ArrayList<>();

            List<CorpRunOutcome> outcomes = runBounded(job, environment(), id);

            assertThat(outcomes)
                    .extracting(CorpRunOutcome::corpId)
                    .containsExactlyInAnyOrder("corp-bw", "corp-bf");
            for (CorpRunOutcome o : outcomes) {
                assertThat(o.status()).as(o.message()).isEqualTo(CorpRunOutcome.Status.OK);
                assertThat(o.violations()).isZero();
                assertThat(o.cycles()).isPositive();
                assertThat(o.missing() + o.wrong()).as("tables against what was fetched").isZero();
                assertThat(o.events()).isEmpty();
            }
            for (ContactsSimulation sim : List.of(wecom, feishu)) {
                DirectoryComparison cmp = compareWithTruth(job, sim);
                assertThat(cmp.examples()).isEmpty();
                assertThat(cmp.equal()).isTrue();
                int size = cmp.departments() + cmp.employees();
                // progress: never falling, ending at every entity
                List<Integer> done = DONE.get(sim.corpId);
                assertThat(done).isSortedAccordingTo(Integer::compare).last().isEqualTo(size);
                assertThat(metric(id.get(0), ".contacts.corp." + sim.corpId + ".progress"))
                        .isEqualTo(1.0);
                assertThat(metric(id.get(0), ".contacts.corp." + sim.corpId + ".entitiesDone"))
                        .isEqualTo(size);
                assertThat(metric(id.get(0), ".contacts.corp." + sim.corpId + ".lastStatus"))
                        .isEqualTo(0);
            }
            assertThat(sumOfCounters(id.get(0), ".contacts.runsOk")).isEqualTo(2);
            assertThat(
                            sumOfCounters(id.get(0), ".contacts.runsFailed")
                                    + sumOfCounters(id.get(0), ".contacts.runsIncomplete"))
                    .isZero();
            assertThat(metrics(id.get(0)).keySet().stream().filter(k -> k.contains(".contacts.")))
                    .as(
                            "a few metrics per operator, two per platform and five per corp, none"
                                    + " per entity")
                    .hasSizeLessThanOrEqualTo(2 * 9 + 2 * 2 * 2 + 2 * 5);
            assertThat(sumOfCounters(id.get(0), ".contacts.requests"))
                    .isEqualTo(outcomes.stream().mapToLong(CorpRunOutcome::requests).sum())
                    .isPositive();
            assertThat(sumOfCounters(id.get(0), ".contacts.rowsWritten"))
                    .isEqualTo(outcomes.stream().mapToLong(CorpRunOutcome::rowsWritten).sum())
                    .isPositive();
            assertThat(sumOfCounters(id.get(0), ".contacts.hashesCompared"))
                    .as("no hashes stored yet")
                    .isZero();
        }
    }

    private static int okRuns(Databases.Target db, String corpId) throws Exception {
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT COUNT(*) FROM contacts_sync_run WHERE status = 'OK' AND corp_id = '"
                                        + corpId
                                        + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void awaitOkRuns(Databases.Target db, String corpId, int n) throws Exception {
        long deadline = System.currentTimeMillis() + 90_000;
        while (okRuns(db, corpId) < n) {
            assertThat(System.currentTimeMillis())
                    .as("%d OK runs of %s", n, corpId)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void
            aContinuousJobSyncsTheCorpAgainEveryIntervalAndFollowsAReorganizationLoggingEachEntityOncePerRun()
                    throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ContactsSimulation sim =
                new ContactsSimulation(ContactsPlatform.DINGTALK, "corp-cd", spec(8, 24, 7))) {
            Map<String, String> c = config(db, sim);
            c.put("contacts.mode", "continuous");
            c.put("contacts.interval", "1 s");
            c.put("contacts.checkpoint-interval", "500 ms");
            ContactsJob job = new ContactsJob(c, "test");
            job.createTables();
            StreamExecutionEnvironment env = environment();
            job.addTo(env, CorpRunFunction.Progress.NONE);
            JobClient client = env.executeAsync(job.jobName());
            int before;
            try {
                awaitOkRuns(db, sim.corpId, 2);
                sim.change();
                before = okRuns(db, sim.corpId);
                // the second OK run after the change began after the first one ended, so after the
                // change
                awaitOkRuns(db, sim.corpId, before + 2);
            } finally {
                client.cancel().get();
            }

            DirectoryComparison cmp = compareWithTruth(job, sim);
            assertThat(cmp.examples()).isEmpty();
            assertThat(cmp.equal()).isTrue();
            Map<String, int[]> runs = runs(db, sim.corpId);
            assertThat(runs.values().stream().filter(r -> r[1] >= 0))
                    .as("OK runs")
                    .hasSizeGreaterThanOrEqualTo(before + 2);
            int created = 0;
            int deleted = 0;
            for (Map.Entry<String, int[]> r : runs.entrySet()) {
                // a run cancelled with the job may have logged part of its entities and recorded
                // nothing
                if (r.getValue()[1] == -1) continue;
                assertThat(r.getValue()[0])
                        .as(
                                "run %s: each entity written logged once, the unchanged in one row",
                                r.getKey())
                        .isEqualTo(r.getValue()[4]);
                created += r.getValue()[2];
                deleted += r.getValue()[3];
            }
            int size = cmp.departments() + cmp.employees();
            assertThat(created)
                    .as("everything once, then the two hires")
                    .isEqualTo(size - 2 + 3 + 2);
            assertThat(deleted).as("two departures and a removed department").isEqualTo(3);
        }
    }

    @Test
    void aCorpRunThatFailsMidWayIsRunAgainAfterTheJobRestartsAndEndsEqualToGroundTruth()
            throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ContactsSimulation sim =
                new ContactsSimulation(ContactsPlatform.WECOM, "corp-mw", spec(8, 30, 8))) {
            ContactsJob job = new ContactsJob(config(db, sim), "test");
            job.createTables();
            try (Connection c = db.connect();
                    Statement s = c.createStatement()) {
                // the 12th employee row written fails its transaction (others are committed by
                // then), and the first
                // run's record cannot be written: the driver throws, the job fails in the middle of
                // the corp's run.
                // Sequences are not rolled back, so each fault happens once.
                s.execute("CREATE SEQUENCE employee_writes");
                s.execute(
                        "CREATE FUNCTION fail_employee() RETURNS trigger AS $$ BEGIN IF nextval('employee_writes') = 12 THEN "
                                + "RAISE EXCEPTION 'injected: the 12th employee write fails'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
                s.execute(
                        "CREATE TRIGGER fail_employee BEFORE INSERT ON contacts_employee FOR EACH ROW EXECUTE FUNCTION fail_employee()");
                s.execute("CREATE SEQUENCE run_records");
                // the failing record takes a second first, so that checkpoints (every 100 ms)
                // complete with the run in
                // flight: the restore re-issues it from the async operator's state, the source
                // having ended
                s.execute(
                        "CREATE FUNCTION fail_run() RETURNS trigger AS $$ BEGIN IF nextval('run_records') = 1 THEN "
                                + "PERFORM pg_sleep(1); RAISE EXCEPTION 'injected: the database went away'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
                s.execute(
                        "CREATE TRIGGER fail_run BEFORE INSERT ON contacts_sync_run FOR EACH ROW EXECUTE FUNCTION fail_run()");
            }
            Configuration restarts = new Configuration();
            restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
            restarts.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(200));
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(restarts);
            env.setParallelism(2);
            env.enableCheckpointing(100);
            job.addTo(env, CorpRunFunction.Progress.NONE);

            JobID id = env.execute(job.jobName()).getJobID();

            assertThat((Long) metric(id, ".lastCheckpointRestoreTimestamp"))
                    .as("restored from a checkpoint")
                    .isPositive();
            DirectoryComparison cmp = compareWithTruth(job, sim);
            assertThat(cmp.examples()).isEmpty();
            assertThat(cmp.equal()).isTrue();
            int size = cmp.departments() + cmp.employees();
            Map<String, int[]> runs = runs(db, sim.corpId);
            assertThat(runs).as("the failed run and the one after the restart").hasSize(2);
            int[] failed = runs.values().stream().filter(r -> r[1] == -1).findFirst().orElseThrow();
            int[] rerun = runs.values().stream().filter(r -> r[1] >= 0).findFirst().orElseThrow();
            assertThat(failed[0])
                    .as("entities the failed run committed")
                    .isPositive()
                    .isLessThan(size);
            assertThat(rerun[1]).as("the rerun accounts for each entity").isEqualTo(size);
            assertThat(rerun[0])
                    .as("the rerun logs each entity it writes once, the unchanged in one row")
                    .isEqualTo(rerun[4])
                    .isEqualTo(size - failed[0] + 1);
            assertThat(rerun[2])
                    .as("created by the rerun: what the failed run had not")
                    .isEqualTo(size - failed[0]);
            try (Connection c = db.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT last_value FROM run_records")) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("run records attempted: the failed one, the rerun's")
                        .isEqualTo(2);
            }
        }
    }

    @Test
    void
            aCorpWhoseListingFailedOrWhoseDeletionsWereRefusedLeavesAnExceptionEventWithItsContextAndNoSecret()
                    throws Exception {
        Databases.Target db = DATABASES.fresh("mariadb");
        try (ContactsSimulation broken =
                        new ContactsSimulation(ContactsPlatform.WECOM, "corp-ew", spec(6, 15, 9));
                ContactsSimulation shrinking =
                        new ContactsSimulation(
                                ContactsPlatform.DINGTALK, "corp-ed", spec(6, 15, 10))) {
            broken.platformSim.faults().probability(Fault.SERVER_ERROR, 1.0);
            Map<String, String> c = config(db, broken, shrinking);
            c.put("contacts.max-delete-ratio", "0");
            c.put("contacts.endpoint.retry.max-attempts", "2");
            c.put("contacts.endpoint.retry.initial-backoff", "20 ms");
            c.put("jdbc.events-table", "contacts_events");
            ContactsJob job = new ContactsJob(c, "test");
            job.createTables();

            List<CorpRunOutcome> first = runBounded(job, environment(), new ArrayList<>());
            shrinking.change();
            List<CorpRunOutcome> second = runBounded(job, environment(), new ArrayList<>());

            assertThat(first)
                    .filteredOn(o -> o.corpId().equals("corp-ew"))
                    .singleElement()
                    .satisfies(
                            o ->
                                    assertThat(o.status())
                                            .isEqualTo(CorpRunOutcome.Status.INCOMPLETE));
            assertThat(second)
                    .filteredOn(o -> o.corpId().equals("corp-ed"))
                    .singleElement()
                    .satisfies(
                            o -> {
                                assertThat(o.status()).isEqualTo(CorpRunOutcome.Status.OK);
                                assertThat(o.deletionsRefused()).isTrue();
                                assertThat(o.deleted()).isZero();
                            });
            List<Map<String, String>> events = new ArrayList<>();
            try (Connection conn = db.connect();
                    Statement s = conn.createStatement();
                    ResultSet rs =
                            s.executeQuery(
                                    "SELECT endpoint, tenant, window_start, window_end, position, http_status, platform_code, kind, "
                                            + "attempts, message FROM contacts_events ORDER BY event_time")) {
                while (rs.next()) {
                    Map<String, String> e = new HashMap<>();
                    for (int i = 1; i <= 10; i++)
                        e.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                    events.add(e);
                }
            }
            assertThat(events)
                    .filteredOn(e -> e.get("tenant").equals("corp-ew"))
                    .as("a failed listing in each run")
                    .hasSize(2)
                    .allSatisfy(
                            e -> {
                                assertThat(e.get("endpoint")).startsWith("wecom/");
                                assertThat(e.get("http_status"))
                                        .as("the platform's last answer")
                                        .startsWith("5");
                                assertThat(e.get("kind")).isEqualTo("RETRYABLE");
                                assertThat(e.get("attempts")).isEqualTo("2");
                                assertThat(e.get("position")).contains("department tree");
                                assertThat(e.get("window_start")).isEqualTo(e.get("window_end"));
                            });
            assertThat(events)
                    .filteredOn(e -> e.get("tenant").equals("corp-ed"))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.get("endpoint"))
                                        .isEqualTo("contacts/dingtalk/deletions");
                                assertThat(e.get("position")).startsWith("run ");
                                assertThat(e.get("message")).contains("refused", "nothing deleted");
                            });
            for (Map<String, String> e : events) {
                assertThat(String.join(" ", e.values().stream().map(String::valueOf).toList()))
                        .doesNotContain("secret-of-corp-ew", "secret-of-corp-ed");
            }
        }
    }
}
