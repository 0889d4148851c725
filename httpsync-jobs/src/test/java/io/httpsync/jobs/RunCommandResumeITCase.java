package io.httpsync.jobs;

import io.httpsync.jobs.demo.Demo;
import io.httpsync.jobs.pipeline.SyncPipeline;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.connector.base.source.reader.SourceReaderOptions;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code HttpSyncCli run --config job.properties}, run as README shows it (its own JVM, its own
 * local Flink, the shipped log configuration) against the Kuaishou simulator and a real PostgreSQL,
 * is killed with {@code kill -9} after a checkpoint completed, and started again from the same
 * working directory.
 */
class RunCommandResumeITCase {
    private static final int SPLITS_IN_FLIGHT = 4;

    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final List<String> SHOPS = List.of("shop-1", "shop-2");
    private static final int PARALLELISM = 2;
    private static final String NAME = "orders-resume";

    private final List<Process> processes = new ArrayList<>();
    @TempDir Path work;

    @AfterEach
    void killProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void
            aKilledRunResumesFromItsRetainedCheckpointWithoutRereadingAndTheTableEqualsThePlatformUpToTheStoredPositions()
                    throws Exception {
        try (Simulator sim = new Simulator(17);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.latency(10, 5);
            for (int i = 0; i < SHOPS.size(); i++) {
                String shop = SHOPS.get(i);
                kuaishou.addTenant(
                        shop,
                        KuaishouSim.credentials("key-" + i, "secret-" + i, "sign-" + i),
                        DataSpec.of(2000, 3 * DAY).seed(i).timeResolutionMillis(1));
                kuaishou.mutateContinuously(
                        shop, new MutationRates(2, 0.5, 0.2)); // shops that keep changing
            }
            sim.start(0);
            Path config = work.resolve("job.properties");
            writeConfig(
                    config, sim.baseUrl("kuaishou"), postgres.getJdbcUrl("postgres", "postgres"));

            // first run: killed once a checkpoint completed, with enough pages read before it
            long t0 = System.currentTimeMillis();
            Process first = start(config, "run-1.log");
            CheckpointWatch watch =
                    new CheckpointWatch(
                            work.resolve("httpsync-checkpoints").resolve(NAME), sim.accounting());
            waitFor(Duration.ofSeconds(120), first, () -> watch.poll(30));
            first.destroyForcibly(); // kill -9: no shutdown hook, no cancellation, no final
            // checkpoint
            first.waitFor();
            watch.poll(0);
            String newest = watch.newestComplete();
            assertThat(log("run-1.log"))
                    .contains("none retained there yet, so it starts from httpsync.scan.start");

            // second run: from the same working directory, as a user would restart it
            int requestsBeforeRestart = sim.accounting().requests().size();
            long restartedAt = System.currentTimeMillis();
            Process second = start(config, "run-2.log");
            SyncPipeline pipeline = SyncPipeline.fromFile(config);
            waitFor(
                    Duration.ofSeconds(120),
                    second,
                    () ->
                            positions(pipeline).size() == SHOPS.size()
                                    && positions(pipeline).values().stream()
                                            .allMatch(p -> p > restartedAt));
            second.destroyForcibly();
            second.waitFor();
            System.out.printf(
                    "first run killed after %d ms, second run caught up after %d ms%n",
                    restartedAt - t0, System.currentTimeMillis() - restartedAt);
            System.out.println(
                    "first run:\n" + log("run-1.log") + "\nsecond run:\n" + log("run-2.log"));

            // (a) it said which checkpoint it resumed from: the newest complete one the first run
            // left
            assertThat(log("run-2.log"))
                    .contains("sync job '" + NAME + "' resumes from retained checkpoint " + newest);

            // (b) pages answered before that checkpoint was triggered were not requested again,
            // except those still in
            // flight inside a reader at its barrier (a page per split in flight, plus Flink's
            // element queue)
            List<Accounting.RequestLogEntry> requests = sim.accounting().requests();
            Set<String> before =
                    servedPages(requests.subList(0, watch.requestsWhenTriggered(newest)));
            Set<String> after =
                    servedPages(requests.subList(requestsBeforeRestart, requests.size()));
            Set<String> again = new HashSet<>(after);
            again.retainAll(before);
            int inFlight =
                    PARALLELISM
                                    * (SPLITS_IN_FLIGHT
                                            + SourceReaderOptions.ELEMENT_QUEUE_CAPACITY
                                                    .defaultValue())
                            + 2; // the watch polls every 20 ms
            System.out.printf(
                    "pages answered before the checkpoint: %d, after the restart: %d, of those again: %d%n",
                    before.size(), after.size(), again.size());
            assertThat(before)
                    .as("pages answered before the checkpoint")
                    .hasSizeGreaterThan(2 * inFlight);
            assertThat(again)
                    .as(
                            "pages answered before the checkpoint and requested again after the restart")
                    .hasSizeLessThanOrEqualTo(inFlight);
            assertThat(after.size() - again.size())
                    .as("pages the second run read that the first had not")
                    .isGreaterThan(10);

            // (c) the table equals the platform up to each tenant's stored position
            Map<String, Long> positions = positions(pipeline);
            for (String shop : SHOPS) {
                long position = positions.get(shop);
                Map<String, Long> table = updateTimes(pipeline, shop);
                List<GroundTruth.TruthRecord> expected =
                        kuaishou.groundTruth(shop).live().stream()
                                .filter(r -> r.updateTime() < position)
                                .toList();
                long missing = expected.stream().filter(r -> !table.containsKey(r.id())).count();
                long stale =
                        expected.stream()
                                .filter(
                                        r ->
                                                table.containsKey(r.id())
                                                        && table.get(r.id()) != r.updateTime())
                                .count();
                assertThat(expected)
                        .as(
                                "%s's records before its position %s",
                                shop, Instant.ofEpochMilli(position))
                        .hasSizeGreaterThan(1000);
                assertThat(missing).as("%s: missing", shop).isZero();
                assertThat(stale).as("%s: stale", shop).isZero();
            }
        }
    }

    private static void writeConfig(Path file, String base, String jdbcUrl) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("source.name", NAME);
        Demo.kuaishouSimulatorOptions(base).forEach((k, v) -> c.put("httpsync." + k, v));
        // slow enough to kill the first run in the middle of the initial sync
        c.put("httpsync.rate-limit.permits-per-second", "8");
        c.put("httpsync.tenants", String.join(";", SHOPS));
        for (int i = 0; i < SHOPS.size(); i++) {
            String prefix = "httpsync.tenant." + SHOPS.get(i) + ".";
            c.put(prefix + "app-key", "key-" + i);
            c.put(prefix + "app-secret", "secret-" + i);
            c.put(prefix + "sign-secret", "sign-" + i);
        }
        c.put("httpsync.scan.mode", "continuous");
        c.put(
                "httpsync.scan.start",
                Instant.ofEpochMilli(System.currentTimeMillis() - 3 * DAY - 60_000).toString());
        c.put("httpsync.scan.lag", "2 s");
        c.put("httpsync.scan.discovery-interval", "1 s");
        c.put("httpsync.scan.window.step", "6 h");
        // fixed, so that the pages a restart may read again are bounded below
        c.put("httpsync.scan.splits-in-flight", String.valueOf(SPLITS_IN_FLIGHT));
        c.put("job.parallelism", Integer.toString(PARALLELISM));
        c.put("job.checkpoint-interval", "1 s");
        c.put("jdbc.url", jdbcUrl);
        c.put("jdbc.username", "postgres");
        c.put("jdbc.table", "orders");
        c.put("jdbc.events-table", "sync_events");
        c.put("jdbc.create-tables", "true");
        Properties p = new Properties();
        p.putAll(c);
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "written by RunCommandResumeITCase");
        }
    }

    /**
     * {@code java -cp <test class path> io.httpsync.jobs.HttpSyncCli run --config <file>} in the
     * working directory.
     */
    private Process start(Path config, String logFile) throws IOException {
        Process p =
                CliProcess.start(work, work.resolve(logFile), "run", "--config", config.toString());
        processes.add(p);
        return p;
    }

    private String log(String file) throws IOException {
        return Files.readString(work.resolve(file));
    }

    private void waitFor(Duration timeout, Process process, BooleanSupplier condition)
            throws Exception {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive())
                throw new AssertionError(
                        "the run ended early:\n" + Files.readString(work.resolve(logOf(process))));
            if (System.currentTimeMillis() > deadline)
                throw new AssertionError(
                        "timed out; the run's log:\n"
                                + Files.readString(work.resolve(logOf(process))));
            Thread.sleep(20);
        }
    }

    private String logOf(Process process) {
        return "run-" + (processes.indexOf(process) + 1) + ".log";
    }

    private static Map<String, Long> positions(SyncPipeline pipeline) {
        try (Connection c = pipeline.connect()) {
            return pipeline.positionTable().read(c, NAME);
        } catch (java.sql.SQLException e) {
            return Map.of(); // not created yet
        }
    }

    private static Map<String, Long> updateTimes(SyncPipeline pipeline, String tenant)
            throws Exception {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = pipeline.connect();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id, update_time FROM orders WHERE tenant = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    /** The pages the platform answered with data: tenant and paging position (window included). */
    private static Set<String> servedPages(List<Accounting.RequestLogEntry> log) {
        return log.stream()
                .filter(r -> r.outcome().equals("ok"))
                .map(r -> r.tenant() + " " + r.position())
                .collect(Collectors.toSet());
    }

    /**
     * Watches a checkpoint directory ({@code <dir>/<job id>/chk-<n>/_metadata}): when each
     * checkpoint directory first appeared (Flink creates it when it triggers the checkpoint), as
     * the length of the simulator's request log then.
     */
    private static final class CheckpointWatch {
        private final Path dir;
        private final Accounting accounting;
        private final Map<Path, Integer> requestsWhenCreated = new HashMap<>();

        CheckpointWatch(Path dir, Accounting accounting) {
            this.dir = dir;
            this.accounting = accounting;
        }

        /**
         * Notes new checkpoints; true once one is complete and more than {@code pages} pages were
         * answered before it.
         */
        boolean poll(int pages) {
            int requests = accounting.requests().size();
            for (Path chk : checkpoints()) requestsWhenCreated.putIfAbsent(chk, requests);
            return requestsWhenCreated.entrySet().stream()
                    .anyMatch(
                            e ->
                                    Files.exists(e.getKey().resolve("_metadata"))
                                            && servedPages(
                                                                    accounting
                                                                            .requests()
                                                                            .subList(
                                                                                    0,
                                                                                    e.getValue()))
                                                            .size()
                                                    > pages);
        }

        /** The newest checkpoint with its {@code _metadata}, as Flink names it (a file URI). */
        String newestComplete() {
            Path newest =
                    checkpoints().stream()
                            .filter(chk -> Files.exists(chk.resolve("_metadata")))
                            .max((a, b) -> Long.compare(number(a), number(b)))
                            .orElseThrow();
            return "file:" + newest;
        }

        int requestsWhenTriggered(String checkpoint) {
            return requestsWhenCreated.get(Path.of(checkpoint.substring("file:".length())));
        }

        private static long number(Path chk) {
            return Long.parseLong(chk.getFileName().toString().substring("chk-".length()));
        }

        private List<Path> checkpoints() {
            if (!Files.isDirectory(dir)) return List.of();
            try (Stream<Path> jobs = Files.list(dir)) {
                List<Path> out = new ArrayList<>();
                for (Path job : jobs.filter(Files::isDirectory).toList()) {
                    try (Stream<Path> chks = Files.list(job)) {
                        chks.filter(p -> p.getFileName().toString().startsWith("chk-"))
                                .forEach(out::add);
                    }
                }
                return out;
            } catch (IOException e) {
                return List
                        .of(); // a directory went away while listing (Flink subsumed a checkpoint)
            }
        }
    }
}
