package io.httpsync.connector.source.reader;

import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.http.FetchListener;

import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.MetricNames;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reader's metrics. Standard (FLIP-33): {@code currentFetchEventTimeLag}, and {@code
 * numRecordsIn} corrected to count elements emitted (see {@link #fetchedPageEmitted}). Per tenant,
 * under {@code httpsync.tenant.<id>}: {@code requests}, {@code retries}, {@code rateLimited},
 * {@code pages}, {@code records}, {@code requestsInFlight}, {@code syncPosition} (epoch millis
 * through which all data is in, -1 before the first commit), {@code syncLagMillis} and {@value
 * #PLATFORM_CLOCK_KNOWN} (1: the platform's last answer had a {@code Date} header; 0: it had none,
 * the skew check is off for the tenant; -1: no answer yet). Under {@code httpsync}: {@value
 * #PLATFORM_CLOCK_SKEW}, how far the platform's clock runs ahead of this TaskManager's by the
 * answers' {@code Date} headers (negative: behind); without them, how far records updated after our
 * "now" prove it runs ahead; else 0 (see {@link PlatformClock}).
 *
 * <p>Request counters are updated from HTTP I/O threads (thread-safe counters); page, record and
 * position metrics from the mailbox thread.
 */
@Internal
final class HttpSyncReaderMetrics implements FetchListener {
    static final String GROUP = "httpsync";
    static final String TENANT_GROUP = "tenant";

    static final String PLATFORM_CLOCK_SKEW = "platformClockSkewMillis";
    static final String PLATFORM_CLOCK_KNOWN = "platformClockKnown";

    private final Map<String, TenantMetrics> tenants = new ConcurrentHashMap<>();
    private final MetricGroup root;

    /** Whether each tenant's metrics are registered under its own group (else kept unreported). */
    private final boolean perTenant;

    private final Counter numRecordsIn;
    private final PlatformClock platformClock;
    private volatile long lastFetchEventTimeLag = -1;

    HttpSyncReaderMetrics(
            SourceReaderMetricGroup group,
            Collection<String> tenantIds,
            PlatformClock platformClock) {
        this(group, tenantIds, platformClock, true);
    }

    /**
     * @param perTenant whether each tenant's metrics are reported under {@code
     *     httpsync.tenant.<id>}; without, they are counted but not reported (thousands of tenants)
     */
    HttpSyncReaderMetrics(
            SourceReaderMetricGroup group,
            Collection<String> tenantIds,
            PlatformClock platformClock,
            boolean perTenant) {
        this.platformClock = platformClock;
        this.perTenant = perTenant;
        numRecordsIn = group.getIOMetricGroup().getNumRecordsInCounter();
        group.gauge(MetricNames.CURRENT_FETCH_EVENT_TIME_LAG, () -> lastFetchEventTimeLag);
        root = group.addGroup(GROUP);
        root.gauge(PLATFORM_CLOCK_SKEW, platformClock::shownSkewMillis);
        for (String id : tenantIds) of(id);
    }

    private static final class TenantMetrics {
        final Counter requests = new ThreadSafeSimpleCounter();
        final Counter retries = new ThreadSafeSimpleCounter();
        final Counter rateLimited = new ThreadSafeSimpleCounter();
        final Counter pages;
        final Counter records;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong position = new AtomicLong(-1);

        /** 1: the last answer had a Date header; 0: it had none; -1: no answer yet. */
        final AtomicInteger clockKnown = new AtomicInteger(-1);

        TenantMetrics(MetricGroup g) {
            g.counter("requests", requests);
            g.counter("retries", retries);
            g.counter("rateLimited", rateLimited);
            pages = g.counter("pages");
            records = g.counter("records");
            g.gauge("requestsInFlight", inFlight::get);
            g.gauge("syncPosition", position::get);
            g.gauge(PLATFORM_CLOCK_KNOWN, clockKnown::get);
            g.gauge(
                    "syncLagMillis",
                    () -> position.get() < 0 ? -1L : System.currentTimeMillis() - position.get());
        }
    }

    /**
     * The tenant's metrics, registered the first time (a registry's tenants arrive while the job
     * runs).
     */
    private TenantMetrics of(String tenant) {
        return tenants.computeIfAbsent(
                tenant,
                id ->
                        new TenantMetrics(
                                perTenant
                                        ? root.addGroup(TENANT_GROUP, id)
                                        : new UnregisteredMetricsGroup()));
    }

    /** A tenant of a registry became known: its metrics are registered now. Any thread. */
    void tenantKnown(String tenant) {
        of(tenant);
    }

    @Override
    public void onRequest(String tenant) {
        TenantMetrics m = of(tenant);
        m.requests.inc();
        m.inFlight.incrementAndGet();
    }

    @Override
    public void onResponse(String tenant, ResponseKind kind, long latencyNanos) {
        of(tenant).inFlight.decrementAndGet();
    }

    @Override
    public void onRetry(String tenant, ResponseKind cause, Duration delay) {
        of(tenant).retries.inc();
    }

    @Override
    public void onRateLimited(String tenant, Duration pause) {
        of(tenant).rateLimited.inc();
    }

    @Override
    public void onPlatformTime(String tenantId, long platformMillis, long localMillis) {
        platformClock.observed(platformMillis, localMillis);
        of(tenantId).clockKnown.set(1);
    }

    @Override
    public void onNoPlatformTime(String tenantId) {
        platformClock.answeredWithoutDate(tenantId);
        of(tenantId).clockKnown.set(0);
    }

    /** Mailbox thread. */
    void pageEmitted(String tenant, int records) {
        TenantMetrics m = of(tenant);
        m.pages.inc();
        m.records.inc(records);
    }

    /**
     * Mailbox thread, once per {@link FetchedPage} after its elements were emitted. {@code
     * SourceReaderBase} counts one record in per element of a fetch, which here is a whole page
     * (pages are emitted atomically, see {@link FetchedPage}); this corrects the count to the
     * elements the page emitted (none for an empty page).
     */
    void fetchedPageEmitted(int elementsEmitted) {
        numRecordsIn.inc(elementsEmitted - 1L);
    }

    /** Mailbox thread. */
    void recordFetched(long updateTime, long fetchTime) {
        lastFetchEventTimeLag = fetchTime - updateTime;
        platformClock.recordSeen(updateTime, fetchTime);
    }

    /** Mailbox thread. */
    void syncPosition(String tenant, long position) {
        TenantMetrics m = tenants.get(tenant);
        if (m != null) m.position.set(position);
    }
}
