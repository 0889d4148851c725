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
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code bench e2e-overlimit}: a Flink job (source → collect, parallelism 2) syncing the Kuaishou
 * simulator whose app limit is {@code --real} requests per second (3), while the connector's app
 * bucket is configured {@code --configured} (10): more than three times too high, refused with a
 * code inside HTTP 200 and no wait, as Kuaishou does. Everything else is the connector's defaults,
 * adaptation included. Pages of 10 records make many requests of few records, sized so that the
 * sync lasts about {@code --seconds} at the real limit.
 *
 * <p>Prints {@code BENCH name=e2e-overlimit real_rate_fraction=... refusal_share=...}: the accepted
 * rate from {@code --warm-up-s} (60) after the first request to the last, as a share of the real
 * limit; the share of list requests the platform refused over the whole run; the same rate over the
 * whole run and over each 30 s; and the records missing against the simulator's ground truth. Not a
 * test: it measures, it asserts nothing.
 */
public final class OverLimitBench {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final int PAGE = 10;

    private OverLimitBench() {}

    /** Runs the benchmark; returns the BENCH line it printed. */
    public static List<String> run(Map<String, String> options, PrintStream out) throws Exception {
        int real = Integer.parseInt(options.getOrDefault("real", "3"));
        int configured = Integer.parseInt(options.getOrDefault("configured", "10"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "150"));
        long warmUpMillis = Long.parseLong(options.getOrDefault("warm-up-s", "60")) * 1000;
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        // three shops: one big, two small, together about real x seconds pages
        int pages = real * seconds;
        int big = Math.max(PAGE, pages * PAGE * 8 / 10);
        int small = Math.max(PAGE, pages * PAGE / 10);
        try (Simulator sim = new Simulator(7)) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.limits().clear();
            kuaishou.limits().set(LimitRule.perSecond("app-api-qps", LimitScope.APP_API, real));
            List<Tenant> tenants = BenchShops.add(kuaishou, 6 * DAY, big, small, small);
            sim.start(0);
            Map<String, String> endpoint = Demo.kuaishouSimulatorOptions(sim.baseUrl("kuaishou"));
            endpoint.put("pagination.page-size", String.valueOf(PAGE));
            endpoint.put("rate-limit.bucket.app.scope", "app");
            endpoint.put("rate-limit.bucket.app.permits", String.valueOf(configured));
            endpoint.put("rate-limit.namespace", "bench-overlimit");

            long end = System.currentTimeMillis() - 60_000;
            long start = end - 7 * DAY;
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(parallelism);
            HttpSyncSource<RawRecord> source =
                    HttpSyncSource.<RawRecord>builder()
                            .setEndpoint(EndpointSpec.fromOptions(endpoint))
                            .setTenants(tenants)
                            .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                            .setWindowStep(Duration.ofDays(1))
                            .setDeserializer(RecordDeserializer.raw())
                            .build();
            Set<String> seen = new HashSet<>();
            try (CloseableIterator<RawRecord> records =
                    HttpSyncStreams.records(
                                    env.fromSource(
                                            source, source.watermarkStrategy(), "overlimit source"),
                                    Types.POJO(RawRecord.class),
                                    "bench")
                            .executeAndCollect("bench e2e-overlimit")) {
                records.forEachRemaining(r -> seen.add(r.tenant + "/" + r.id));
            }
            long expected = 0;
            long missing = 0;
            for (Tenant t : tenants) {
                for (var r : kuaishou.groundTruth(t.id()).live()) {
                    if (r.updateTime() < start || r.updateTime() >= end) continue;
                    expected++;
                    if (!seen.contains(t.id() + "/" + r.id())) missing++;
                }
            }

            Accounting.Stats app =
                    sim.accounting()
                            .limitKey("kuaishou/app-api-qps:bench-key/" + KuaishouSim.ORDER_LIST);
            List<Long> accepted =
                    sim.accounting().requests().stream()
                            .filter(e -> e.endpoint().endsWith("/" + KuaishouSim.ORDER_LIST))
                            .filter(e -> e.outcome().equals("ok"))
                            .map(Accounting.RequestLogEntry::time)
                            .sorted()
                            .toList();
            long first = accepted.get(0);
            long last = accepted.get(accepted.size() - 1);
            long from = first + warmUpMillis;
            long afterWarmUp = accepted.stream().filter(t -> t >= from).count();
            StringBuilder per30s = new StringBuilder();
            for (long s = first; s < last; s += 30_000) {
                long lo = s;
                long hi = Math.min(last + 1, s + 30_000);
                long n = accepted.stream().filter(t -> t >= lo && t < hi).count();
                if (per30s.length() > 0) per30s.append(',');
                per30s.append(format(n * 1000.0 / (hi - lo) / real));
            }
            String line =
                    "BENCH name=e2e-overlimit"
                            + " real_rate_fraction="
                            + (last > from
                                    ? format(afterWarmUp * 1000.0 / (last - from) / real)
                                    : "n/a")
                            + " refusal_share="
                            + format((double) app.refused() / (app.served() + app.refused()))
                            + " real_per_s="
                            + real
                            + " configured_per_s="
                            + configured
                            + " warm_up_s="
                            + warmUpMillis / 1000
                            + " whole_run_fraction="
                            + format(accepted.size() * 1000.0 / Math.max(1, last - first) / real)
                            + " per_30s_fraction="
                            + per30s
                            + " accepted="
                            + app.served()
                            + " refused="
                            + app.refused()
                            + " wall_s="
                            + (last - first) / 1000
                            + " records="
                            + expected
                            + " missing="
                            + missing;
            out.println(line);
            return List.of(line);
        }
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
