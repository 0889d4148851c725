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
 * {@code HttpSyncCli contacts-demo} and {@code contacts --config}, run as README shows them (their own JVM), ending
 * with the line a script reads.
 */
class ContactsCommandsITCase {
    private static final Pattern RESULT = Pattern.compile("CONTACTS RESULT: corps=(\\d+) departments=(\\d+) employees=(\\d+) "
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
    void theContactsDemoLandsThreePlatformsCorpsWithCyclesTwiceEqualToGroundTruth() throws Exception {
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

    @Test
    void theContactsCommandSyncsTheConfiguredCorpsAndNeverPrintsTheirSecrets() throws Exception {
        try (Simulator sim = new Simulator(3); EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            DingTalkSim dingtalk = sim.add(DingTalkSim::new);
            dingtalk.addTenant("corp-d", new ContactsPlatformSim.Credentials("key-d", "the-dingtalk-secret"),
                    DirectorySpec.of(6, 15).leaderCycles(1).seed(3));
            sim.start(0);
            Path config = work.resolve("contacts.properties");
            Files.writeString(config, String.join("\n",
                    "jdbc.url = " + postgres.getJdbcUrl("postgres", "postgres"),
                    "jdbc.user = postgres",
                    "contacts.corps = corp-d",
                    "contacts.corp.corp-d.platform = dingtalk",
                    "contacts.corp.corp-d.base-url = " + sim.baseUrl("dingtalk"),
                    "contacts.corp.corp-d.app-key = key-d",
                    "contacts.corp.corp-d.app-secret = the-dingtalk-secret",
                    "contacts.concurrency = 2"), StandardCharsets.UTF_8);

            Result r = run("contacts.log", "contacts", "--config", config.toString());

            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.result().group(1)).isEqualTo("1");
            assertThat(r.result().group(3)).isEqualTo("15");
            assertThat(r.result().group(4) + r.result().group(5) + r.result().group(6)).isEqualTo("000");
            assertThat(r.output()).contains("corp corp-d (dingtalk): OK created=21").doesNotContain("the-dingtalk-secret");
        }
    }
}
