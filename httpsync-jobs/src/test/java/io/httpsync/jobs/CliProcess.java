package io.httpsync.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code HttpSyncCli} as README shows it: {@code java -cp <class path>
 * io.httpsync.jobs.HttpSyncCli <args>} in its own JVM, in a working directory, with the log
 * configuration a user gets, its output (both streams) in a file.
 */
final class CliProcess {
    private CliProcess() {}

    /** What a command that ended printed (both streams), and its exit code. */
    record Ended(int exitCode, String output) {}

    /**
     * Runs the command to its end, its output in {@code output}; one that is still running after
     * {@code timeout} is killed and fails the test with its output. The process is gone when this
     * returns.
     */
    static Ended run(Path workDir, Path output, Duration timeout, String... args)
            throws IOException, InterruptedException {
        Process p = start(workDir, output, args);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "'"
                                + String.join(" ", args)
                                + "' did not end within "
                                + timeout
                                + "; its output:\n"
                                + Files.readString(output));
            }
            return new Ended(p.exitValue(), Files.readString(output));
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    static Process start(Path workDir, Path output, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath =
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"));
        // the log configuration a user gets (the test class path also holds log4j2-test.properties)
        String logConfig = HttpSyncCli.class.getResource("/log4j2.properties").toString();
        // the JVM options only make a short run start faster on a busy machine (C1 only, one GC
        // thread)
        List<String> command =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xmx512m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Dlog4j2.configurationFile=" + logConfig,
                                "-cp",
                                classPath,
                                HttpSyncCli.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }
}
