package io.httpsync.connector.source;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * State size and checkpoint time of {@link PassChangelog}'s keyed operator per million keys, on one
 * subtask (a {@code main} in the test sources, not part of any test run; docs/benchmarks.md says
 * how to run it). Each key holds a record of about {@code recordBytes} bytes, as a table row would;
 * a full pass then lists every key again and completes, and the time of the scan that finds the
 * unseen keys is measured too.
 *
 * <p>With RocksDB ({@code rocksdb}: full snapshots, {@code rocksdb-incremental}: incremental
 * checkpoints) it also reports the database's size on local disk, the bytes the checkpoints wrote
 * to their storage, and a second checkpoint after the pass and a third after 1 % of the keys
 * changed: what an incremental checkpoint uploads while a sync runs.
 *
 * <p>Arguments: keys (default 1,000,000), record size in bytes (default 200), backends ({@code
 * heap,rocksdb,rocksdb-incremental}).
 */
public final class PassChangelogBenchmark {
    /** The RocksDB memory of the one subtask (a slot's share of a TaskManager's managed memory). */
    private static final MemorySize MANAGED_MEMORY = MemorySize.parse("256 mb");

    private PassChangelogBenchmark() {}

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int recordBytes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String[] backends =
                (args.length > 2 ? args[2] : "heap,rocksdb,rocksdb-incremental").split(",");
        for (String backend : backends) run(backend.trim(), keys, recordBytes);
    }

    private static void run(String backendName, int keys, int recordBytes) throws Exception {
        Path db = Files.createTempDirectory("pass-changelog-benchmark-db");
        StateBackend backend;
        if (backendName.startsWith("rocksdb")) {
            EmbeddedRocksDBStateBackend rocksdb =
                    new EmbeddedRocksDBStateBackend(backendName.equals("rocksdb-incremental"));
            rocksdb.setDbStoragePath(db.toString());
            // the harness has almost no managed memory, under which RocksDB flushes its memtable
            // all the time; a task slot of a TaskManager with 1 GB of managed memory has this much
            rocksdb.getMemoryConfiguration().setFixedMemoryPerSlot(MANAGED_MEMORY);
            backend = rocksdb;
        } else {
            backend = new HashMapStateBackend();
        }
        FullPasses passes = FullPasses.every(Duration.ofHours(1));
        PassChangelog.ChangelogOperator.Factory<String> operator =
                new PassChangelog.ChangelogOperator.Factory<>(
                        Types.STRING,
                        passes,
                        PassChangelog.Keys.of(r -> "t", r -> r),
                        (last, passStart, soft) -> last);
        int maxParallelism = 128;
        String[] groupKeys = PassChangelog.KeyedCopies.groupKeys(maxParallelism);
        int padding = Math.max(0, recordBytes - 20);
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
            CoordinatedSubtasks.alone(h, passes); // the ratio decision comes at once
            h.open();
            long t0 = System.nanoTime();
            for (int i = 0; i < keys; i++) record(h, i, padding);
            long loaded = System.nanoTime();
            h.getOutput().clear();

            OperatorSubtaskState snapshot = h.snapshot(1, 1);
            long snapshotted = System.nanoTime();
            long stateBytes = snapshot.getStateSize();
            long firstUpload = snapshot.getCheckpointedSize();
            long storedAfterFirst = bytesUnder(checkpoints);
            long dbBytes = bytesUnder(db);
            h.notifyOfCompletedCheckpoint(1);

            // a pass: started, every key but one in a thousand listed again, completed
            marker(h, groupKeys, PassMarker.Kind.STARTED, 1);
            for (int i = 0; i < keys; i++) if (i % 1000 != 0) record(h, i, padding);
            long listed = System.nanoTime();
            marker(h, groupKeys, PassMarker.Kind.COMPLETED, maxParallelism);
            long completed = System.nanoTime();
            int deletions = h.getOutput().size();

            // the checkpoint after the pass (every key's pass stamp changed), then one after 1 %
            // of the keys changed, as while a sync runs
            long second0 = System.nanoTime();
            OperatorSubtaskState afterPass = h.snapshot(2, 2);
            long secondMillis = (System.nanoTime() - second0) / 1_000_000;
            h.notifyOfCompletedCheckpoint(2);
            for (int i = 0; i < keys; i += 100) record(h, i, padding, 2_000_000L + i);
            long third0 = System.nanoTime();
            OperatorSubtaskState afterChanges = h.snapshot(3, 3);
            long thirdMillis = (System.nanoTime() - third0) / 1_000_000;
            h.notifyOfCompletedCheckpoint(3);

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
            System.out.printf(
                    Locale.ROOT,
                    "%s: checkpoint 1 uploaded %.1f MB (storage holds %.1f MB), local database %.1f"
                            + " MB; checkpoint 2 (after the pass) %.2f s, uploaded %.1f MB of %.1f MB;"
                            + " checkpoint 3 (after %,d changed keys) %.2f s, uploaded %.1f MB of %.1f"
                            + " MB; storage holds %.1f MB, local database %.1f MB%n",
                    backendName,
                    firstUpload / 1e6,
                    storedAfterFirst / 1e6,
                    dbBytes / 1e6,
                    secondMillis / 1e3,
                    afterPass.getCheckpointedSize() / 1e6,
                    afterPass.getStateSize() / 1e6,
                    (keys + 99) / 100,
                    thirdMillis / 1e3,
                    afterChanges.getCheckpointedSize() / 1e6,
                    afterChanges.getStateSize() / 1e6,
                    bytesUnder(checkpoints) / 1e6,
                    bytesUnder(db) / 1e6);
        }
    }

    /** The bytes of the files under {@code dir}. */
    private static long bytesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException gone) {
                                    return 0; // deleted while walking (a compaction)
                                }
                            })
                    .sum();
        }
    }

    private static void record(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            int i,
            int padding)
            throws Exception {
        record(h, i, padding, 1_000L + i);
    }

    private static void record(
            KeyedOneInputStreamOperatorTestHarness<
                            String, Tuple2<String, SyncElement<String>>, String>
                    h,
            int i,
            int padding,
            long updated)
            throws Exception {
        String id = Integer.toString(i);
        h.processElement(
                new StreamRecord<>(
                        Tuple2.of(
                                PassChangelog.recordKey("shop-1", id),
                                SyncElement.record(id + row(i, updated, padding))),
                        updated));
    }

    /**
     * {@code chars} letters and digits drawn from the key and its version: a row that RocksDB's
     * block compression cannot shrink much (a repeated padding would shrink to nothing).
     */
    private static String row(int key, long version, int chars) {
        SplittableRandom random = new SplittableRandom(key * 1_000_003L + version);
        char[] out = new char[chars];
        for (int c = 0; c < chars; c++) out[c] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        return new String(out);
    }

    private static final String ALPHABET =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

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
