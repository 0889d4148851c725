package io.httpsync.jobs.bench;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.SimulatorMain;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.FileUtils;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code bench memory}: heap after GC and the enumerator's checkpointed state over a long bounded
 * sync of many small windows, in a JVM whose heap is capped ({@code --heap-mb}, 512).
 *
 * <p>A JVM's heap limit cannot be set from inside it, so the command runs the job in a child JVM
 * ({@code java -Xmx<heap-mb>m}, the same class path, this class's {@link #main}): a local Flink at
 * parallelism 2, source → discard, syncing the Kuaishou simulator (in this, the parent JVM, without
 * limits or latency) of {@code shops} shops × {@code records} ÷ {@code shops} orders over {@code
 * days} days with a window step that makes {@code windows} windows. Checkpoints every {@code
 * checkpoint-ms} (5 s; 0: none) in files.
 *
 * <p>Every {@code sample-ms} (1 s) the child runs a full GC ({@link System#gc()}) and reports the
 * heap used after it, the records it has seen and the size of the source's coordinator (the
 * enumerator) state in the newest completed checkpoint. The quarters are quarters of the records:
 * {@code heap_first_quarter_mb} is the median of the samples taken while the first quarter of the
 * records arrived, {@code heap_last_quarter_mb} of the last quarter's. {@code windows} counts the
 * windows the simulator was asked for (first pages), and {@code growth_per_window_kb} the heap
 * grown between the two quarters' medians over the windows begun between them. The sink counts the
 * records and sums a hash of each (tenant, id, update time); both are compared with the simulator's
 * ground truth ({@code sink_equals_truth}).
 *
 * <p>Prints {@code BENCH name=memory heap_first_quarter_mb=... heap_last_quarter_mb=... ...}. Not a
 * test: it measures, it asserts nothing.
 */
public final class MemoryBench {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String LIST = "kuaishou/" + KuaishouSim.ORDER_LIST;

    /** Prefix of the child's lines for the parent; anything else it prints passes through. */
    private static final String CHILD = "MEMBENCH ";

    private MemoryBench() {}

    /** One sample of the child: when, heap after GC, records so far, enumerator state (or -1). */
    private record Sample(long time, long heapBytes, long records, long enumeratorStateBytes) {}

    /** Runs the benchmark; returns the BENCH line it printed. */
    public static List<String> run(Map<String, String> options, PrintStream out) throws Exception {
        int shops = Integer.parseInt(options.getOrDefault("shops", "4"));
        int records = Integer.parseInt(options.getOrDefault("records", "2000000"));
        int windows = Integer.parseInt(options.getOrDefault("windows", "10000"));
        int days = Integer.parseInt(options.getOrDefault("days", "10"));
        int heapMb = Integer.parseInt(options.getOrDefault("heap-mb", "512"));
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        long sampleMillis = Long.parseLong(options.getOrDefault("sample-ms", "1000"));
        long checkpointMillis = Long.parseLong(options.getOrDefault("checkpoint-ms", "5000"));
        Path checkpoints = Files.createTempDirectory("httpsync-bench-memory");
        try (Simulator sim = new Simulator(7)) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.limits().clear(); // the source's memory is measured, not the limits
            int[] orders = new int[shops];
            for (int i = 0; i < shops; i++)
                orders[i] = records / shops + (i < records % shops ? 1 : 0);
            List<Tenant> tenants = BenchShops.add(kuaishou, days * DAY, orders);
            sim.start(0);
            long end = System.currentTimeMillis();
            long start = end - days * DAY - 60_000;
            // windows per shop x shops = windows
            long step = Math.max(1, -Math.floorDiv(-(end - start) * shops, windows));

            List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heapMb + "m");
            command.add("-cp");
            command.add(ManagementFactory.getRuntimeMXBean().getClassPath());
            command.add(MemoryBench.class.getName());
            Map<String, String> childArgs = new HashMap<>();
            childArgs.put("url", sim.baseUrl("kuaishou"));
            childArgs.put("shops", String.valueOf(shops));
            childArgs.put("start", String.valueOf(start));
            childArgs.put("end", String.valueOf(end));
            childArgs.put("step-ms", String.valueOf(step));
            childArgs.put("parallelism", String.valueOf(parallelism));
            childArgs.put("sample-ms", String.valueOf(sampleMillis));
            childArgs.put("checkpoint-ms", String.valueOf(checkpointMillis));
            childArgs.put("checkpoints", checkpoints.toString());
            childArgs.forEach(
                    (k, v) -> {
                        command.add("--" + k);
                        command.add(v);
                    });

            long launched = System.currentTimeMillis();
            Process child =
                    new ProcessBuilder(command)
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            List<Sample> samples = new ArrayList<>();
            Map<String, Long> result = new HashMap<>();
            try (BufferedReader lines =
                    new BufferedReader(
                            new InputStreamReader(
                                    child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (!line.startsWith(CHILD)) {
                        System.err.println(line);
                        continue;
                    }
                    Map<String, Long> values = values(line);
                    if (line.startsWith(CHILD + "sample")) {
                        samples.add(
                                new Sample(
                                        values.get("time"),
                                        values.get("heap"),
                                        values.get("records"),
                                        values.get("enumerator_state")));
                    } else {
                        result.putAll(values);
                    }
                }
            } finally {
                if (!child.waitFor(1, TimeUnit.MINUTES)) child.destroyForcibly();
            }
            if (child.exitValue() != 0 || !result.containsKey("records"))
                throw new IllegalStateException(
                        "bench memory: the child JVM failed (exit code "
                                + child.exitValue()
                                + "); its output is above");

            long expected = 0;
            long checksum = 0;
            for (Tenant t : tenants) {
                for (GroundTruth.TruthRecord r : kuaishou.groundTruth(t.id()).live()) {
                    if (r.updateTime() < start || r.updateTime() >= end) continue;
                    expected++;
                    checksum += hash(t.id(), r.id(), r.updateTime());
                }
            }
            List<Long> firstPages = new ArrayList<>();
            for (Accounting.RequestLogEntry r : sim.accounting().requests()) {
                if (r.endpoint().equals(LIST)
                        && r.outcome().equals("ok")
                        && r.position().endsWith("cursor=")) firstPages.add(r.time());
            }
            firstPages.sort(Long::compare);

            long seen = result.get("records");
            List<Sample> first = quarter(samples, 0, seen / 4);
            List<Sample> last = quarter(samples, seen - seen / 4, seen);
            Sample firstMedian = median(first);
            Sample lastMedian = median(last);
            long windowsBetween =
                    firstMedian == null || lastMedian == null
                            ? 0
                            : countUntil(firstPages, lastMedian.time)
                                    - countUntil(firstPages, firstMedian.time);
            double growthPerWindowKb =
                    windowsBetween <= 0
                            ? Double.NaN
                            : (lastMedian.heapBytes - firstMedian.heapBytes)
                                    / 1024.0
                                    / windowsBetween;
            long enumeratorMax =
                    samples.stream().mapToLong(Sample::enumeratorStateBytes).max().orElse(-1);
            String line =
                    "BENCH name=memory"
                            + " heap_first_quarter_mb="
                            + mb(firstMedian)
                            + " heap_last_quarter_mb="
                            + mb(lastMedian)
                            + " last_over_first="
                            + (firstMedian == null || lastMedian == null
                                    ? "n/a"
                                    : format((double) lastMedian.heapBytes / firstMedian.heapBytes))
                            + " growth_per_window_kb="
                            + format(growthPerWindowKb)
                            + " windows="
                            + firstPages.size()
                            + " records="
                            + seen
                            + " sink_equals_truth="
                            + (seen == expected && result.get("checksum") == checksum)
                            + " enumerator_state_first_quarter_kb="
                            + kb(maxEnumeratorState(first))
                            + " enumerator_state_last_quarter_kb="
                            + kb(maxEnumeratorState(last))
                            + " enumerator_state_max_kb="
                            + kb(enumeratorMax)
                            + " heap_max_after_gc_mb="
                            + format(
                                    samples.stream().mapToLong(Sample::heapBytes).max().orElse(0)
                                            / 1048576.0)
                            + " samples="
                            + samples.size()
                            + " xmx_mb="
                            + heapMb
                            + " step_s="
                            + format(step / 1000.0)
                            + " checkpoint_ms="
                            + checkpointMillis
                            + " sync_s="
                            + format(result.get("sync_ms") / 1000.0)
                            + " wall_s="
                            + format((System.currentTimeMillis() - launched) / 1000.0);
            out.println(line);
            return List.of(line);
        } finally {
            FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
        }
    }

    /**
     * The child JVM: runs the sync, samples the heap after GC, prints {@code MEMBENCH} lines for
     * the parent.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = SimulatorMain.parse(args);
        int shops = Integer.parseInt(o.get("shops"));
        long sampleMillis = Long.parseLong(o.get("sample-ms"));
        long checkpointMillis = Long.parseLong(o.get("checkpoint-ms"));
        Path checkpoints = Paths.get(o.get("checkpoints"));

        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(Integer.parseInt(o.get("parallelism")));
        if (checkpointMillis > 0) env.enableCheckpointing(checkpointMillis);
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(
                                EndpointSpec.fromOptions(
                                        Demo.kuaishouSimulatorOptions(o.get("url"))))
                        .setTenants(BenchShops.tenants(shops))
                        .setBounded(
                                Instant.ofEpochMilli(Long.parseLong(o.get("start"))),
                                Instant.ofEpochMilli(Long.parseLong(o.get("end"))),
                                Duration.ZERO) // the simulator lists a change at once
                        .setRateLimit(100_000, 1_000)
                        .setWindowStep(Duration.ofMillis(Long.parseLong(o.get("step-ms"))))
                        .setSplitsInFlightPerReader(16)
                        .setDeserializer(RecordDeserializer.raw())
                        .build();
        HttpSyncStreams.records(
                        env.fromSource(source, source.watermarkStrategy(), "bench source")
                                .uid("bench-source"),
                        Types.POJO(RawRecord.class),
                        "bench")
                .filter(new Count())
                .sinkTo(new DiscardingSink<>());

        PrintStream out = System.out;
        Thread sampler =
                new Thread(
                        () -> {
                            try {
                                while (!Thread.currentThread().isInterrupted()) {
                                    Thread.sleep(sampleMillis);
                                    System.gc();
                                    long heap =
                                            ManagementFactory.getMemoryMXBean()
                                                    .getHeapMemoryUsage()
                                                    .getUsed();
                                    out.println(
                                            CHILD
                                                    + "sample time="
                                                    + System.currentTimeMillis()
                                                    + " heap="
                                                    + heap
                                                    + " records="
                                                    + Count.RECORDS.get()
                                                    + " enumerator_state="
                                                    + enumeratorStateBytes(checkpoints));
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "bench-memory-sampler");
        sampler.setDaemon(true);
        long started = System.currentTimeMillis();
        sampler.start();
        try {
            env.execute("bench memory");
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        out.println(
                CHILD
                        + "result records="
                        + Count.RECORDS.get()
                        + " checksum="
                        + Count.CHECKSUM.get()
                        + " sync_ms="
                        + (System.currentTimeMillis() - started));
        out.flush();
        System.exit(0);
    }

    /**
     * Counts the records and sums their hashes, then drops them. The local Flink runs in the
     * child's JVM with its class path, so the static counters are the ones the sampler reads; they
     * are atomic because the subtasks' threads add to them.
     */
    private static final class Count implements FilterFunction<RawRecord> {
        static final AtomicLong RECORDS = new AtomicLong();
        static final AtomicLong CHECKSUM = new AtomicLong();

        @Override
        public boolean filter(RawRecord r) {
            RECORDS.incrementAndGet();
            CHECKSUM.addAndGet(hash(r.tenant, r.id, r.updateTime));
            return false;
        }
    }

    /** A 64-bit hash of one record version; summed, the order does not matter. */
    private static long hash(String tenant, String id, long updateTime) {
        long h = 1125899906842597L;
        for (char c : (tenant + '/' + id).toCharArray()) h = 31 * h + c;
        h = 31 * h + updateTime;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    /**
     * The size of the source coordinator's (the enumerator's) state in the newest completed
     * checkpoint under {@code checkpoints}, or -1 if there is none (yet).
     */
    private static long enumeratorStateBytes(Path checkpoints) {
        try (Stream<Path> files = Files.walk(checkpoints)) {
            Path newest =
                    files.filter(p -> p.getFileName().toString().equals("_metadata"))
                            .max(Comparator.comparingLong(MemoryBench::checkpointId))
                            .orElse(null);
            if (newest == null) return -1;
            try (InputStream in = Files.newInputStream(newest)) {
                CheckpointMetadata metadata =
                        Checkpoints.loadCheckpointMetadata(
                                new DataInputStream(in),
                                MemoryBench.class.getClassLoader(),
                                newest.getParent().toString());
                long bytes = 0;
                for (OperatorState s : metadata.getOperatorStates()) {
                    if (s.getCoordinatorState() != null)
                        bytes += s.getCoordinatorState().getStateSize();
                }
                return bytes;
            }
        } catch (IOException | RuntimeException e) {
            return -1; // a checkpoint removed while read: the next sample reads the next one
        }
    }

    private static long checkpointId(Path metadata) {
        String dir = metadata.getParent().getFileName().toString(); // chk-<id>
        try {
            return Long.parseLong(dir.substring(dir.indexOf('-') + 1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The samples taken while records (from, to] had arrived. */
    private static List<Sample> quarter(List<Sample> samples, long from, long to) {
        List<Sample> in = new ArrayList<>();
        for (Sample s : samples) if (s.records > from && s.records <= to) in.add(s);
        return in;
    }

    private static Sample median(List<Sample> samples) {
        if (samples.isEmpty()) return null;
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingLong(Sample::heapBytes));
        return sorted.get(sorted.size() / 2);
    }

    private static long maxEnumeratorState(List<Sample> samples) {
        return samples.stream().mapToLong(Sample::enumeratorStateBytes).max().orElse(-1);
    }

    private static long countUntil(List<Long> sortedTimes, long time) {
        int i = 0;
        while (i < sortedTimes.size() && sortedTimes.get(i) <= time) i++;
        return i;
    }

    private static Map<String, Long> values(String line) {
        Map<String, Long> values = new HashMap<>();
        for (String part : line.split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) values.put(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
        }
        return values;
    }

    private static String mb(Sample s) {
        return s == null ? "n/a" : format(s.heapBytes / 1048576.0);
    }

    private static String kb(long bytes) {
        return bytes < 0 ? "n/a" : format(bytes / 1024.0);
    }

    private static String format(double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.2f", value);
    }
}
