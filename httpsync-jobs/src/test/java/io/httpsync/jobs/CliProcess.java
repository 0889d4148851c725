package io.httpsync.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code HttpSyncCli} as README shows it: {@code java -cp <class path> io.httpsync.jobs.HttpSyncCli <args>} in
 * its own JVM, in a working directory, with the log configuration a user gets, its output (both streams) in a file.
 */
final class CliProcess {
    private CliProcess() {}

    static Process start(Path workDir, Path output, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        // the log configuration a user gets (the test class path also holds log4j2-test.properties)
        String logConfig = HttpSyncCli.class.getResource("/log4j2.properties").toString();
        // the JVM options only make a short run start faster on a busy machine (C1 only, one GC thread)
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=" + logConfig, "-cp", classPath, HttpSyncCli.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }
}
