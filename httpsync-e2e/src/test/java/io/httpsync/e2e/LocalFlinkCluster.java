package io.httpsync.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The cluster a user starts with {@code deploy/local/flink-local.sh}, driven through that script
 * (start, TaskManager crash and restart, Flink's command line, stop) and observed through Flink's
 * REST API.
 *
 * <p>Thread contract: the script methods are called from the test's thread only; the REST methods
 * are safe to call from any thread (they share one thread-safe {@link HttpClient} and keep no other
 * state).
 */
final class LocalFlinkCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SUBMITTED =
            Pattern.compile("Job has been submitted with JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private final Path script;
    private final Path home;
    private final int restPort = freePort();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Set<String> killed = ConcurrentHashMap.newKeySet();

    /**
     * A cluster whose folder ({@code FLINK_LOCAL_HOME}) is {@code home}; anything left there by an
     * earlier run goes.
     */
    LocalFlinkCluster(Path script, Path home) throws IOException {
        this.script = script;
        this.home = home;
        if (Files.exists(home.resolve("pids"))) run(List.of("stop"), Duration.ofMinutes(1));
        deleteRecursively(home);
        Files.createDirectories(home);
    }

    /**
     * {@code flink-local.sh start}: a JobManager and {@code taskManagers} TaskManagers, with {@code
     * libs} in lib/.
     */
    void start(int taskManagers, int slots, List<Path> libs) throws IOException {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "start",
                                "--taskmanagers",
                                String.valueOf(taskManagers),
                                "--slots",
                                String.valueOf(slots),
                                "--rest-port",
                                String.valueOf(restPort),
                                "--rpc-port",
                                String.valueOf(freePort())));
        for (Path lib : libs) {
            args.add("--lib");
            args.add(lib.toString());
        }
        run(args, Duration.ofMinutes(4));
    }

    void killTaskManager(String id) throws IOException {
        run(List.of("tm-kill", id), Duration.ofSeconds(30));
        killed.add("tm-" + id);
    }

    /**
     * The resource ids of the TaskManagers killed so far. Flink goes on listing a killed
     * TaskManager, and tasks as running on it, until it misses its heartbeats.
     */
    Set<String> killedTaskManagers() {
        return Set.copyOf(killed);
    }

    void startTaskManager(String id) throws IOException {
        run(List.of("tm-start", id), Duration.ofMinutes(3));
    }

    /** {@code flink run -d [-s savepoint] args...}; returns the submitted job's id. */
    String submit(Optional<String> savepoint, String... args) throws IOException {
        List<String> cli = new ArrayList<>(List.of("flink", "run", "-d"));
        savepoint.ifPresent(s -> cli.addAll(List.of("-s", s)));
        cli.addAll(List.of(args));
        String out = run(cli, Duration.ofMinutes(3));
        Matcher m = SUBMITTED.matcher(out);
        if (!m.find())
            throw new IllegalStateException("flink run did not report a job id:\n" + out);
        return m.group(1);
    }

    /**
     * {@code flink run -d args...} of a program that must fail before it submits a job; returns
     * what Flink's command line printed (fails if it submitted a job or exited with 0).
     */
    String submitRefused(String... args) throws IOException {
        List<String> cli = new ArrayList<>(List.of("flink", "run", "-d"));
        cli.addAll(List.of(args));
        Outcome outcome = execute(cli, Duration.ofMinutes(3));
        if (outcome.exitValue() == 0 || SUBMITTED.matcher(outcome.output()).find())
            throw new IllegalStateException("flink run was not refused:\n" + outcome.output());
        return outcome.output();
    }

    /**
     * Waits until the bounded job {@code jobId} is FINISHED; fails if it fails, is cancelled or
     * takes longer than {@code timeout}, naming its recent exceptions.
     */
    void awaitFinished(String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String state;
        while (!(state = state(jobId)).equals("FINISHED")) {
            if (state.equals("FAILED") || state.equals("CANCELED"))
                throw new IllegalStateException(
                        "job "
                                + jobId
                                + " is "
                                + state
                                + "; recent exceptions: "
                                + exceptions(jobId));
            if (System.nanoTime() > deadline)
                throw new IllegalStateException(
                        "job "
                                + jobId
                                + " did not finish within "
                                + timeout
                                + " (state "
                                + state
                                + ", cluster logs: "
                                + logDir()
                                + "); recent exceptions: "
                                + exceptions(jobId));
            Thread.sleep(300);
        }
    }

    /** {@code flink stop --savepointPath <home>/savepoints <job>}; returns the savepoint's path. */
    String stopWithSavepoint(String jobId) throws IOException {
        String out =
                run(
                        List.of(
                                "flink",
                                "stop",
                                "--savepointPath",
                                home.resolve("savepoints").toUri().toString(),
                                jobId),
                        Duration.ofMinutes(3));
        Matcher m = SAVEPOINT.matcher(out);
        if (!m.find())
            throw new IllegalStateException("flink stop did not report a savepoint:\n" + out);
        return m.group(1);
    }

    /** {@code flink cancel <job>}. */
    void cancel(String jobId) throws IOException {
        run(List.of("flink", "cancel", jobId), Duration.ofMinutes(2));
    }

    /**
     * {@code flink-local.sh stop}, then SIGKILL for any process of this cluster that is still
     * alive.
     */
    @Override
    public void close() {
        try {
            run(List.of("stop"), Duration.ofMinutes(1));
        } catch (IOException | RuntimeException e) {
            System.out.println("flink-local.sh stop failed: " + e.getMessage());
        }
        for (ProcessHandle p : leftovers()) {
            System.out.println("killing left-over cluster process " + p.pid());
            p.destroyForcibly();
        }
    }

    /**
     * This cluster's JVMs that are still alive: their command line names this cluster's conf
     * folder.
     */
    List<ProcessHandle> leftovers() {
        String conf = home.resolve("conf").toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(conf)).orElse(false))
                .toList();
    }

    Path logDir() {
        return home.resolve("log");
    }

    // ------------------------------------------------------------------ REST

    JsonNode get(String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET "
                                + path
                                + " answered "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The job's state, e.g. {@code RUNNING}. */
    String state(String jobId) {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** The job's source vertex: the one whose name starts with {@code Source}. */
    JsonNode sourceVertex(String jobId) {
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().startsWith("Source")) return v;
        }
        throw new IllegalStateException("job " + jobId + " has no source vertex");
    }

    /**
     * Per subtask of the job's source: the TaskManager it runs on, if it is RUNNING (else null).
     */
    List<String> runningSourceSubtasks(String jobId) {
        JsonNode vertex =
                get("/jobs/" + jobId + "/vertices/" + sourceVertex(jobId).path("id").asText());
        List<String> out = new ArrayList<>();
        for (JsonNode s : vertex.path("subtasks")) {
            out.add(
                    s.path("status").asText().equals("RUNNING")
                            ? s.path("taskmanager-id").asText()
                            : null);
        }
        return out;
    }

    /**
     * The highest value of the source's metrics whose name ends with {@code suffix}: the split
     * enumerator's (the JobManager side of the source), else its readers'. Empty if no such metric
     * is reported (yet).
     */
    Optional<Long> sourceMetric(String jobId, String suffix) {
        String vertex = "/jobs/" + jobId + "/vertices/" + sourceVertex(jobId).path("id").asText();
        for (String path : List.of(vertex + "/jm-operator-metrics", vertex + "/metrics")) {
            List<String> names = new ArrayList<>();
            for (JsonNode m : get(path)) {
                if (m.path("id").asText().endsWith(suffix)) names.add(m.path("id").asText());
            }
            if (names.isEmpty()) continue;
            Optional<Long> max = Optional.empty();
            for (JsonNode m :
                    get(
                            path
                                    + "?get="
                                    + URLEncoder.encode(
                                            String.join(",", names), StandardCharsets.UTF_8))) {
                String value = m.path("value").asText("");
                if (!value.matches("-?\\d+")) continue;
                long v = Long.parseLong(value);
                if (max.isEmpty() || v > max.get()) max = Optional.of(v);
            }
            if (max.isPresent()) return max;
        }
        return Optional.empty();
    }

    /**
     * The distinct exceptions in the job's recent exception history (what made it restart): first
     * line and last cause.
     */
    List<String> exceptions(String jobId) {
        List<String> out = new ArrayList<>();
        try {
            for (JsonNode e :
                    get("/jobs/" + jobId + "/exceptions?maxExceptions=5")
                            .path("exceptionHistory")
                            .path("entries")) {
                List<String> lines = e.path("stacktrace").asText("").lines().toList();
                String cause =
                        lines.stream()
                                .filter(l -> l.startsWith("Caused by:"))
                                .reduce((a, b) -> b)
                                .orElse("");
                String text =
                        (lines.isEmpty() ? e.path("exceptionName").asText() : lines.get(0))
                                + (cause.isEmpty() ? "" : " / " + cause);
                if (!out.contains(text)) out.add(text);
            }
        } catch (RuntimeException e) {
            out.add("(exceptions not available: " + e.getMessage() + ")");
        }
        return out;
    }

    // ------------------------------------------------------------------ the script

    /**
     * Runs the script with {@code args}, echoing its output; returns the output, or fails on a
     * non-zero exit.
     */
    private String run(List<String> args, Duration timeout) throws IOException {
        Outcome outcome = execute(args, timeout);
        if (outcome.exitValue() != 0)
            throw new IllegalStateException(
                    "flink-local.sh "
                            + args
                            + " exited with "
                            + outcome.exitValue()
                            + ":\n"
                            + outcome.output());
        return outcome.output();
    }

    /** What a run of the script printed, and its exit value. */
    private record Outcome(int exitValue, String output) {}

    /** Runs the script with {@code args}, echoing its output. */
    private Outcome execute(List<String> args, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(args);
        System.out.println("$ flink-local.sh " + String.join(" ", args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("FLINK_LOCAL_HOME", home.toString());
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader =
                new Thread(
                        () -> {
                            try {
                                for (String line :
                                        (Iterable<String>) p.inputReader().lines()::iterator) {
                                    synchronized (out) {
                                        out.append(line).append('\n');
                                    }
                                    // Flink's command line also prints its own progress lines; keep
                                    // the build log to what matters
                                    if (!line.startsWith("Waiting for response"))
                                        System.out.println("  " + line);
                                }
                            } catch (UncheckedIOException e) {
                                // the process ended
                            }
                        });
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "flink-local.sh " + args + " did not finish within " + timeout);
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        synchronized (out) {
            return new Outcome(p.exitValue(), out.toString());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
        }
    }
}
