package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a test (no {@code Test} in its name, so the normal build never runs it): the window ledger of
 * a continuous sync with thousands of tenants that a registry adds at once, each with days of
 * history. Readers are simulated: they take windows in batches, report them finished, and a
 * checkpoint completes every so many windows. Measured: planning and assignment time, the largest
 * checkpoint (serialized enumerator state), the heap the ledger holds, and the spread of the
 * tenants' positions while the history fills in. See {@code docs/benchmarks.md}. Run from the
 * repository root:
 *
 * <pre>
 * mvn -B -ntp -pl flink-connector-httpsync -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx512m -cp flink-connector-httpsync/target/test-classes:flink-connector-httpsync/target/classes:$(cat /tmp/cp.txt) \
 *     io.httpsync.connector.source.enumerator.EnumeratorScaleBenchmark 3000 7 6 64
 * </pre>
 *
 * <p>Arguments: tenants, days of history, window step in hours, windows in flight (all readers).
 */
public final class EnumeratorScaleBenchmark {
    public static void main(String[] args) throws Exception {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int stepHours = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        int inFlight = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        Instant start = now.minus(Duration.ofDays(days));
        SyncPlan plan =
                SyncPlan.builder()
                        .tenantsFromRegistry(true)
                        .startTime(start)
                        .step(Duration.ofHours(stepHours))
                        .lag(Duration.ZERO)
                        .clock(new ManualClock(now))
                        .build();
        HttpSyncEnumStateSerializer serializer = new HttpSyncEnumStateSerializer();
        new WindowLedger(plan, null); // loads the classes and starts the logging: not measured
        long heapBefore = usedHeap();
        long t0 = System.nanoTime();
        WindowLedger ledger = new WindowLedger(plan, null);
        ledger.advanceHorizon(now.toEpochMilli());
        long created = System.nanoTime();
        for (int i = 0; i < tenants; i++)
            ledger.activate(String.format("shop-%05d", i), start.toEpochMilli());
        long activated = System.nanoTime();

        long windows = 0;
        long checkpoint = 0;
        int maxStateBytes = 0;
        long assignNanos = 0;
        long maxAssignNanos = 0;
        List<WindowSplit> assigned = new ArrayList<>();
        long expected = (long) tenants * days * 24 / stepHours;
        long halfway = -1;
        String spreadAtHalf = "";
        while (true) {
            while (assigned.size() < inFlight) {
                long a = System.nanoTime();
                WindowSplit w = ledger.assignNext(inFlight);
                long took = System.nanoTime() - a;
                assignNanos += took;
                maxAssignNanos = Math.max(maxAssignNanos, took);
                if (w == null) break;
                assigned.add(w);
            }
            if (assigned.isEmpty()) break;
            // the oldest half of what is in flight finishes
            int done = Math.max(1, assigned.size() / 2);
            for (int i = 0; i < done; i++) ledger.finished(assigned.remove(0));
            windows += done;
            if (windows / 1000 > checkpoint) {
                checkpoint = windows / 1000;
                HttpSyncEnumState state = ledger.snapshot(checkpoint);
                maxStateBytes = Math.max(maxStateBytes, serializer.serialize(state).length);
                ledger.checkpointComplete(checkpoint);
            }
            if (halfway < 0 && windows >= expected / 2) {
                halfway = windows;
                spreadAtHalf = spread(ledger);
            }
        }
        ledger.snapshot(checkpoint + 1);
        ledger.checkpointComplete(checkpoint + 1);
        long end = System.nanoTime();
        long heapAfter = usedHeap();
        int finalStateBytes = serializer.serialize(ledger.snapshot(checkpoint + 2)).length;
        System.out.printf(
                "tenants=%d days=%d step=%dh inFlight=%d%n"
                        + "windows read=%d (expected %d)%n"
                        + "ledger created: %.1f ms; activate all: %.1f ms; whole run: %.1f ms; assignNext mean %.1f us, max %.1f ms%n"
                        + "largest checkpoint: %d bytes; final checkpoint: %d bytes (%.0f bytes per tenant)%n"
                        + "heap held by the ledger after the run: ~%d KiB%n"
                        + "positions at half the windows: %s%n",
                tenants,
                days,
                stepHours,
                inFlight,
                windows,
                expected,
                (created - t0) / 1e6,
                (activated - created) / 1e6,
                (end - t0) / 1e6,
                assignNanos / 1e3 / Math.max(1, windows),
                maxAssignNanos / 1e6,
                maxStateBytes,
                finalStateBytes,
                finalStateBytes / (double) tenants,
                Math.max(0, heapAfter - heapBefore) / 1024,
                spreadAtHalf);
        if (ledger.syncPositions().size() != tenants) throw new AssertionError("tenants lost");
    }

    /** Min, median and max of the tenants' positions, in hours after the earliest. */
    private static String spread(WindowLedger ledger) {
        List<Long> positions = new ArrayList<>(ledger.syncPositions().values());
        positions.sort(Long::compare);
        long min = positions.get(0);
        return String.format(
                "min +0 h, median +%d h, max +%d h",
                (positions.get(positions.size() / 2) - min) / 3_600_000,
                (positions.get(positions.size() - 1) - min) / 3_600_000);
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
