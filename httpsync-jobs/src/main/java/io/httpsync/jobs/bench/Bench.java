package io.httpsync.jobs.bench;

import io.httpsync.simulator.SimulatorMain;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code bench} command: benchmarks anyone can run from the source tree (they need the
 * simulator and an embedded PostgreSQL), each printing its results as {@code BENCH name=...
 * key=value ...} lines a script can read. Not tests: they measure and assert nothing. See
 * docs/benchmarks.md.
 *
 * <pre>
 * bench landing [--shops 3] [--orders 30000] [--parallelism 2]
 * bench e2e [--q 100] [--latency-ms 50] [--shops 3] [--orders 20000] [--days 3] [--serial true]
 * bench e2e-overlimit [--real 3] [--configured 10] [--seconds 150] [--warm-up-s 60] [--parallelism 2]
 * bench memory [--records 2000000] [--windows 10000] [--shops 4] [--days 10] [--heap-mb 512]
 *     [--parallelism 2] [--sample-ms 1000] [--checkpoint-ms 5000]
 * bench tenants [--shops 3000] [--large 5] [--large-orders 20000] [--small-orders 3] [--days 30]
 *     [--platform 300] [--shop-limit 10] [--large-limit 100] [--parallelism 2] [--checkpoint-s 5]
 *     [--discovery-s 60] [--lag-s 5] [--timeout-s 200] [--runs recent-first,history-first]
 * </pre>
 */
public final class Bench {
    private Bench() {}

    /** Runs the named benchmark; returns its BENCH lines. */
    public static List<String> run(String[] args, PrintStream out) throws Exception {
        String which = args.length == 0 ? "" : args[0];
        Map<String, String> options =
                SimulatorMain.parse(
                        Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
        return switch (which) {
            case "landing" -> LandingBench.run(options, out);
            case "e2e" -> E2eBench.run(options, out);
            case "e2e-overlimit" -> OverLimitBench.run(options, out);
            case "memory" -> MemoryBench.run(options, out);
            case "tenants" -> TenantsBench.run(options, out);
            default ->
                    throw new IllegalArgumentException(
                            "bench needs one of: landing, e2e, e2e-overlimit, memory, tenants; was '"
                                    + which
                                    + "'");
        };
    }
}
