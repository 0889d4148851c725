package io.httpsync.connector.http;

import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * What the platform answered besides pages, summed up per tenant in one INFO line every interval:
 * rate-limited answers and the time waited for them, token refusals (each refreshes the token),
 * retries after transient failures, tokens fetched, each with the last answer of its kind. A user
 * reads that the platform throttles or refuses without a line per request; single answers stay at
 * DEBUG ({@link PageFetcher}). Tenants with nothing of the kind are left out, so a quiet job logs
 * nothing. Pages that fail for good are not summed up here: each failed window has its own WARN
 * line (the enumerator's).
 *
 * <p>Thread-safe: callbacks come from HTTP I/O threads and the fetcher's timer; {@link #logIfDue}
 * from any thread. Counters are {@link LongAdder}s, read and reset when a summary is written;
 * whichever thread finds a summary due first writes it (one compare-and-set), so it is written
 * once, and never blocks anyone else.
 */
@Internal
public final class FetchActivityLog implements FetchListener {
    private static final Logger LOG = LoggerFactory.getLogger(FetchActivityLog.class);

    private final String endpoint;
    private final long intervalMillis;
    private final LongSupplier clock;
    private final Map<String, TenantActivity> tenants = new ConcurrentHashMap<>();
    private final AtomicLong nextSummaryAt;

    /**
     * @param endpoint the endpoint's name, for the lines
     * @param interval how often to write the summaries; zero for never
     * @param clock epoch millis
     */
    public FetchActivityLog(String endpoint, Duration interval, LongSupplier clock) {
        this.endpoint = endpoint;
        this.intervalMillis = interval.toMillis();
        this.clock = clock;
        this.nextSummaryAt = new AtomicLong(clock.getAsLong() + intervalMillis);
    }

    private static final class TenantActivity {
        final LongAdder requests = new LongAdder();
        final LongAdder rateLimited = new LongAdder();
        final LongAdder rateLimitedWaitMillis = new LongAdder();
        final LongAdder tokenRefusals = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder tokensFetched = new LongAdder();
        volatile String lastRateLimited;
        volatile String lastTokenRefusal;
        volatile String lastRetry;
    }

    private TenantActivity of(String tenant) {
        return tenants.computeIfAbsent(tenant, t -> new TenantActivity());
    }

    @Override
    public void onRequest(String tenantId) {
        of(tenantId).requests.increment();
        logIfDue();
    }

    @Override
    public void onRetry(String tenantId, ResponseKind cause, Duration delay, String description) {
        TenantActivity a = of(tenantId);
        switch (cause) {
            case RATE_LIMITED ->
                    a.lastRateLimited = description; // counted with its wait in onRateLimited
            case TOKEN_EXPIRED -> {
                a.tokenRefusals.increment();
                a.lastTokenRefusal = description;
            }
            default -> {
                a.retries.increment();
                a.lastRetry = description;
            }
        }
    }

    @Override
    public void onRateLimited(String tenantId, Duration pause) {
        TenantActivity a = of(tenantId);
        a.rateLimited.increment();
        a.rateLimitedWaitMillis.add(pause.toMillis());
    }

    @Override
    public void onTokenFetched(String tenantId) {
        of(tenantId).tokensFetched.increment();
    }

    /** Writes the summaries if they are due (any thread; cheap when they are not). */
    public void logIfDue() {
        if (intervalMillis <= 0) return;
        long now = clock.getAsLong();
        long due = nextSummaryAt.get();
        if (now < due || !nextSummaryAt.compareAndSet(due, now + intervalMillis)) return;
        new TreeMap<>(tenants).forEach(this::summarize);
    }

    private void summarize(String tenant, TenantActivity a) {
        long requests = a.requests.sumThenReset();
        long rateLimited = a.rateLimited.sumThenReset();
        long waited = a.rateLimitedWaitMillis.sumThenReset();
        long refusals = a.tokenRefusals.sumThenReset();
        long retries = a.retries.sumThenReset();
        long fetched = a.tokensFetched.sumThenReset();
        if (rateLimited + refusals + retries + fetched == 0) return;
        StringBuilder line = new StringBuilder();
        if (rateLimited > 0) {
            line.append("; ")
                    .append(rateLimited)
                    .append(" rate limited, waited ")
                    .append(Duration.ofMillis(waited))
                    .append(" in all (last: ")
                    .append(a.lastRateLimited)
                    .append(')');
        }
        if (refusals > 0) {
            line.append("; ")
                    .append(refusals)
                    .append(" token refused, refreshed (last: ")
                    .append(a.lastTokenRefusal)
                    .append(')');
        }
        if (retries > 0)
            line.append("; ")
                    .append(retries)
                    .append(" retried after a transient failure (last: ")
                    .append(a.lastRetry)
                    .append(')');
        if (fetched > 0)
            line.append("; ").append(fetched).append(" new token").append(fetched == 1 ? "" : "s");
        LOG.info(
                "{} tenant '{}' in the last {}: {} requests{}",
                endpoint,
                tenant,
                Duration.ofMillis(intervalMillis),
                requests,
                line);
    }
}
