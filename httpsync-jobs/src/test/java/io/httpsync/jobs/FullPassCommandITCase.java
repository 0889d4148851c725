package io.httpsync.jobs;

import io.httpsync.connector.sink.PassLease;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code HttpSyncCli full-pass --config job.properties}, run as README shows it (its own JVM and
 * local Flink), against a platform that will never give the pass what it asks for: the bounded pass
 * ends, and the command exits with 1 and says why, instead of retrying the window every minute
 * forever.
 */
class FullPassCommandITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String SIGN_SECRET = "sign-secret-of-shop-1";
    private static Simulator sim;
    private static KuaishouSim kuaishou;
    private static EmbeddedPostgres postgres;

    private final List<Process> processes = new ArrayList<>();
    @TempDir Path work;

    @BeforeAll
    static void start() throws Exception {
        sim = new Simulator(23);
        kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                "shop-1",
                KuaishouSim.credentials("key-1", "secret-1", SIGN_SECRET),
                DataSpec.of(300, DAY).timeResolutionMillis(1));
        sim.start(0);
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws Exception {
        sim.close();
        postgres.close();
    }

    @AfterEach
    void killProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor();
        }
        kuaishou.faults().clear();
    }

    @Test
    void aTypoInTheTenantsSignSecretEndsThePassWithExitCode1AndThePlatformsRefusal()
            throws Exception {
        Map<String, String> config = config("orders_typo");
        config.put("httpsync.tenant.shop-1.sign-secret", "sign-secret-of-shop-l"); // l for 1

        Result result = fullPass(config);

        assertThat(result.exitCode).as("exit code; output:\n%s", result.output).isEqualTo(1);
        assertThat(result.output)
                .contains("interrupted, nothing marked")
                .contains("tenant 'shop-1' failed 2 times in a row with the same cause")
                .contains("code 10") // the simulator's Kuaishou: signature verification failed
                .doesNotContain("sign-secret-of-shop-l");
    }

    @Test
    void aPlatformThatAlwaysAnswersAnHtmlPageEndsThePassWithExitCode1() throws Exception {
        kuaishou.faults().probability(Fault.HTML_PAGE, 1.0);

        Result result = fullPass(config("orders_html"));

        assertThat(result.exitCode).as("exit code; output:\n%s", result.output).isEqualTo(1);
        assertThat(result.output)
                .contains("interrupted, nothing marked")
                .contains("failed 2 times in a row with the same cause")
                .contains("not JSON");
    }

    @Test
    void aPassWhileAnotherHoldsTheLeaseEndsWithExitCode3NamingTheHolder() throws Exception {
        Map<String, String> config = config("orders_leased");
        PassLease lease =
                new PassLease(
                        SqlDialect.POSTGRES,
                        "orders_leased",
                        () ->
                                DriverManager.getConnection(
                                        config.get("jdbc.url"), "postgres", null));
        try (PassLease.Held held = lease.acquire("pass-still-running", List.of("shop-1"))) {
            Result result = fullPass(config);

            assertThat(result.exitCode).as("exit code; output:\n%s", result.output).isEqualTo(3);
            assertThat(result.output)
                    .contains(
                            "tenant shop-1 of table orders_leased is leased to full pass pass-still-running");
            assertThat(held.renew()).as("the refused pass left the lease to its holder").isTrue();
        }
    }

    private record Result(int exitCode, String output) {}

    private Result fullPass(Map<String, String> config) throws Exception {
        Path file = work.resolve("job.properties");
        write(file, config);
        Path output = work.resolve("full-pass.log");
        Process p = CliProcess.start(work, output, "full-pass", "--config", file.toString());
        processes.add(p);
        // two failures a second apart, each after the page's retries: well within this, unless the
        // pass never ends
        boolean ended = p.waitFor(150, TimeUnit.SECONDS);
        String text = Files.readString(output);
        assertThat(ended).as("the full pass ended; its output:\n%s", text).isTrue();
        System.out.println("full-pass output:\n" + text);
        return new Result(p.exitValue(), text);
    }

    private static Map<String, String> config(String table) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("source.name", "orders-" + table);
        Demo.kuaishouSimulatorOptions(sim.baseUrl("kuaishou"))
                .forEach((k, v) -> c.put("httpsync." + k, v));
        c.put("httpsync.retry.max-attempts", "2");
        c.put("httpsync.retry.initial-backoff", "50 ms");
        c.put("httpsync.tenants", "shop-1");
        c.put("httpsync.tenant.shop-1.app-key", "key-1");
        c.put("httpsync.tenant.shop-1.app-secret", "secret-1");
        c.put("httpsync.tenant.shop-1.sign-secret", SIGN_SECRET);
        c.put(
                "httpsync.scan.start",
                Instant.ofEpochMilli(System.currentTimeMillis() - DAY).toString());
        c.put("httpsync.scan.lag", "1 s");
        c.put("httpsync.scan.window.step", "12 h");
        c.put("httpsync.scan.failed-window.retry-delay", "1 s");
        c.put("httpsync.scan.failed-window.max-failures", "2");
        c.put("pass.catch-up-rounds", "0");
        c.put("job.parallelism", "1");
        c.put("jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        c.put("jdbc.username", "postgres");
        c.put("jdbc.table", table);
        c.put("jdbc.events-table", table + "_events");
        c.put("jdbc.create-tables", "true");
        return c;
    }

    private static void write(Path file, Map<String, String> config) throws IOException {
        Properties p = new Properties();
        p.putAll(config);
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "written by FullPassCommandITCase");
        }
    }
}
