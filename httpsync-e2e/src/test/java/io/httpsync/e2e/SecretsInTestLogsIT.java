package io.httpsync.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Everything the build's tests logged holds no secret: the output of every test class of the
 * modules that run httpsync's own code (surefire and failsafe write each class's output to a file,
 * {@code redirectTestOutputToFile}) and the logs of the real Flink clusters the end-to-end tests
 * started. This module runs last in the reactor, so in a full build it sees all of them.
 *
 * <p>What counts as a secret: the literal secrets the test fixtures give tenants (they all carry a
 * {@code Secret-} marker, e.g. {@code AppSecret-0123456789}), and a value after a parameter or
 * header that carries one on the platforms ({@code access_token=}, {@code app_secret=}, {@code
 * appsecret=}, {@code client_secret=}, {@code corpsecret=}, {@code refresh_token=}, {@code Bearer})
 * unless it is masked. The simulator module is not scanned: its conformance tests drive the
 * platforms' own SDKs, which log their requests in full; httpsync code does not run there.
 */
class SecretsInTestLogsIT {
    private static final Path ROOT =
            Path.of(System.getProperty("httpsync.root", "..")).toAbsolutePath().normalize();
    private static final List<String> MODULES =
            List.of(
                    "flink-connector-httpsync",
                    "httpsync-landing",
                    "httpsync-contacts",
                    "httpsync-jobs",
                    "httpsync-e2e");

    /** A literal fixture secret, or an unmasked value of a secret-carrying parameter or header. */
    static final Pattern SECRET =
            Pattern.compile(
                    "[A-Za-z]+Secret-[0-9A-Za-z]+"
                            + "|(?i:access_token|app_secret|appsecret|client_secret|corpsecret|refresh_token)=(?![*&\\s$]|%2A|<)[^&\\s\"',}]{4,}"
                            + "|(?i:authorization)[\"']?\\s*[:=]\\s*[\"']?Bearer\\s+(?!\\*)[A-Za-z0-9._~+/-]{8,}");

    @Test
    void noTestOfTheBuildLoggedASecret() throws IOException {
        List<Path> logs = new ArrayList<>();
        for (String module : MODULES) {
            for (String reports : List.of("surefire-reports", "failsafe-reports")) {
                Path dir = ROOT.resolve(module).resolve("target").resolve(reports);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.list(dir)) {
                        files.filter(f -> f.getFileName().toString().endsWith("-output.txt"))
                                .forEach(logs::add);
                    }
                }
            }
            Path e2e = ROOT.resolve(module).resolve("target").resolve("e2e");
            if (Files.isDirectory(e2e)) {
                try (Stream<Path> files = Files.walk(e2e)) {
                    files.filter(
                                    f ->
                                            f.getFileName()
                                                    .toString()
                                                    .matches(".*\\.(log|out)(\\.\\d+)?"))
                            .forEach(logs::add);
                }
            }
        }
        assumeTrue(
                logs.stream().anyMatch(f -> f.startsWith(ROOT.resolve("flink-connector-httpsync"))),
                "the connector's tests have not run in this build: nothing to scan");

        List<String> found = new ArrayList<>();
        for (Path log : logs) {
            found.addAll(secretsIn(log));
        }
        assertThat(found)
                .as("secrets in the logs of %d test outputs and cluster logs", logs.size())
                .isEmpty();
    }

    @Test
    void theScanFindsWhatItLooksFor() {
        assertThat(matches("GET http://h/api?app_key=k&access_token=9e5573072ff0405c&x=1"))
                .isTrue();
        assertThat(matches("tenant property app-secret = AppSecret-0123456789")).isTrue();
        assertThat(matches("\"Authorization\": \"Bearer eyJhbGciOiJIUzI1NiJ9\"")).isTrue();
        assertThat(matches("GET http://h/api?app_key=k&access_token=***&x=1")).isFalse();
        assertThat(matches("option 'request.header.Authorization' = '******'")).isFalse();
        assertThat(matches("access_token=${token}")).isFalse();
    }

    private static boolean matches(String line) {
        return SECRET.matcher(line).find();
    }

    /**
     * The lines of {@code log} holding a secret, named by file and line, the secret itself masked.
     */
    private static List<String> secretsIn(Path log) {
        List<String> found = new ArrayList<>();
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            int[] n = {0};
            lines.forEach(
                    line -> {
                        n[0]++;
                        Matcher m = SECRET.matcher(line);
                        if (m.find()) {
                            String masked = m.group().replaceAll("(?<=[=\\s-]).{4,}$", "****");
                            found.add(ROOT.relativize(log) + ":" + n[0] + ": " + masked);
                        }
                    });
        } catch (UncheckedIOException | IOException e) {
            // a log that is not UTF-8 text (a binary heap dump next to the logs, say) holds no
            // readable line
        }
        return found;
    }
}
