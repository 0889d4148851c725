package io.httpsync.connector.source.reader;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.FetchActivityLog;
import io.httpsync.connector.http.FetchListener;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.enumerator.TenantWeights;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.UserCodeClassLoader;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Wires a reader's parts together: one place, so the source and tests build readers the same way.
 */
@Internal
public final class HttpSyncReaders {
    private HttpSyncReaders() {}

    /**
     * @param rateLimiter owned by the reader from now on: closed with it
     * @param lagMillis the plan's lag: a window counts as finished only if the platform's clock had
     *     passed its end plus this when its reading began
     */
    public static <T> HttpSyncSourceReader<T> create(
            EndpointSpec endpoint,
            HierarchicalRateLimiter rateLimiter,
            List<Tenant> tenants,
            RecordDeserializer<T> deserializer,
            ExceptionPolicy policy,
            SplitsInFlight splitsInFlight,
            boolean emitTenantPositions,
            long pollIntervalMillis,
            long lagMillis,
            SourceReaderContext context) {
        return create(
                endpoint,
                rateLimiter,
                tenants,
                deserializer,
                policy,
                splitsInFlight,
                emitTenantPositions,
                pollIntervalMillis,
                lagMillis,
                context,
                false,
                true);
    }

    /**
     * @param tenantsArrive whether more tenants arrive from the enumerator while the job runs (a
     *     tenant registry)
     * @param perTenantMetrics whether each tenant's metrics are reported under a group of its own
     */
    public static <T> HttpSyncSourceReader<T> create(
            EndpointSpec endpoint,
            HierarchicalRateLimiter rateLimiter,
            List<Tenant> tenants,
            RecordDeserializer<T> deserializer,
            ExceptionPolicy policy,
            SplitsInFlight splitsInFlight,
            boolean emitTenantPositions,
            long pollIntervalMillis,
            long lagMillis,
            SourceReaderContext context,
            boolean tenantsArrive,
            boolean perTenantMetrics) {
        try {
            deserializer.open(
                    new DeserializationSchema.InitializationContext() {
                        @Override
                        public MetricGroup getMetricGroup() {
                            return context.metricGroup();
                        }

                        @Override
                        public UserCodeClassLoader getUserCodeClassLoader() {
                            return context.getUserCodeClassLoader();
                        }
                    });
        } catch (Exception e) {
            throw new FlinkRuntimeException(
                    "the record deserializer of endpoint '"
                            + endpoint.name()
                            + "' could not be opened",
                    e);
        }
        // concurrent: the mailbox thread adds a registry's tenants, the fetcher thread reads them
        Map<String, Tenant> byId = new ConcurrentHashMap<>();
        tenants.forEach(t -> byId.put(t.id(), t));
        // a tenant's own limit: the job's budget (enumerator) holds it when it allots; a limiter of
        // a fixed allotment (Redis) holds it itself
        Consumer<Tenant> ownLimit =
                rateLimiter.isAllottedByJob()
                        ? t -> {}
                        : t -> rateLimiter.overrideTenantRate(t.id(), TenantWeights.ownRate(t));
        tenants.forEach(ownLimit);
        PlatformClock platformClock = new PlatformClock(System::currentTimeMillis);
        HttpSyncReaderMetrics metrics =
                new HttpSyncReaderMetrics(
                        context.metricGroup(), byId.keySet(), platformClock, perTenantMetrics);
        CoordinatedTokenProvider tokens =
                CoordinatedTokenProvider.forEndpoint(endpoint); // the job's, from the enumerator
        FetchActivityLog activity =
                new FetchActivityLog(
                        endpoint.name(), endpoint.logSummaryInterval(), System::currentTimeMillis);
        SplitsInFlight.Target inFlight =
                splitsInFlight.target(
                        readerRate(endpoint, rateLimiter, byId, context.currentParallelism()));
        PageFetcher fetcher =
                new PageFetcher(
                        endpoint,
                        rateLimiter,
                        FetchListener.all(metrics, activity, inFlight),
                        Clock.systemUTC(),
                        tokens);
        PlatformClockCheck clockCheck = new PlatformClockCheck(platformClock, lagMillis);
        HttpSyncRecordEmitter<T> emitter =
                new HttpSyncRecordEmitter<>(endpoint, deserializer, policy, clockCheck, metrics);
        HttpSyncSourceReader<T> reader =
                new HttpSyncSourceReader<>(
                        () -> new HttpPageSplitReader(fetcher, byId, inFlight::get, tenantsArrive),
                        emitter,
                        metrics,
                        fetcher,
                        rateLimiter,
                        tokens,
                        inFlight::get,
                        inFlight::planningSlots,
                        emitTenantPositions,
                        pollIntervalMillis,
                        platformClock,
                        clockCheck,
                        activity,
                        new Configuration(),
                        context);
        if (tenantsArrive) {
            reader.onTenants(
                    arrived ->
                            arrived.forEach(
                                    t -> {
                                        // before its windows: the enumerator sends a tenant
                                        // before any window of it
                                        ownLimit.accept(t);
                                        byId.put(t.id(), t);
                                        metrics.tenantKnown(t.id());
                                    }));
        }
        return reader;
    }

    /**
     * The requests per second a reader may make: an even part of the job's tightest budget, or more
     * if the job's budget allotted it more (the other readers have less work), never more than the
     * whole budget.
     */
    private static DoubleSupplier readerRate(
            EndpointSpec endpoint,
            HierarchicalRateLimiter limiter,
            Map<String, Tenant> tenants,
            int parallelism) {
        return () -> {
            double job = endpoint.rateLimits().requestsPerSecond(tenants.size());
            double allotted = limiter.allottedRequestsPerSecond();
            double even = job / Math.max(1, parallelism);
            return Double.isNaN(allotted) ? even : Math.min(job, Math.max(even, allotted));
        };
    }
}
