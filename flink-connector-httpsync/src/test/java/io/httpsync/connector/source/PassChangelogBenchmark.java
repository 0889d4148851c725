package io.httpsync.connector.source;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * State size and checkpoint time of {@link PassChangelog}'s keyed operator per million keys, on one
 * subtask (a {@code main} in the test sources, not part of any test run; docs/benchmarks.md says
 * how to run it). Each key holds a record of about {@code recordBytes} bytes, as a table row would;
 * a full pass then lists every key again and completes, and the time of the scan that finds the
 * unseen keys is measured too.
 *
 * <p>Arguments: keys (default 1,000,000), record size in bytes (default 200), backends ({@code
 * heap,rocksdb}).
 */
public final class PassChangelogBenchmark {
    private PassChangelogBenchmark() {}

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int recordBytes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String[] backends = (args.length > 2 ? args[2] : "heap,rocksdb").split(",");
        for (String backend : backends) run(backend.trim(), keys, recordBytes);
    }

    private static void run(String backendName, int keys, int recordBytes) throws Exception {
        StateBackend backend =
                backendName.equals("rocksdb")
                        ? new EmbeddedRocksDBStateBackend(false)
                        : new HashMapStateBackend();
        PassChangelog.ChangelogOperator.Factory<String> operator =
                new PassChangelog.ChangelogOperator.Factory<>(
                        Types.STRING,
                        FullPasses.every(Duration.ofHours(1)),
                        PassChangelog.Keys.of(r -> "t", r -> r),
                        (last, passStart, soft) -> last);
        int maxParallelism = 128;
        String[] groupKeys = PassChangelog.KeyedCopies.groupKeys(maxParallelism);
        String padding = "x".repeat(Math.max(0, recordBytes - 20));
        try (KeyedOneInputStreamOperatorTestHarness<
                        String, Tuple2<String, SyncElement<String>>, String>
                h =
                        new KeyedOneInputStreamOperatorTestHarness<>(
                                operator, t -> t.f0, Types.STRING, maxParallelism, 1, 0)) {
            h.setStateBackend(backend);
            // checkpoints written to files, as a job's would (the memory storage caps at 5 MB)
            Path checkpoints = Files.createTempDirectory("pass-changelog-benchmark");
            h.setCheckpointStorage(new FileSystemCheckpointStorage(checkpoints.toUri()));
            h.setup();
            h.open();
            long t0 = System.nanoTime();
            for (int i = 0; i < keys; i++) record(h, i, padding);
            long loaded = System.nanoTime();
            h.getOutput().clear();

            OperatorSubtaskState snapshot = h.snapshot(1, 1);
            long snapshotted = System.nanoTime();
            long stateBytes = snapshot.getStateSize();

            // a pass: started, every key but one in a thousand listed again, completed
            marker(h, groupKeys, PassMarker.Kind.STARTED, 1);
            for (int i = 0; i < keys; i++) if (i % 1000 != 0) record(h, i, padding);
            long listed = System.nanoTime();
            marker(h, groupKeys, PassMarker.Kind.COMPLETED, maxParallelism);
            long completed = System.nanoTime();
            int deletions = h.getOutput().size();

            System.out.printf(
                    Locale.ROOT,
                    "%s: %,d keys of %d-byte records: load %.1f s, checkpoint %.2f s, state %.1f MB"
                            + " (%.0f bytes/key); pass listing %.1f s, completion scan %.2f s,"
                            + " %,d deletions%n",
                    backendName,
                    keys,
                    recordBytes,
                    (loaded - t0) / 1e9,
                    (snapshotted - loaded) / 1e9,
                    stateBytes / 1e6,
                    (double) stateBytes / keys,
                    (listed - snapshotted) / 1e9,
                    (completed - listed) / 1e9,
                    deletions);
        }
    }

    private static void record(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            int i,
            String padding)
            throws Exception {
        String id = Integer.toString(i);
        h.processElement(
                new StreamRecord<>(
                        Tuple2.of(
                                PassChangelog.recordKey("shop-1", id),
                                SyncElement.record(id + padding)),
                        1_000L + i));
    }

    private static void marker(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            String[] groupKeys,
            PassMarker.Kind kind,
            int copies)
            throws Exception {
        PassMarker marker = new PassMarker(kind, "shop-1", 10_000_000L, 0, 5_000_000L, 0, 1);
        for (int i = 0; i < copies; i++)
            h.processElement(
                    new StreamRecord<>(Tuple2.of(groupKeys[i], SyncElement.marker(marker))));
    }
}
