package io.httpsync.e2e;

import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same job submitted and cancelled again and again in one session cluster leaves nothing
 * behind: after each cancel the TaskManager and JobManager run no thread of httpsync's (rate
 * limiter, HTTP clients, token clients, Redis), the TaskManager's live threads return to what they
 * were after the second job, and its live classes do not grow with every job (a job whose static
 * thread or registration outlived it would pin its class loader and all its classes; {@code
 * -Dlifecycle.heap-dump=<file>} keeps a heap dump of the TaskManager to find out what holds them).
 * The JDBC driver is in the cluster's lib/, as the job jar expects.
 */
class SessionClusterLifecycleIT {
    private static final int CYCLES = 4;
    private static final Pattern PERF_COUNTER =
            Pattern.compile(
                    "^(java\\.cls\\.(?:loadedClasses|unloadedClasses)|java\\.threads\\.live)=(\\d+)$");

    private final Path home =
            Path.of(System.getProperty("httpsync.e2e.home", "target/e2e"))
                    .toAbsolutePath()
                    .resolve("lifecycle");

    @Test
    void aJobSubmittedAndCancelledManyTimesLeavesNoThreadAndNoClassesBehind() throws Exception {
        Files.createDirectories(home);
        long start = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        try (Simulator sim = new Simulator(11);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.addTenant(
                    "life-shop",
                    KuaishouSim.credentials("life-app", "life-app-secret", "life-app-sign"),
                    DataSpec.of(3000, Duration.ofDays(2).toMillis()).seed(3));
            kuaishou.mutateContinuously("life-shop", new MutationRates(5, 1, 0.5));
            sim.start(0);
            var config =
                    ClusterEndToEndIT.dataStreamJobConfig(
                            "httpsync lifecycle",
                            "life-orders",
                            ClusterEndToEndIT.endpoint(sim.baseUrl("kuaishou"), "life-app"),
                            List.of("life-shop"),
                            ClusterEndToEndIT.tenantProperties("life-app"),
                            start,
                            postgres.getJdbcUrl("postgres", "postgres"),
                            "life_orders");
            config.setProperty("job.parallelism", "2");
            Path file = home.resolve("job.properties");
            try (Writer w = Files.newBufferedWriter(file)) {
                config.store(w, "the lifecycle job");
            }
            String[] submit = {
                "-c",
                "io.httpsync.jobs.HttpSyncCli",
                ClusterEndToEndIT.artifact("httpsync.job.jar").toString(),
                "run",
                "--config",
                file.toString()
            };

            LocalFlinkCluster cluster =
                    new LocalFlinkCluster(
                            ClusterEndToEndIT.artifact("httpsync.flink-local.script"),
                            home.resolve("cluster"));
            Thread stopOnExit = new Thread(cluster::close);
            Runtime.getRuntime().addShutdownHook(stopOnExit);
            try (cluster) {
                cluster.start(1, 2, List.of(ClusterEndToEndIT.jdbcDriver()));
                long taskManager = processOf(cluster, "TaskManagerRunner");
                Map<String, Long> before = settledCounters(taskManager, cluster);
                List<Map<String, Long>> afterCancel = new ArrayList<>();
                long classesOfOneJob = 0;
                for (int cycle = 0; cycle < CYCLES; cycle++) {
                    int served = sim.accounting().requests().size();
                    String job = cluster.submit(Optional.empty(), submit);
                    awaitRequests(sim, served + 5, job, cluster);
                    Map<String, Long> running = counters(taskManager);
                    assertThat(httpsyncThreads(cluster))
                            .as("cycle %d: httpsync's threads while the job runs", cycle)
                            .isNotEmpty();
                    cluster.cancel(job);
                    awaitState(cluster, job, "CANCELED");
                    Map<String, Long> after = settledCounters(taskManager, cluster);
                    afterCancel.add(after);
                    if (cycle == 0) classesOfOneJob = liveClasses(running) - liveClasses(before);
                    System.out.printf(
                            "lifecycle cycle %d: while running %s, after cancel %s%n",
                            cycle, running, after);
                    assertThat(httpsyncThreads(cluster))
                            .as("cycle %d: httpsync's threads after cancel", cycle)
                            .isEmpty();
                }
                if (System.getProperty("lifecycle.heap-dump") != null)
                    jcmd(taskManager, "GC.heap_dump " + System.getProperty("lifecycle.heap-dump"));
                // the first job also starts Flink's own pools of the TaskManager: the second cancel
                // is the baseline
                Map<String, Long> second = afterCancel.get(1);
                Map<String, Long> last = afterCancel.get(CYCLES - 1);
                System.out.printf(
                        "lifecycle: one job loads %d classes; live classes before any job %d, after the second cancel %d,"
                                + " after the last %d; live threads %d, %d, %d%n",
                        classesOfOneJob,
                        liveClasses(before),
                        liveClasses(second),
                        liveClasses(last),
                        before.get("java.threads.live"),
                        second.get("java.threads.live"),
                        last.get("java.threads.live"));
                assertThat(classesOfOneJob)
                        .as("classes a running job loads (the measure is not empty)")
                        .isGreaterThan(1000);
                assertThat(liveClasses(last) - liveClasses(second))
                        .as("live classes grew over the last %d jobs", CYCLES - 2)
                        .isLessThan(classesOfOneJob / 2);
                assertThat(last.get("java.threads.live"))
                        .as("live threads after the last cancel")
                        .isLessThanOrEqualTo(second.get("java.threads.live") + 3);
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            }
        }
    }

    /**
     * Threads of httpsync and the libraries it owns, in the TaskManagers and the JobManager (REST
     * thread dumps).
     */
    private static List<String> httpsyncThreads(LocalFlinkCluster cluster) {
        List<String> dumps = new ArrayList<>();
        for (JsonNode tm : cluster.get("/taskmanagers").path("taskmanagers"))
            dumps.add("/taskmanagers/" + tm.path("id").asText() + "/thread-dump");
        dumps.add("/jobmanager/thread-dump");
        List<String> names = new ArrayList<>();
        for (String dump : dumps) {
            for (JsonNode t : cluster.get(dump).path("threadInfos")) {
                String name = t.path("threadName").asText();
                if (name.startsWith("httpsync")
                        || name.startsWith("AsyncHttpClient")
                        || name.contains("lettuce")) names.add(name);
            }
        }
        return names;
    }

    /**
     * The counters after a full GC, once the thread count has stopped falling (tasks and pools wind
     * down after a cancel).
     */
    private static Map<String, Long> settledCounters(long pid, LocalFlinkCluster cluster)
            throws Exception {
        Map<String, Long> previous = null;
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            jcmd(pid, "GC.run");
            Map<String, Long> now = counters(pid);
            if (previous != null
                    && now.get("java.threads.live") >= previous.get("java.threads.live")
                    && liveClasses(now) >= liveClasses(previous)
                    && httpsyncThreads(cluster).isEmpty()) {
                return now;
            }
            previous = now;
            Thread.sleep(3000);
        }
        return previous;
    }

    private static long liveClasses(Map<String, Long> counters) {
        return counters.get("java.cls.loadedClasses") - counters.get("java.cls.unloadedClasses");
    }

    private static Map<String, Long> counters(long pid) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (String line : jcmd(pid, "PerfCounter.print").lines().toList()) {
            Matcher m = PERF_COUNTER.matcher(line.trim());
            if (m.matches()) out.put(m.group(1), Long.parseLong(m.group(2)));
        }
        if (out.size() != 3)
            throw new IllegalStateException(
                    "jcmd PerfCounter.print of " + pid + " lacks counters: " + out);
        return out;
    }

    private static String jcmd(long pid, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p =
                new ProcessBuilder(jcmd.toString(), String.valueOf(pid), command)
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        return out;
    }

    private static long processOf(LocalFlinkCluster cluster, String mainClass) {
        return cluster.leftovers().stream()
                .filter(
                        p ->
                                p.info()
                                        .arguments()
                                        .map(
                                                a ->
                                                        List.of(a)
                                                                .contains(
                                                                        "org.apache.flink.runtime.taskexecutor."
                                                                                + mainClass))
                                        .orElse(false))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + mainClass + " process"))
                .pid();
    }

    private static void awaitRequests(
            Simulator sim, int atLeast, String job, LocalFlinkCluster cluster)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + 90_000;
        while (sim.accounting().requests().size() < atLeast) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        "job "
                                + job
                                + " sent no requests: "
                                + cluster.state(job)
                                + " "
                                + cluster.exceptions(job));
            }
            Thread.sleep(200);
        }
    }

    private static void awaitState(LocalFlinkCluster cluster, String job, String state)
            throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!cluster.state(job).equals(state)) {
            if (System.currentTimeMillis() > deadline)
                throw new IllegalStateException("job " + job + " is " + cluster.state(job));
            Thread.sleep(300);
        }
    }
}
