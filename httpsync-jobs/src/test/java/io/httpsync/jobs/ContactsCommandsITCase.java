package io.httpsync.jobs;

import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code HttpSyncCli contacts-demo} and {@code contacts --config}, run as README shows them (their
 * own JVM), ending with the line a script reads.
 */
class ContactsCommandsITCase {
    private static final Pattern RESULT =
            Pattern.compile(
                    "CONTACTS RESULT: corps=(\\d+) departments=(\\d+) employees=(\\d+) "
                            + "missing=(\\d+) wrong=(\\d+) violations=(\\d+) cycles=(\\d+)");
    private final List<Process> processes = new ArrayList<>();
    @TempDir Path work;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private record Result(int exitCode, String output, Matcher result) {}

    private Result run(String log, String... args) throws Exception {
        Path output = work.resolve(log);
        Process p = CliProcess.start(work, output, args);
        processes.add(p);
        boolean ended = p.waitFor(180, TimeUnit.SECONDS);
        String text = Files.readString(output);
        assertThat(ended).as("the command ended; its output:\n%s", text).isTrue();
        System.out.println(String.join(" ", args) + " output:\n" + text);
        Matcher m = RESULT.matcher(text);
        assertThat(m.find()).as("the result line in:\n%s", text).isTrue();
        return new Result(p.exitValue(), text, m);
    }

    @Test
    void theContactsDemoLandsThreePlatformsCorpsWithCyclesTwiceEqualToGroundTruth()
            throws Exception {
        Result r = run("contacts-demo.log", "contacts-demo", "--departments", "8", "--users", "24");

        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.result().group(1)).isEqualTo("3");
        assertThat(Integer.parseInt(r.result().group(3))).isPositive();
        assertThat(r.result().group(4)).as("missing").isEqualTo("0");
        assertThat(r.result().group(5)).as("wrong").isEqualTo("0");
        assertThat(r.result().group(6)).as("violations").isEqualTo("0");
        assertThat(Integer.parseInt(r.result().group(7))).as("cycles").isPositive();
        assertThat(r.output()).contains("run 2:", "deleted=3", "100%");
    }

    /**
     * A DingTalk corp {@code corp} on the simulator (app key {@code key-<corp>}) and a
     * configuration file syncing it into the PostgreSQL, with {@code more} lines.
     */
    private Path dingtalkCorp(
            Simulator sim,
            EmbeddedPostgres postgres,
            String corp,
            String secret,
            DirectorySpec spec,
            String... more)
            throws Exception {
        DingTalkSim dingtalk = sim.add(DingTalkSim::new);
        dingtalk.addTenant(corp, new ContactsPlatformSim.Credentials("key-" + corp, secret), spec);
        sim.start(0);
        Path config = work.resolve(corp + ".properties");
        List<String> lines =
                new ArrayList<>(
                        List.of(
                                "jdbc.url = " + postgres.getJdbcUrl("postgres", "postgres"),
                                "jdbc.user = postgres",
                                "contacts.corps = " + corp,
                                "contacts.corp." + corp + ".platform = dingtalk",
                                "contacts.corp." + corp + ".base-url = " + sim.baseUrl("dingtalk"),
                                "contacts.corp." + corp + ".app-key = key-" + corp,
                                "contacts.corp." + corp + ".app-secret = " + secret));
        lines.addAll(List.of(more));
        Files.writeString(config, String.join("\n", lines), StandardCharsets.UTF_8);
        return config;
    }

    @Test
    void theContactsCommandSyncsTheConfiguredCorpsAndNeverPrintsTheirSecrets() throws Exception {
        try (Simulator sim = new Simulator(3);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            Path config =
                    dingtalkCorp(
                            sim,
                            postgres,
                            "corp-d",
                            "the-dingtalk-secret",
                            DirectorySpec.of(6, 15).leaderCycles(1).seed(3),
                            "contacts.concurrency = 2");

            Result r = run("contacts.log", "contacts", "--config", config.toString());

            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.result().group(1)).isEqualTo("1");
            assertThat(r.result().group(3)).isEqualTo("15");
            assertThat(r.result().group(4) + r.result().group(5) + r.result().group(6))
                    .isEqualTo("000");
            assertThat(r.output())
                    .contains("corp corp-d (dingtalk): OK created=21")
                    .doesNotContain("the-dingtalk-secret");
        }
    }

    @Test
    void theContactsCommandInContinuousModeSyncsTheCorpAgainEveryIntervalThroughTheJob()
            throws Exception {
        try (Simulator sim = new Simulator(4);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            Path config =
                    dingtalkCorp(
                            sim,
                            postgres,
                            "corp-c",
                            "the-continuous-secret",
                            DirectorySpec.of(5, 12).leaderCycles(1).seed(4),
                            "contacts.mode = continuous",
                            "contacts.interval = 1 s");
            Path output = work.resolve("continuous.log");
            Process p = CliProcess.start(work, output, "contacts", "--config", config.toString());
            processes.add(p);
            Pattern run =
                    Pattern.compile(
                            "corp corp-c \\(dingtalk\\): OK created=(\\d+) updated=(\\d+) unchanged=(\\d+)");
            long deadline = System.currentTimeMillis() + 150_000;
            List<String> runs = new ArrayList<>();
            while (runs.size() < 3) {
                String text = Files.readString(output);
                assertThat(p.isAlive())
                        .as("the continuous command keeps running; its output:\n%s", text)
                        .isTrue();
                assertThat(System.currentTimeMillis())
                        .as("three runs in:\n%s", text)
                        .isLessThan(deadline);
                runs.clear();
                Matcher m = run.matcher(text);
                while (m.find()) runs.add(m.group(1) + "/" + m.group(2) + "/" + m.group(3));
                Thread.sleep(200);
            }
            p.destroyForcibly().waitFor();
            System.out.println(
                    "contacts --config (continuous) output:\n" + Files.readString(output));

            // created, updated, unchanged: everything once, then nothing to do
            assertThat(runs).startsWith("17/0/0", "0/0/17", "0/0/17");
            assertThat(Files.readString(output))
                    .doesNotContain("the-continuous-secret")
                    .contains("100%");
        }
    }
}
