package io.httpsync.connector.testutil;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a Flink distribution's {@code lib/} holds, for tests that run a connector jar as a cluster
 * runs it: beside that jar and Flink's own jars nothing, never the test's class path. The jars are
 * the system property {@value #PROPERTY}, which failsafe sets from Maven's resolution (see this
 * module's pom: the dependencies this module declares as provided by the cluster, plus Flink's
 * clients, planner and table runtime, and log4j).
 */
public final class FlinkLib {
    public static final String PROPERTY = "httpsync.flink.lib";

    private FlinkLib() {}

    /** The jars of Flink's {@code lib/}; each exists. */
    public static List<Path> jars() throws IOException {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(
                    "system property "
                            + PROPERTY
                            + " is not set: run this test with failsafe ('mvn verify')");
        }
        List<Path> jars = new ArrayList<>();
        for (String entry : value.split(File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path p = Path.of(entry);
            if (!Files.isRegularFile(p))
                throw new IOException(PROPERTY + " names a missing jar: " + p);
            jars.add(p);
        }
        return jars;
    }

    /**
     * A class loader over the JDK's classes alone that holds {@code jar} and Flink's {@code lib/}.
     */
    public static URLClassLoader classLoaderWith(Path jar) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (Path p : withJar(jar)) urls.add(url(p));
        return new URLClassLoader(
                "flink-lib+" + jar.getFileName(),
                urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
    }

    /**
     * Starts {@code main} in a JVM of its own whose class path is {@code jar}, Flink's {@code lib/}
     * and {@code main}'s class files alone (copied out of the test classes, so the rest of them
     * stays out), the way a TaskManager runs with the jar in its {@code lib/}. Its output goes to
     * {@code log}; its log4j reads the test's settings.
     */
    public static Process startJvm(Path jar, Class<?> main, List<String> args, Path log)
            throws IOException {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx1g",
                                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                                "-Dlog4j2.configurationFile="
                                        + FlinkLib.class.getResource("/log4j2-test.properties"),
                                "-cp",
                                String.join(
                                                File.pathSeparator,
                                                withJar(jar).stream().map(Path::toString).toList())
                                        + File.pathSeparator
                                        + classFilesOf(main),
                                main.getName()));
        command.addAll(args);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static List<Path> withJar(Path jar) throws IOException {
        List<Path> all = new ArrayList<>();
        all.add(jar);
        all.addAll(jars());
        return all;
    }

    /**
     * A new directory holding {@code type}'s class files (its own and its nested classes'), in
     * their package.
     */
    private static Path classFilesOf(Class<?> type) throws IOException {
        Path source;
        try {
            source = Path.of(type.getResource(type.getSimpleName() + ".class").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Path root = Files.createTempDirectory("main-of-" + type.getSimpleName());
        Path target = root.resolve(type.getPackageName().replace('.', File.separatorChar));
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f :
                    files.filter(
                                    f ->
                                            f.getFileName()
                                                    .toString()
                                                    .matches(
                                                            type.getSimpleName()
                                                                    + "(\\$.*)?\\.class"))
                            .toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return root;
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(p.toString(), e);
        }
    }
}
