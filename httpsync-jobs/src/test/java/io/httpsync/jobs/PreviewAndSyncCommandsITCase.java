package io.httpsync.jobs;

import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.fault.Fault;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code HttpSyncCli preview} and {@code HttpSyncCli sync --out}, run as README shows them (their
 * own JVM, the shipped log configuration), against the Kuaishou simulator (signed requests, OAuth
 * tokens, cursor paging), checked against its ground truth: what preview prints of each request and
 * page, that secrets stay masked, that a wrong pointer fails naming its option, and that the
 * JSON-lines file of a bounded sync holds exactly the platform's records.
 */
class PreviewAndSyncCommandsITCase {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final List<String> SHOPS = List.of("shop-1", "shop-2");
    private static final Pattern SHOWN = Pattern.compile("id=(\\S+) update-time=([^,\\s]+)");
    private static final Pattern RANGE = Pattern.compile("sync of \\[(\\S+), (\\S+)\\)");
    private static Simulator sim;
    private static KuaishouSim kuaishou;
    private static Instant start;

    @TempDir Path work;

    @BeforeAll
    static void startSimulator() throws Exception {
        sim = new Simulator(31);
        kuaishou = sim.add(KuaishouSim::new);
        for (int i = 0; i < SHOPS.size(); i++) {
            kuaishou.addTenant(
                    SHOPS.get(i),
                    KuaishouSim.credentials("key-" + i, "app-secret-" + i, "sign-secret-" + i),
                    DataSpec.of(240 + 60 * i, DAY).seed(i).timeResolutionMillis(1));
        }
        sim.start(0);
        start =
                Instant.ofEpochMilli(System.currentTimeMillis() - DAY - 60_000)
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    @AfterAll
    static void stopSimulator() throws Exception {
        sim.close();
    }

    @AfterEach
    void clearFaults() {
        kuaishou.faults().clear();
    }

    @Test
    void
            previewPrintsEachRequestMaskedWithItsAnswerRecordsAndNextPositionAndStopsAfterTheAskedPages()
                    throws Exception {
        kuaishou.faults()
                .script(Fault.SERVER_ERROR); // the first list request: retried, and shown as
        // retryable
        Path config = writeConfig(Map.of());

        CliProcess.Ended result =
                cli("preview.log", "preview", "--config", config.toString(), "--pages", "2");

        assertThat(result.exitCode()).as("exit code; output:\n%s", result.output()).isZero();
        String out = result.output();
        // the newest window of httpsync.scan.window.step (12 h), of the first tenant
        Matcher header =
                Pattern.compile(
                                "tenant 'shop-1', window \\[(\\S+), (\\S+)\\), pagination.style cursor, at most 2 pages")
                        .matcher(out);
        assertThat(header.find()).as(out).isTrue();
        assertThat(Duration.between(Instant.parse(header.group(1)), Instant.parse(header.group(2))))
                .isEqualTo(Duration.ofHours(12));
        assertThat(out)
                .contains(
                        "request 1 (page 1 at cursor=''): GET "
                                + sim.baseUrl("kuaishou")
                                + "/open/order/cursor/list?")
                .containsPattern("request 1 .*\\n  answer: HTTP 50\\d, retryable")
                .containsPattern(
                        "request 2 \\(page 1 at cursor=''\\).*\\n  answer: HTTP 200, ok, code 1")
                .contains("request 3 (page 2 at cursor=")
                .contains("access_token=******")
                .contains("sign=******")
                .contains("  records: 50; first 3: id=")
                .contains("  next: cursor=")
                .contains("(the window goes on beyond 2 pages; --pages reads more)")
                .contains("PREVIEW RESULT: requests=3 pages=2 records=100 end=not reached ok=true")
                .doesNotContain("app-secret-0")
                .doesNotContain("sign-secret-0");
        assertShownRecordsAreThePlatforms(out, "shop-1", 6);
    }

    @Test
    void previewOfAPlainOptionsFileReadsTheWholeWindowOfTheChosenTenantAndSaysWhatEndedIt()
            throws Exception {
        Instant from = start;
        Instant to =
                Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Path options = writeOptions(Map.of());

        CliProcess.Ended result =
                cli(
                        "preview.log",
                        "preview",
                        "--options",
                        options.toString(),
                        "--tenant",
                        "shop-2",
                        "--from",
                        from.toString(),
                        "--to",
                        to.toString(),
                        "--pages",
                        "20");

        assertThat(result.exitCode()).as("exit code; output:\n%s", result.output()).isZero();
        long expected =
                truth("shop-2").values().stream()
                        .filter(t -> t >= from.toEpochMilli() && t < to.toEpochMilli())
                        .count();
        assertThat(expected).isGreaterThan(250);
        assertThat(result.output())
                .contains("tenant 'shop-2', window [" + from + ", " + to + ")")
                .contains("  end of window: the cursor is one of 'pagination.cursor.end-markers'")
                .containsPattern(
                        "PREVIEW RESULT: requests=\\d+ pages=\\d+ records="
                                + expected
                                + " end=\"the cursor is one of");
        assertShownRecordsAreThePlatforms(result.output(), "shop-2", 18);
    }

    @Test
    void previewOfAWrongRecordsPathOrIdPathFailsNamingTheOption() throws Exception {
        CliProcess.Ended records =
                cli(
                        "records.log",
                        "preview",
                        "--options",
                        writeOptions(Map.of("response.records-path", "/data/orders")).toString());
        assertThat(records.exitCode()).as("exit code; output:\n%s", records.output()).isEqualTo(1);
        assertThat(records.output())
                .contains("PREVIEW FAILED: the page failed (fatal")
                .contains(
                        "option 'response.records-path' /data/orders matches nothing in the response ('/data' has the fields [");

        CliProcess.Ended id =
                cli(
                        "id.log",
                        "preview",
                        "--options",
                        writeOptions(Map.of("response.record.id-path", "/orderBaseInfo/orderId"))
                                .toString());
        assertThat(id.exitCode()).as("exit code; output:\n%s", id.output()).isEqualTo(1);
        assertThat(id.output())
                .contains(
                        "PREVIEW FAILED: record 1 of the page: a record has no id at '/orderBaseInfo/orderId'"
                                + " (option 'response.record.id-path'); the record has the fields [");

        CliProcess.Ended typo =
                cli(
                        "typo.log",
                        "preview",
                        "--options",
                        writeOptions(Map.of("response.record.time_path", "/x")).toString());
        assertThat(typo.exitCode()).isEqualTo(1);
        assertThat(typo.output())
                .contains(
                        "PREVIEW FAILED: option 'response.record.time_path' is unknown; did you mean 'response.record.time-path'?");
    }

    @Test
    void syncOutWritesEveryRecordOfEveryTenantAsOneJsonLineEqualToThePlatform() throws Exception {
        Path config = writeConfig(Map.of());
        Path out = work.resolve("out").resolve("records.jsonl");

        CliProcess.Ended result =
                cli("sync.log", "sync", "--config", config.toString(), "--out", out.toString());

        assertThat(result.exitCode()).as("exit code; output:\n%s", result.output()).isZero();
        Matcher range = RANGE.matcher(result.output());
        assertThat(range.find()).as(result.output()).isTrue();
        long to = Instant.parse(range.group(2)).toEpochMilli();
        Map<String, Long> expected = new HashMap<>();
        for (String shop : SHOPS) {
            truth(shop)
                    .forEach(
                            (id, time) -> {
                                if (time >= start.toEpochMilli() && time < to)
                                    expected.put(shop + "/" + id, time);
                            });
        }
        Map<String, Long> written = readJsonLines(out);
        assertThat(written).as("the file against the platform's ground truth").isEqualTo(expected);
        assertThat(result.output())
                .contains(
                        "SYNC RESULT: records="
                                + expected.size()
                                + " file="
                                + out
                                + " exception-events=0");
        assertThat(Files.list(out.getParent()).map(p -> p.getFileName().toString()).toList())
                .containsExactly("records.jsonl");
    }

    @Test
    void
            syncOutReportsExceptionEventsOnStderrAndExitsNonZeroEvenWhenTheRetriedWindowsCompleteTheFile()
                    throws Exception {
        // retry.max-attempts 1: the first page that gets a 5xx fails, an exception event, and its
        // window is read again
        kuaishou.faults().script(Fault.SERVER_ERROR);
        Path options =
                writeOptions(
                        Map.of(
                                "scan.start",
                                start.toString(),
                                "retry.max-attempts",
                                "1",
                                "scan.failed-window.retry-delay",
                                "200 ms"));
        Path out = work.resolve("records.jsonl");

        CliProcess.Ended result =
                cli("sync.log", "sync", "--options", options.toString(), "--out", out.toString());

        assertThat(result.exitCode()).as("exit code; output:\n%s", result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains(
                        "EXCEPTION EVENT: ExceptionEvent{endpoint=kuaishou/open.order.cursor.list")
                .contains("exception-events=1")
                .contains("1 exception event(s)")
                .doesNotContain("app-secret-0")
                .doesNotContain("sign-secret-0");
        Matcher range = RANGE.matcher(result.output());
        assertThat(range.find()).isTrue();
        long to = Instant.parse(range.group(2)).toEpochMilli();
        long expected =
                SHOPS.stream()
                        .mapToLong(
                                s ->
                                        truth(s).values().stream()
                                                .filter(t -> t >= start.toEpochMilli() && t < to)
                                                .count())
                        .sum();
        assertThat(readJsonLines(out)).hasSize((int) expected);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Every "id=.. update-time=.." preview printed is a record of the tenant with that update time.
     */
    private static void assertShownRecordsAreThePlatforms(
            String output, String tenant, int atLeast) {
        Map<String, Long> truth = truth(tenant);
        Matcher m = SHOWN.matcher(output);
        int shown = 0;
        while (m.find()) {
            shown++;
            assertThat(truth)
                    .as("shown record %s", m.group(1))
                    .containsEntry(m.group(1), Instant.parse(m.group(2)).toEpochMilli());
        }
        assertThat(shown).isGreaterThanOrEqualTo(atLeast);
    }

    private static Map<String, Long> truth(String tenant) {
        return kuaishou.groundTruth(tenant).live().stream()
                .collect(
                        Collectors.toMap(
                                GroundTruth.TruthRecord::id, GroundTruth.TruthRecord::updateTime));
    }

    private static Map<String, Long> readJsonLines(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Long> out = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = json.readTree(line);
            assertThat(n.get("record").get("orderBaseInfo").get("oid").asText())
                    .isEqualTo(n.get("id").asText());
            assertThat(
                            out.put(
                                    n.get("tenant").asText() + "/" + n.get("id").asText(),
                                    n.get("update_time").asLong()))
                    .as("a record written twice: %s", line)
                    .isNull();
        }
        return out;
    }

    /** The source as a SQL WITH clause would have it, plus {@code more}. */
    private static Map<String, String> sourceOptions(Map<String, String> more) {
        Map<String, String> o =
                new LinkedHashMap<>(Demo.kuaishouSimulatorOptions(sim.baseUrl("kuaishou")));
        o.put("tenants", String.join(";", SHOPS));
        for (int i = 0; i < SHOPS.size(); i++) {
            o.put("tenant." + SHOPS.get(i) + ".app-key", "key-" + i);
            o.put("tenant." + SHOPS.get(i) + ".app-secret", "app-secret-" + i);
            o.put("tenant." + SHOPS.get(i) + ".sign-secret", "sign-secret-" + i);
        }
        o.put("scan.lag", "1 s");
        o.put("scan.window.step", "12 h");
        o.putAll(more);
        return o;
    }

    /** A plain options file, one key=value a line, as README shows it. */
    private Path writeOptions(Map<String, String> more) throws IOException {
        Path file = work.resolve("source-" + files++ + ".options");
        StringBuilder text =
                new StringBuilder("# the connector's options, as in a SQL WITH clause\n");
        sourceOptions(more).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(file, text);
        return file;
    }

    /**
     * A job's config file: the source's options under 'httpsync.', and a database the commands
     * ignore.
     */
    private Path writeConfig(Map<String, String> more) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("source.name", "orders-preview");
        Map<String, String> source = new LinkedHashMap<>(sourceOptions(more));
        source.put("scan.start", start.toString());
        source.forEach((k, v) -> c.put("httpsync." + k, v));
        c.put("jdbc.url", "jdbc:postgresql://127.0.0.1:1/none");
        c.put("jdbc.table", "orders");
        Properties p = new Properties();
        p.putAll(c);
        Path file = work.resolve("job.properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "written by PreviewAndSyncCommandsITCase");
        }
        return file;
    }

    private int files;

    private CliProcess.Ended cli(String log, String... args) throws Exception {
        CliProcess.Ended ended =
                CliProcess.run(work, work.resolve(log), Duration.ofSeconds(120), args);
        System.out.println(String.join(" ", args) + ":\n" + ended.output());
        return ended;
    }
}
