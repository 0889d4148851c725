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
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.data.HotWindow;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bench tenants}: thousands of shops under nested limits, synced continuously, shaped like
 * an app serving many Kuaishou shops: {@code --shops} (3,000) Kuaishou shops under one app, {@code
 * --large} (5) of them large ({@code --large-orders}, 20,000 orders) and raised to {@code
 * --large-limit} (100) requests per second, the rest small ({@code --small-orders}, 3) at {@code
 * --shop-limit} (10) per second, all with {@code --days} (30) of history and at least one order in
 * the hour before the sync starts; the app's limit over all shops is {@code --platform} (300) per
 * second. The simulator enforces the limits (a shop's own limit with {@code
 * RateLimits.setTenantLimit}); the connector gets the same as its {@code app} and {@code
 * tenant-api} buckets and the large shops' property {@code rate-limit.permits-per-second}.
 *
 * <p>Two continuous syncs of the same shops, one after the other in one run, each into an {@link
 * ArrivalLog} (source → records → the arrival time of each record): {@code recent-first} (the
 * default, {@code scan.recent.span} 1 hour) and {@code history-first} ({@code scan.recent.span} 0:
 * every shop oldest first, as before recent windows went first). Each runs until every order of
 * every shop has arrived (or {@code --timeout-s}), then is cancelled. Times are from the run's
 * first list request. Per run, one line {@code BENCH name=tenants-<run> ...}:
 *
 * <ul>
 *   <li>{@code rate_over_limit}: accepted list requests per second in the middle 90 % of the run's
 *       requests (the simulator's log, up to the last order's arrival), over the platform limit;
 *   <li>{@code refused}: requests any limit of the simulator refused;
 *   <li>{@code recent_hour_all_in_s} (and p50, p90 over shops): until each shop's orders updated in
 *       the hour before the sync started had all arrived; {@code recent_hour_requests}: the list
 *       requests accepted by then; {@code tokens_in_s}: until the last token request (one per shop,
 *       the enumerator fetches them from the simulator's OAuth endpoint);
 *   <li>{@code all_in_s}, {@code shop_done_p10_s}…: until each shop's orders had all arrived;
 *   <li>{@code progress_at_half_p10}…, {@code jain_at_half}: when half of the run's list requests
 *       had been accepted, each shop's share of its own requests done by then, its percentiles over
 *       shops and Jain's fairness index of those shares (1: all equal);
 *   <li>{@code enum_state_max_bytes}, {@code enum_state_at_all_in_bytes}: the enumerator's state as
 *       its serializer wrote it into the run's checkpoints (every {@code --checkpoint-s}), the
 *       largest and the last before all orders were in; {@code enum_state_heap_kib}: the heap of
 *       the largest one deserialized (the state a restore starts from; the live enumerator holds
 *       this and its in-flight windows and turns);
 *   <li>{@code events}: exception events the source emitted; {@code sink_equals_truth}: every
 *       shop's orders arrived exactly as the simulator's ground truth holds them, none more.
 * </ul>
 *
 * The sync follows the present: the enumerator's tick, the smaller of {@code --discovery-s} (60)
 * and the failed windows' retry delay (1 minute), moves the horizon, and each move plans one window
 * per shop (3,000 shops every 60 s: 50 requests per second), which recent-first reads before the
 * history. Not a test: it measures, it asserts nothing.
 */
public final class TenantsBench {
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String LIST = "kuaishou/" + KuaishouSim.ORDER_LIST;
    private static final String RATE_PROPERTY = "rate-limit.permits-per-second";

    private TenantsBench() {}

    /** The shops' orders: per shop, id → update time. */
    private record Truth(Map<String, Map<String, Long>> shops, int records) {}

    /** What the checkpoints of one run held of the enumerator's state. */
    private static final class EnumStates {
        final Set<Path> read = new HashSet<>();
        int checkpoints;
        int maxBytes = -1;
        int version;
        byte[] largest;
        int last = -1;
        int atAllIn = -1;
    }

    /** Runs the benchmark; returns the BENCH lines it printed. */
    public static List<String> run(Map<String, String> options, PrintStream out) throws Exception {
        int shops = number(options, "shops", 3000);
        int large = number(options, "large", 5);
        int largeOrders = number(options, "large-orders", 20_000);
        int smallOrders = number(options, "small-orders", 3);
        int days = number(options, "days", 30);
        int platform = number(options, "platform", 300);
        int shopLimit = number(options, "shop-limit", 10);
        int largeLimit = number(options, "large-limit", 100);
        int parallelism = number(options, "parallelism", 2);
        long checkpointMillis = number(options, "checkpoint-s", 5) * 1000L;
        long discoveryMillis = number(options, "discovery-s", 60) * 1000L;
        long timeoutMillis = number(options, "timeout-s", 200) * 1000L;
        Duration lag = Duration.ofSeconds(number(options, "lag-s", 5));
        List<String> runs =
                List.of(options.getOrDefault("runs", "recent-first,history-first").split(","));
        for (String r : runs)
            if (!r.equals("recent-first") && !r.equals("history-first"))
                throw new IllegalArgumentException(
                        "--runs takes recent-first and/or history-first; was '" + r + "'");

        List<String> lines = new ArrayList<>();
        try (Simulator sim = new Simulator(7)) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.limits().clear();
            kuaishou.limits().set(LimitRule.perSecond("app-api-qps", LimitScope.APP_API, platform));
            kuaishou.limits()
                    .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, shopLimit));
            // one order or more in the hour before the sync, for every shop: what "its most
            // recent hour is in" is measured on (20 to 40 minutes before now)
            HotWindow recentHour =
                    new HotWindow(TimeUnit.MINUTES.toMillis(40), TimeUnit.MINUTES.toMillis(20), 1);
            List<Tenant> tenants = new ArrayList<>();
            for (int i = 1; i <= shops; i++) {
                String shop = "shop-" + i;
                boolean isLarge = i <= large;
                DataSpec data =
                        DataSpec.of(isLarge ? largeOrders : smallOrders, days * DAY)
                                .seed(i)
                                .timeResolutionMillis(1)
                                .hotWindow(recentHour);
                tenants.add(
                        BenchShops.add(
                                kuaishou,
                                shop,
                                data,
                                isLarge
                                        ? Map.of(RATE_PROPERTY, String.valueOf(largeLimit))
                                        : Map.of()));
                if (isLarge) kuaishou.limits().setTenantLimit("user-api-qps", shop, largeLimit);
            }
            sim.start(0);
            long generated = sim.clock().now();
            Truth truth = truth(kuaishou, tenants);
            // every order lies before the first sync's horizon (now less the lag)
            Thread.sleep(Math.max(0, generated + lag.toMillis() + 1000 - sim.clock().now()));

            Map<String, String> endpoint = Demo.kuaishouSimulatorOptions(sim.baseUrl("kuaishou"));
            endpoint.remove("rate-limit.permits-per-second");
            endpoint.remove("rate-limit.burst");
            endpoint.put("rate-limit.bucket.app.scope", "app");
            endpoint.put("rate-limit.bucket.app.permits", String.valueOf(platform));
            endpoint.put("rate-limit.bucket.shop.scope", "tenant-api");
            endpoint.put("rate-limit.bucket.shop.permits", String.valueOf(shopLimit));
            long start = generated - days * DAY - HOUR;
            for (String name : runs) {
                endpoint.put("rate-limit.namespace", "bench-" + name);
                HttpSyncSource<RawRecord> source =
                        HttpSyncSource.<RawRecord>builder()
                                .setEndpoint(EndpointSpec.fromOptions(endpoint))
                                .setTenants(tenants)
                                .setContinuous(
                                        Instant.ofEpochMilli(start),
                                        lag,
                                        Duration.ofMillis(discoveryMillis))
                                .setRecentSpan(
                                        name.equals("recent-first")
                                                ? Duration.ofHours(1)
                                                : Duration.ZERO)
                                .setPerTenantMetrics(false)
                                .setDeserializer(RecordDeserializer.raw())
                                .build();
                String line =
                        runOne(
                                "tenants-" + name,
                                sim,
                                source,
                                truth,
                                parallelism,
                                checkpointMillis,
                                timeoutMillis,
                                platform,
                                shops,
                                large);
                out.println(line);
                lines.add(line);
            }
        }
        return lines;
    }

    private static String runOne(
            String name,
            Simulator sim,
            HttpSyncSource<RawRecord> source,
            Truth truth,
            int parallelism,
            long checkpointMillis,
            long timeoutMillis,
            int platform,
            int shops,
            int large)
            throws Exception {
        ArrivalLog log = ArrivalLog.open(name);
        Path checkpoints = Files.createTempDirectory("httpsync-bench-tenants");
        EnumStates states = new EnumStates();
        try {
            sim.accounting().reset();
            StreamExecutionEnvironment env =
                    LandingBench.environment(parallelism, checkpoints, checkpointMillis);
            SingleOutputStreamOperator<RawRecord> records =
                    HttpSyncStreams.records(
                            env.fromSource(source, source.watermarkStrategy(), "tenants source")
                                    .uid("bench-source"),
                            Types.POJO(RawRecord.class),
                            "bench");
            records.sinkTo(ArrivalLog.records(name)).uid("bench-arrivals");
            records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                    .sinkTo(ArrivalLog.events(name))
                    .uid("bench-events");

            long submitted = System.currentTimeMillis();
            // the hour before the sync: inside the recent span whenever the enumerator starts
            long recentFrom = submitted - HOUR + 60_000;
            JobClient job = env.executeAsync("bench tenants: " + name);
            long allIn = -1;
            try {
                while (System.currentTimeMillis() < submitted + timeoutMillis) {
                    Thread.sleep(200);
                    readCheckpoints(checkpoints, states);
                    if (log.records.size() >= truth.records() && allArrived(log, truth)) {
                        allIn = System.currentTimeMillis();
                        states.atAllIn = states.last;
                        break;
                    }
                }
            } finally {
                job.cancel().get(60, TimeUnit.SECONDS);
                try {
                    job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
                } catch (Exception cancelled) {
                    // cancelled, as it should
                }
            }
            long refused = sim.accounting().totalRefused();
            long lastToken =
                    sim.accounting().tokenRequests().stream()
                            .mapToLong(Accounting.TokenRequestEntry::time)
                            .max()
                            .orElse(-1);
            long until = allIn < 0 ? Long.MAX_VALUE : allIn;
            List<Accounting.RequestLogEntry> accepted =
                    sim.accounting().requests().stream()
                            .filter(e -> e.endpoint().equals(LIST) && e.outcome().equals("ok"))
                            .filter(e -> e.time() <= until)
                            .sorted((a, b) -> Long.compare(a.time(), b.time()))
                            .toList();
            List<Long> times = accepted.stream().map(Accounting.RequestLogEntry::time).toList();
            long first = times.isEmpty() ? submitted : times.get(0);

            List<Double> recentIn = new ArrayList<>();
            List<Double> done = new ArrayList<>();
            for (Map.Entry<String, Map<String, Long>> shop : truth.shops().entrySet()) {
                long recent = -1;
                long last = -1;
                for (Map.Entry<String, Long> order : shop.getValue().entrySet()) {
                    long[] arrived = log.records.get(shop.getKey() + "/" + order.getKey());
                    long at = arrived == null ? Long.MAX_VALUE : arrived[1];
                    last = Math.max(last, at);
                    if (order.getValue() >= recentFrom) recent = Math.max(recent, at);
                }
                if (recent >= 0) recentIn.add(seconds(recent, first));
                done.add(seconds(last, first));
            }
            recentIn.sort(Double::compare);
            double lastRecentIn = recentIn.isEmpty() ? 0 : recentIn.get(recentIn.size() - 1);
            long recentRequests =
                    times.stream().filter(t -> seconds(t, first) <= lastRecentIn).count();
            done.sort(Double::compare);

            // each shop's share of its own requests done when half of all had been accepted
            Map<String, Integer> total = new HashMap<>();
            Map<String, Integer> byHalf = new HashMap<>();
            long half = times.isEmpty() ? first : times.get(times.size() / 2);
            for (Accounting.RequestLogEntry e : accepted) {
                total.merge(e.tenant(), 1, Integer::sum);
                if (e.time() <= half) byHalf.merge(e.tenant(), 1, Integer::sum);
            }
            List<Double> progress = new ArrayList<>();
            for (Map.Entry<String, Integer> e : total.entrySet())
                progress.add(byHalf.getOrDefault(e.getKey(), 0) / (double) e.getValue());
            progress.sort(Double::compare);

            double heapKib = Double.NaN;
            if (states.largest != null) {
                @SuppressWarnings("unchecked")
                SimpleVersionedSerializer<Object> serializer =
                        (SimpleVersionedSerializer<Object>)
                                (SimpleVersionedSerializer<?>)
                                        source.getEnumeratorCheckpointSerializer();
                // twenty copies, held and then dropped: the heap they free, per copy (the local
                // Flink winding down frees memory too, which a difference against the heap before
                // would count against them)
                Object[] copies = new Object[20];
                for (int i = 0; i < copies.length; i++)
                    copies[i] = serializer.deserialize(states.version, states.largest);
                long held = usedHeap();
                Reference.reachabilityFence(copies);
                copies = null;
                long dropped = usedHeap();
                heapKib = Math.max(0, held - dropped) / 1024.0 / 20;
            }

            return "BENCH name="
                    + name
                    + " shops="
                    + shops
                    + " large="
                    + large
                    + " platform_per_s="
                    + platform
                    + " rate_over_limit="
                    + format(E2eBench.activeRate(times) / platform)
                    + " refused="
                    + refused
                    + " recent_hour_all_in_s="
                    + percentile(recentIn, 1)
                    + " recent_hour_requests="
                    + recentRequests
                    + " tokens_in_s="
                    + (lastToken < 0 ? "n/a" : format(seconds(lastToken, first)))
                    + " recent_hour_p50_s="
                    + percentile(recentIn, 0.5)
                    + " recent_hour_p90_s="
                    + percentile(recentIn, 0.9)
                    + " all_in_s="
                    + (allIn < 0 ? "n/a" : format(seconds(allIn, first)))
                    + " shop_done_p10_s="
                    + percentile(done, 0.1)
                    + " shop_done_p50_s="
                    + percentile(done, 0.5)
                    + " shop_done_p90_s="
                    + percentile(done, 0.9)
                    + " progress_at_half_p10="
                    + percentile(progress, 0.1)
                    + " progress_at_half_p50="
                    + percentile(progress, 0.5)
                    + " progress_at_half_p90="
                    + percentile(progress, 0.9)
                    + " jain_at_half="
                    + format(jain(progress))
                    + " enum_state_max_bytes="
                    + states.maxBytes
                    + " enum_state_at_all_in_bytes="
                    + states.atAllIn
                    + " enum_state_heap_kib="
                    + (Double.isNaN(heapKib) ? "n/a" : String.valueOf(Math.round(heapKib)))
                    + " checkpoints="
                    + states.checkpoints
                    + " requests="
                    + times.size()
                    + " records="
                    + truth.records()
                    + " events="
                    + log.events.get()
                    + " startup_s="
                    + format(seconds(first, submitted))
                    + " sink_equals_truth="
                    + (allIn >= 0 && equalsTruth(log, truth));
        } finally {
            ArrivalLog.close(name);
            FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
        }
    }

    private static Truth truth(KuaishouSim kuaishou, List<Tenant> tenants) {
        Map<String, Map<String, Long>> shops = new HashMap<>();
        int records = 0;
        for (Tenant t : tenants) {
            Map<String, Long> orders = new HashMap<>();
            for (GroundTruth.TruthRecord r : kuaishou.groundTruth(t.id()).live())
                orders.put(r.id(), r.updateTime());
            shops.put(t.id(), orders);
            records += orders.size();
        }
        return new Truth(shops, records);
    }

    private static boolean allArrived(ArrivalLog log, Truth truth) {
        for (Map.Entry<String, Map<String, Long>> shop : truth.shops().entrySet())
            for (String id : shop.getValue().keySet())
                if (!log.records.containsKey(shop.getKey() + "/" + id)) return false;
        return true;
    }

    /** Every order arrived with the update time of the ground truth, and nothing else did. */
    private static boolean equalsTruth(ArrivalLog log, Truth truth) {
        if (log.records.size() != truth.records()) return false;
        for (Map.Entry<String, Map<String, Long>> shop : truth.shops().entrySet())
            for (Map.Entry<String, Long> order : shop.getValue().entrySet()) {
                long[] arrived = log.records.get(shop.getKey() + "/" + order.getKey());
                if (arrived == null || arrived[0] != order.getValue()) return false;
            }
        return true;
    }

    /**
     * Reads the enumerator's state from each checkpoint completed since the last call: the source
     * coordinator's bytes in the checkpoint's metadata ({@code SourceCoordinator}: its own serde
     * version, the enumerator serializer's version, the length, the enumerator's bytes). A
     * checkpoint still being written, or already subsumed and deleted, is skipped.
     */
    private static void readCheckpoints(Path dir, EnumStates states) throws IOException {
        List<Path> metadata;
        try (Stream<Path> files = Files.walk(dir, 3)) {
            metadata =
                    files.filter(p -> p.getFileName().toString().equals("_metadata"))
                            .filter(p -> !states.read.contains(p))
                            .sorted()
                            .toList();
        } catch (IOException | java.io.UncheckedIOException deletedWhileListing) {
            return;
        }
        for (Path p : metadata) {
            CheckpointMetadata checkpoint;
            try (DataInputStream in = new DataInputStream(Files.newInputStream(p))) {
                checkpoint =
                        Checkpoints.loadCheckpointMetadata(
                                in, TenantsBench.class.getClassLoader(), p.getParent().toString());
            } catch (IOException notCompleteOrGone) {
                continue;
            }
            states.read.add(p);
            for (OperatorState operator : checkpoint.getOperatorStates()) {
                ByteStreamStateHandle coordinator = operator.getCoordinatorState();
                if (coordinator == null) continue;
                DataInputStream in =
                        new DataInputStream(new ByteArrayInputStream(coordinator.getData()));
                in.readInt(); // the coordinator's serde version
                int version = in.readInt();
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                states.checkpoints++;
                states.last = bytes.length;
                if (bytes.length > states.maxBytes) {
                    states.maxBytes = bytes.length;
                    states.version = version;
                    states.largest = bytes;
                }
            }
        }
    }

    private static double jain(List<Double> xs) {
        double sum = 0;
        double squares = 0;
        for (double x : xs) {
            sum += x;
            squares += x * x;
        }
        return squares == 0 ? Double.NaN : sum * sum / (xs.size() * squares);
    }

    /** The {@code p} quantile of sorted values (nearest rank), formatted; n/a if none. */
    private static String percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) return "n/a";
        double v = sorted.get((int) Math.ceil(p * (sorted.size() - 1)));
        return Double.isInfinite(v) ? "n/a" : format(v);
    }

    private static double seconds(long at, long from) {
        return at == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : (at - from) / 1000.0;
    }

    private static int number(Map<String, String> options, String key, int fallback) {
        String value = options.get(key);
        if (value == null) return fallback;
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + key + " takes a whole number; was '" + value + "'");
        }
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
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
