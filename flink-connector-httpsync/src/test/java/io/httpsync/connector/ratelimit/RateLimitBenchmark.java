package io.httpsync.connector.ratelimit;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.simulator.Accounting;

import java.util.List;
import java.util.Map;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;

/**
 * Not a test (no {@code Test} in its name, so the normal build never runs it): how much of an app
 * limit a sync uses with 100 ms simulated latency, and the same sync's windows paged by a serial
 * pager (one request at a time), in one run. See {@code docs/benchmarks.md} for the results. Run
 * from the repository root:
 *
 * <pre>
 * mvn -B -ntp -pl flink-connector-httpsync -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp flink-connector-httpsync/target/test-classes:flink-connector-httpsync/target/classes:$(cat /tmp/cp.txt) \
 *     io.httpsync.connector.ratelimit.RateLimitBenchmark 200 60000 100 1500 100 1 0.97
 * </pre>
 *
 * (the root pom turns exec-maven-plugin off outside httpsync-jobs.)
 *
 * <p>Arguments: the app limit per second (set in the simulator and as the connector's {@code app}
 * bucket), the big shop's records (50 per page, over 6 days, paged in hour-wide windows), the
 * number of small shops and their records (paged in day-wide windows), how many requests the serial
 * pager makes at least (it pages the sync's windows in order and stops after the window that
 * reaches that many, because paging all of them at 100 ms a request would take many minutes), the
 * app bucket's burst and {@code rate-limit.utilization}. A warm-up sync of the small shops in a
 * namespace of its own comes first, so that the measured sync is not the JIT's cold start.
 *
 * <p>Requests in flight needed to use a limit of {@code r}/s at latency {@code l}: {@code r × l}
 * (20 at 200/s and 100 ms); the big shop's windows are cut so that far more than that many are
 * paged at once until close to the end.
 */
public final class RateLimitBenchmark {
    private static final int DAYS = 6;
    private static final long BIG_SHOP_WINDOW_MILLIS = 60 * 60_000;
    private static final long LATENCY_MILLIS = 100;

    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int bigShopRecords = args.length > 1 ? Integer.parseInt(args[1]) : 60_000;
        int smallShops = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int smallShopRecords = args.length > 3 ? Integer.parseInt(args[3]) : 1_500;
        int serialRequests = args.length > 4 ? Integer.parseInt(args[4]) : 300;
        String burst = args.length > 5 ? args[5] : "1";
        String utilization = args.length > 6 ? args[6] : "0.97";
        try (RateLimitedKuaishou platform =
                new RateLimitedKuaishou(
                        bigShopRecords, smallShops, smallShopRecords, limit, 100_000)) {
            platform.fixture.kuaishou.latency(LATENCY_MILLIS, 0);
            Accounting accounting = platform.fixture.sim.accounting();
            String bigShop = platform.tenants.get(0).id();
            List<Pager.Window> windows =
                    Pager.windows(
                            platform.tenants,
                            System.currentTimeMillis(),
                            DAYS,
                            t -> t.id().equals(bigShop) ? BIG_SHOP_WINDOW_MILLIS : DAY);

            Map<String, String> options = platform.options();
            options.put("rate-limit.bucket.app.burst", burst);
            options.put("rate-limit.utilization", utilization);

            // warm-up (JIT of client and simulator, connections, tokens): the small shops, in a
            // namespace of its own
            Map<String, String> warmUpOptions = new java.util.HashMap<>(options);
            warmUpOptions.put("rate-limit.namespace", platform.namespace + "-warm-up");
            List<Pager.Window> warmUp =
                    windows.stream().filter(w -> !w.tenant().id().equals(bigShop)).toList();
            Run warm = run(platform, warmUpOptions, fetcher -> Pager.all(fetcher, warmUp).join());
            System.out.printf(
                    "warm-up: %d pages in %.1f s, %d refused%n",
                    warm.pages, warm.seconds, platform.totalRefused());
            accounting.reset();

            Run limited = run(platform, options, fetcher -> Pager.all(fetcher, windows).join());
            Accounting.Stats limitedStats = platform.appStats();
            long limitedRefusedByAnyLimit = platform.totalRefused();
            String perSecond = requestsPerSecond(accounting.requests());

            accounting.reset();
            Map<String, String> serialOptions = new java.util.HashMap<>(options);
            serialOptions.put("rate-limit.namespace", platform.namespace + "-serial");
            Run serial =
                    run(
                            platform,
                            serialOptions,
                            fetcher -> {
                                int pages = 0;
                                for (Pager.Window w : windows) {
                                    pages += Pager.serially(fetcher, List.of(w));
                                    if (pages >= serialRequests) break;
                                }
                                return pages;
                            });
            Accounting.Stats serialStats = platform.appStats();

            double achieved = limitedStats.served() / limited.seconds;
            double serialRate = serialStats.served() / serial.seconds;
            System.out.printf(
                    "windows: %d (big shop %d min wide, small shops a day); pages paged: limited %d, serial %d%n",
                    windows.size(), BIG_SHOP_WINDOW_MILLIS / 60_000, limited.pages, serial.pages);
            System.out.printf("app bucket: burst %s, utilization %s%n", burst, utilization);
            System.out.printf(
                    "| pager | allowed/s | requests | refused | wall time (s) | achieved/s | achieved / allowed | max in any 1 s |%n");
            System.out.printf(
                    "| rate-limited, all windows at once | %d | %d | %d | %.1f | %.1f | %.3f | %d |%n",
                    limit,
                    limitedStats.served(),
                    limitedStats.refused(),
                    limited.seconds,
                    achieved,
                    achieved / limit,
                    limitedStats.maxPerSecond());
            System.out.printf(
                    "| serial, one request at a time (prefix) | %d | %d | %d | %.1f | %.1f | %.3f | %d |%n",
                    limit,
                    serialStats.served(),
                    serialStats.refused(),
                    serial.seconds,
                    serialRate,
                    serialRate / limit,
                    serialStats.maxPerSecond());
            System.out.printf(
                    "serial pager, extrapolated to the same %d requests: %.0f s (measured rate %.2f/s), against %.1f s measured%n",
                    limitedStats.served(),
                    limitedStats.served() / serialRate,
                    serialRate,
                    limited.seconds);
            System.out.printf(
                    "rate-limited run, list requests served in each second from the first: %s%n",
                    perSecond);
            System.out.printf(
                    "refused by any limit (app, shop, token endpoint): rate-limited run %d, serial run %d%n",
                    limitedRefusedByAnyLimit, platform.totalRefused());
        }
    }

    private static Run run(RateLimitedKuaishou platform, Map<String, String> options, Paging paging)
            throws Exception {
        EndpointSpec spec = EndpointSpec.fromOptions(options);
        long started = System.nanoTime();
        int pages;
        Map<String, java.util.concurrent.atomic.AtomicInteger> retries =
                new java.util.concurrent.ConcurrentHashMap<>();
        FetchListener countRetries =
                new FetchListener() {
                    @Override
                    public void onRetry(
                            String tenantId,
                            io.httpsync.connector.domain.ResponseKind cause,
                            java.time.Duration delay) {
                        retries.computeIfAbsent(
                                        cause.name(),
                                        k -> new java.util.concurrent.atomic.AtomicInteger())
                                .incrementAndGet();
                    }
                };
        try (PageFetcher fetcher =
                new PageFetcher(
                        spec,
                        HierarchicalRateLimiter.evenShare(spec.rateLimits(), 1),
                        countRetries)) {
            pages = paging.pages(fetcher);
        }
        System.out.println("retries by cause: " + retries);
        return new Run(pages, (System.nanoTime() - started) / 1e9);
    }

    /**
     * The simulator's logged list requests counted per second from the first, to show ramp-up and
     * tail.
     */
    private static String requestsPerSecond(List<Accounting.RequestLogEntry> requests) {
        long first = requests.stream().mapToLong(Accounting.RequestLogEntry::time).min().orElse(0);
        Map<Long, Long> counts =
                new java.util.TreeMap<>(
                        requests.stream()
                                .collect(
                                        java.util.stream.Collectors.groupingBy(
                                                r -> (r.time() - first) / 1000,
                                                java.util.stream.Collectors.counting())));
        return counts.values().toString();
    }

    private interface Paging {
        int pages(PageFetcher fetcher) throws Exception;
    }

    private record Run(int pages, double seconds) {}
}
