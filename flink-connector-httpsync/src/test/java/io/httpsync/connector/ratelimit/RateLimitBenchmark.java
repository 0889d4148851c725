package io.httpsync.connector.ratelimit;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.simulator.Accounting;

import java.util.Map;

/**
 * Not a test (no {@code Test} in its name, so the normal build never runs it): measures how much of an app limit a
 * sync uses with 100 ms simulated latency, and the same sync with a serial pager (one request at a time). Run:
 * <pre>
 * mvn -B -ntp -pl flink-connector-httpsync -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp flink-connector-httpsync/target/test-classes:flink-connector-httpsync/target/classes:$(cat /tmp/cp.txt) \
 *     io.httpsync.connector.ratelimit.RateLimitBenchmark 200 150000
 * </pre>
 * (the root pom turns exec-maven-plugin off outside httpsync-jobs.)
 * </pre>
 * Arguments: the app limit per second, and the big shop's records (50 per page).
 */
public final class RateLimitBenchmark {
    public static void main(String[] args) throws Exception {
        int limit = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int records = args.length > 1 ? Integer.parseInt(args[1]) : 150_000;
        try (RateLimitedKuaishou platform = new RateLimitedKuaishou(records, 20, 500, limit, 100_000)) {
            platform.fixture.kuaishou.latency(100, 0);
            EndpointSpec spec = EndpointSpec.fromOptions(platform.options());
            long end = System.currentTimeMillis();
            Accounting accounting = platform.fixture.sim.accounting();

            HierarchicalRateLimiter limiter = new HierarchicalRateLimiter(spec.rateLimits());
            long started = System.nanoTime();
            int pages;
            try (PageFetcher fetcher = new PageFetcher(spec, limiter, FetchListener.NONE)) {
                pages = Pager.all(fetcher, platform.tenants, end, 6).get();
            }
            double limitedSeconds = (System.nanoTime() - started) / 1e9;
            Accounting.Stats limited = platform.appStats();

            accounting.reset();
            Map<String, String> serialOptions = platform.options();
            serialOptions.put("rate-limit.namespace", platform.namespace + "-serial");
            EndpointSpec serialSpec = EndpointSpec.fromOptions(serialOptions);
            started = System.nanoTime();
            int serialPages;
            try (PageFetcher fetcher = new PageFetcher(serialSpec, new HierarchicalRateLimiter(serialSpec.rateLimits()), FetchListener.NONE)) {
                serialPages = Pager.serially(fetcher, platform.tenants, end, 6);
            }
            double serialSeconds = (System.nanoTime() - started) / 1e9;
            Accounting.Stats serial = platform.appStats();

            double achieved = limited.served() / limitedSeconds;
            System.out.printf("| app limit | requests | refused | time (s) | achieved/s | achieved / allowed | max in any 1 s |%n");
            System.out.printf("| %d/s | %d | %d | %.1f | %.1f | %.3f | %d |%n", limit, limited.served(), limited.refused(),
                    limitedSeconds, achieved, achieved / limit, limited.maxPerSecond());
            System.out.printf("serial pager: %d requests, %d refused, %.1f s (%.1f/s); rate-limited sync %d pages, serial %d pages%n",
                    serial.served(), serial.refused(), serialSeconds, serial.served() / serialSeconds, pages, serialPages);
        }
    }
}
