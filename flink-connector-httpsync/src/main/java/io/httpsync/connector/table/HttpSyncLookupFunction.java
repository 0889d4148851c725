package io.httpsync.connector.table;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncLookupFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.util.UserCodeClassLoader;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Looks rows up in a detail API, one request per key, through the same {@link PageFetcher} as the
 * scan source: templates, signing, tokens, error classification, retries and a per-tenant token
 * bucket ({@code rate-limit.*} of the lookup table, shared equally by the parallel instances). The
 * key's values are given to the templates as the tenant properties {@code lookup.<column>}, written
 * {@code ${tenant.lookup.<column>}}. The planner's partial cache ({@code 'lookup.cache' =
 * 'PARTIAL'}) sits in front of this function.
 *
 * <p>{@link #open} and {@link #close} run on the task thread; {@link #asyncLookup} is called on the
 * task thread and never blocks; its futures complete on AHC I/O threads, where the records are
 * decoded.
 */
@Internal
final class HttpSyncLookupFunction extends AsyncLookupFunction {
    private static final long serialVersionUID = 1L;

    /**
     * The prefix of the tenant properties that carry the key; templates use {@code
     * ${tenant.lookup.<column>}}.
     */
    static final String KEY_PROPERTY_PREFIX = "lookup.";

    private final String tableName;
    private final EndpointSpec endpoint;
    private final Tenant tenant;
    private final List<String> keyNames;
    private final List<RowData.FieldGetter> keyGetters;
    private final DeserializationSchema<RowData> decoder;
    @Nullable private final String recordPointer;
    private transient PageFetcher fetcher;
    private transient HierarchicalRateLimiter limiter;
    @Nullable private transient JsonPointer compiledPointer;

    HttpSyncLookupFunction(
            String tableName,
            EndpointSpec endpoint,
            Tenant tenant,
            List<String> keyNames,
            List<RowData.FieldGetter> keyGetters,
            DeserializationSchema<RowData> decoder,
            @Nullable String recordPointer) {
        this.tableName = tableName;
        this.endpoint = endpoint;
        this.tenant = tenant;
        this.keyNames = List.copyOf(keyNames);
        this.keyGetters = List.copyOf(keyGetters);
        this.decoder = decoder;
        this.recordPointer = recordPointer;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        decoder.open(
                new DeserializationSchema.InitializationContext() {
                    @Override
                    public MetricGroup getMetricGroup() {
                        return context.getMetricGroup();
                    }

                    @Override
                    public UserCodeClassLoader getUserCodeClassLoader() {
                        ClassLoader loader = context.getUserCodeClassLoader();
                        return new UserCodeClassLoader() {
                            @Override
                            public ClassLoader asClassLoader() {
                                return loader;
                            }

                            @Override
                            public void registerReleaseHookIfAbsent(String name, Runnable hook) {}
                        };
                    }
                });
        compiledPointer = recordPointer == null ? null : JsonPointer.compile(recordPointer);
        // lookups have no enumerator to divide the budget by demand: with the job backend, each of
        // the n parallel
        // instances keeps to a fixed 1/n of every bucket, so that together they stay within the
        // limit
        limiter =
                HierarchicalRateLimiter.forParallelInstances(
                        endpoint.rateLimits(), context.getTaskInfo().getNumberOfParallelSubtasks());
        // summed up per tenant in the log (rate limiting, token refusals, retries), written as
        // lookups go on
        fetcher = PageFetcher.withActivityLog(endpoint, limiter);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncLookup(RowData key) {
        Tenant keyed = keyedTenant(key);
        long now = System.currentTimeMillis();
        // a detail request has no window; the fetcher's window only fills window placeholders,
        // which it does not use
        return fetcher.fetch(keyed, now - 1, now, fetcher.pagination().first())
                .thenApply(page -> decode(page.records()));
    }

    private Tenant keyedTenant(RowData key) {
        Map<String, String> properties = new HashMap<>(tenant.properties());
        for (int i = 0; i < keyNames.size(); i++) {
            Object value = keyGetters.get(i).getFieldOrNull(key);
            properties.put(KEY_PROPERTY_PREFIX + keyNames.get(i), String.valueOf(value));
        }
        return Tenant.of(tenant.id(), properties);
    }

    private Collection<RowData> decode(List<JsonNode> records) {
        List<RowData> rows = new ArrayList<>(records.size());
        for (JsonNode record : records) {
            JsonNode part = compiledPointer == null ? record : record.at(compiledPointer);
            if (part.isMissingNode() || part.isNull())
                continue; // a detail without that part has no row to join
            try {
                RowData row = decoder.deserialize(part.toString().getBytes(StandardCharsets.UTF_8));
                if (row != null) rows.add(row);
            } catch (IOException | RuntimeException e) {
                throw new CompletionException(
                        new IOException(
                                "Table "
                                        + tableName
                                        + ": the format cannot decode a detail of tenant '"
                                        + tenant.id()
                                        + "': "
                                        + e.getMessage(),
                                e));
            }
        }
        return rows;
    }

    @Override
    public void close() throws Exception {
        try {
            if (fetcher != null) fetcher.close();
        } finally {
            if (limiter != null) limiter.close();
        }
    }
}
