package io.httpsync.connector.table;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.http.Page;
import io.httpsync.connector.http.PageFetcher;
import io.httpsync.connector.ratelimit.HierarchicalRateLimiter;
import io.httpsync.connector.source.ChildListing;
import io.httpsync.connector.source.DependentEndpoint;
import io.httpsync.connector.source.DependentTenants;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncLookupFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.util.UserCodeClassLoader;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * Looks rows up in a detail API, one request per key, or ({@code 'lookup.kind' = 'list'}) in a list
 * API per key, paged with the endpoint's own pagination to its end (a {@link ChildListing}, as
 * dependent endpoints page; every record of the key is a row, a one-to-many join), through the same
 * {@link PageFetcher} as the scan source: templates, signing, tokens, error classification, retries
 * and a per-tenant token bucket ({@code rate-limit.*} of the lookup table, shared equally by the
 * parallel instances). The key's values are given to the templates as the tenant properties {@code
 * lookup.<column>}, written {@code ${tenant.lookup.<column>}}. The planner's partial cache ({@code
 * 'lookup.cache' = 'PARTIAL'}) sits in front of this function.
 *
 * <p><b>Tenants and tokens.</b> A key is looked up for the tenant its {@code lookup.tenant-column}
 * names (else the table's only tenant), found as a dependent endpoint finds its parents' tenants
 * ({@link DependentTenants}): in the fixed list, else in the tenant registry, read again every poll
 * interval. With the registry's token store, every parallel instance reads and refreshes the tokens
 * through the store's rows, those the scan of the same shops uses: a single-use refresh token is
 * spent once, whoever needs a new token first. A key without a tenant to ask for (its tenant
 * disabled, unknown after the registry was read again, or its tenant column null) is never dropped
 * unnoticed ({@code lookup.missing-tenant}): by default its lookup fails, naming the table, the
 * tenant and why; with {@code no-row} it joins no row (never a row of another tenant or an old
 * answer), is counted in {@code numExceptionEvents} and logged as a warning naming the table and
 * the tenant at most once a minute per tenant.
 *
 * <p>{@link #open} and {@link #close} run on the task thread; {@link #asyncLookup} is called on the
 * task thread and blocks only to read the tenant registry (once a poll interval, as the dependent
 * operator does, and before a key fails for its tenant; {@link DependentTenants} and the exception
 * events' counter are the task thread's); its futures complete on AHC I/O threads, where the
 * records are decoded, one record at a time across all of them ({@link #decodeOne}: a format's
 * deserializer is not thread-safe). A key's listing asks for its next page from the I/O thread that
 * completed the previous one, so its {@link ChildListing} and rows are used by one thread at a time
 * (the page future's completion orders them). A listing that fails fails the lookup, naming the
 * key: never an empty or partial result.
 */
@Internal
public final class HttpSyncLookupFunction extends AsyncLookupFunction {
    private static final long serialVersionUID = 1L;

    /**
     * The prefix of the tenant properties that carry the key; templates use {@code
     * ${tenant.lookup.<column>}}.
     */
    static final String KEY_PROPERTY_PREFIX = "lookup.";

    private static final Logger LOG = LoggerFactory.getLogger(HttpSyncLookupFunction.class);

    /** How often keys of one tenant without credentials are logged at most. */
    private static final long NO_TENANT_WARNING_INTERVAL_MILLIS = 60_000;

    private final String tableName;
    private final EndpointSpec endpoint;

    /** Where a key's tenant is found, and with which tokens. */
    private final DependentTenants.Spec tenantSpec;

    /** The tenant of every key, or null: the key column {@code lookup.tenant-column} names it. */
    @Nullable private final String onlyTenant;

    private final List<String> keyNames;
    private final List<RowData.FieldGetter> keyGetters;

    /** Where each key column is in the table's row, in the order of {@link #keyNames}. */
    private final int[] keyPositions;

    private final DeserializationSchema<RowData> decoder;
    @Nullable private final String recordPointer;
    private final HttpSyncDynamicSource.Lookup lookup;
    private transient DependentTenants tenants;

    /** When a key of each tenant without credentials was last logged (task thread). */
    private transient Map<String, Long> warnedAt;

    /** Keys that joined no row for want of a tenant, with {@code no-row} (task thread). */
    private transient Counter exceptionEvents;

    private transient PageFetcher fetcher;
    private transient RecordFields fields;
    private transient HierarchicalRateLimiter limiter;
    @Nullable private transient JsonPointer compiledPointer;

    HttpSyncLookupFunction(
            String tableName,
            EndpointSpec endpoint,
            DependentTenants.Spec tenantSpec,
            @Nullable String onlyTenant,
            List<String> keyNames,
            List<RowData.FieldGetter> keyGetters,
            int[] keyPositions,
            DeserializationSchema<RowData> decoder,
            @Nullable String recordPointer,
            HttpSyncDynamicSource.Lookup lookup) {
        this.tableName = tableName;
        this.endpoint = endpoint;
        this.tenantSpec = tenantSpec;
        this.onlyTenant = onlyTenant;
        this.keyNames = List.copyOf(keyNames);
        this.keyGetters = List.copyOf(keyGetters);
        this.keyPositions = keyPositions.clone();
        this.decoder = decoder;
        this.recordPointer = recordPointer;
        this.lookup = lookup;
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
        // the registry is created through the job's class loader, as the dependent operator's
        tenants = DependentTenants.open(tenantSpec, endpoint, context.getUserCodeClassLoader());
        warnedAt = new HashMap<>();
        // the scan's name, so that one metric counts what a table could not deliver
        exceptionEvents =
                context.getMetricGroup().counter(TableExceptionEvents.EXCEPTION_EVENTS_METRIC);
        // summed up per tenant in the log (rate limiting, token refusals, retries), written as
        // lookups go on; the tokens are the store's if the registry keeps them, else its own
        fetcher = PageFetcher.withActivityLog(endpoint, limiter, tenants.tokens());
        fields = new RecordFields(endpoint);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncLookup(RowData key) {
        String tenantId = tenantOf(key);
        DependentTenants.Found found =
                tenantId == null
                        ? new DependentTenants.Found(
                                null,
                                "the key has no tenant (column "
                                        + lookup.tenantColumn()
                                        + " is null)")
                        : tenants.tenant(tenantId);
        if (found.tenant() == null
                && tenantId != null
                && lookup.missingTenant() == HttpSyncConnectorOptions.MissingTenant.FAIL)
            found = tenants.tenantReadAgain(tenantId);
        if (found.tenant() == null) {
            if (lookup.missingTenant() == HttpSyncConnectorOptions.MissingTenant.FAIL)
                return CompletableFuture.failedFuture(noTenant(tenantId, found.problem()));
            exceptionEvents.inc();
            warnNoTenant(String.valueOf(tenantId), found.problem());
            return CompletableFuture.completedFuture(List.of());
        }
        Tenant keyed = keyedTenant(found.tenant(), key);
        if (lookup.kind() == DependentEndpoint.Kind.LIST) {
            String keyText = keyText(keyed);
            ChildListing listing =
                    new ChildListing(
                            "Table " + tableName + ": the listing of key " + keyText,
                            fetcher.pagination().first(),
                            true,
                            lookup.cursorExpiredCodes(),
                            lookup.maxRestarts());
            CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
            page(key, keyed, keyText, listing, listing.first(), new ArrayList<>(), result);
            return result;
        }
        long now = System.currentTimeMillis();
        // a detail request has no window; the fetcher's window only fills window placeholders,
        // which it does not use
        return fetcher.fetch(keyed, now - 1, now, fetcher.pagination().first())
                .thenApply(page -> withKey(decode(keyed.id(), page.records()), key));
    }

    /** The key's tenant id, or null if its tenant column is null. */
    @Nullable
    private String tenantOf(RowData key) {
        if (onlyTenant != null) return onlyTenant;
        Object value = keyGetters.get(keyNames.indexOf(lookup.tenantColumn())).getFieldOrNull(key);
        return value == null ? null : value.toString();
    }

    /** Why a key without a tenant to ask for fails its lookup: the table, the tenant, the cause. */
    private IOException noTenant(@Nullable String tenantId, String problem) {
        return new IOException(
                "Table "
                        + tableName
                        + ": a key of tenant "
                        + (tenantId == null ? "(none)" : "'" + tenantId + "'")
                        + " cannot be looked up: "
                        + problem
                        + ". The lookup fails rather than join no row ('"
                        + HttpSyncConnectorOptions.LOOKUP_MISSING_TENANT.key()
                        + "' = 'fail'); with 'no-row' such keys join no row and are counted in"
                        + " the metric "
                        + TableExceptionEvents.EXCEPTION_EVENTS_METRIC);
    }

    /** Task thread: logs a key without a tenant to ask for, at most once a minute per tenant. */
    private void warnNoTenant(String tenantId, String problem) {
        long now = System.currentTimeMillis();
        Long last = warnedAt.get(tenantId);
        if (last != null && now - last < NO_TENANT_WARNING_INTERVAL_MILLIS) return;
        warnedAt.put(tenantId, now);
        LOG.warn(
                "Table {}: keys of tenant {} join no row (counted in {}, logged at most once a"
                        + " minute): {}",
                tableName,
                tenantId,
                TableExceptionEvents.EXCEPTION_EVENTS_METRIC,
                problem);
    }

    /**
     * Asks for one page of a key's listing; its answer (on an I/O thread) adds the page's rows and
     * asks for the next page, or completes {@code result}.
     */
    private void page(
            RowData key,
            Tenant keyed,
            String keyText,
            ChildListing listing,
            PagePosition position,
            List<RowData> rows,
            CompletableFuture<Collection<RowData>> result) {
        long now = System.currentTimeMillis();
        fetcher.fetch(keyed, now - 1, now, position)
                .whenComplete(
                        (page, error) -> {
                            try {
                                if (page != null)
                                    rows.addAll(
                                            withKey(
                                                    decode(keyed.id(), newRecords(listing, page)),
                                                    key));
                                ChildListing.Step step = listing.after(position, page, error);
                                if (step instanceof ChildListing.Next next) {
                                    page(
                                            key,
                                            keyed,
                                            keyText,
                                            listing,
                                            next.position(),
                                            rows,
                                            result);
                                } else if (step instanceof ChildListing.Failed failed) {
                                    result.completeExceptionally(
                                            failure(keyText, position, failed, error));
                                } else {
                                    result.complete(rows);
                                }
                            } catch (Throwable t) {
                                result.completeExceptionally(t);
                            }
                        });
    }

    /** A failed listing, naming the table, the key and the page. */
    private IOException failure(
            String keyText,
            PagePosition position,
            ChildListing.Failed failed,
            @Nullable Throwable error) {
        return new IOException(
                "Table "
                        + tableName
                        + ": the listing of key "
                        + keyText
                        + " failed at page "
                        + position.serialize()
                        + ": "
                        + (failed.event() != null ? failed.event().message() : failed.why()),
                error == null ? null : ChildListing.unwrap(error));
    }

    /** The page's records the listing has not given yet (by id, when it may start again). */
    private List<JsonNode> newRecords(ChildListing listing, Page page) {
        if (lookup.cursorExpiredCodes().isEmpty()) return page.records();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode record : page.records())
            if (listing.isNew(fields.id(record))) out.add(record);
        return out;
    }

    /**
     * A listing's records rarely carry the key they were listed by (a department's employees name
     * their departments, not the one asked about), nor a detail its tenant (an order's detail does
     * not name the shop), so each row gets the lookup key in its key columns where it has none: the
     * join's condition then holds on the row itself, whatever the planner checks again.
     */
    private List<RowData> withKey(Collection<RowData> rows, RowData key) {
        List<RowData> out = new ArrayList<>(rows.size());
        for (RowData row : rows) {
            if (row instanceof GenericRowData generic) {
                for (int i = 0; i < keyPositions.length; i++) {
                    if (generic.isNullAt(keyPositions[i]))
                        generic.setField(keyPositions[i], keyGetters.get(i).getFieldOrNull(key));
                }
            }
            out.add(row);
        }
        return out;
    }

    /** The key as the tenant's properties carry it, e.g. {@code dept_id=5}. */
    private String keyText(Tenant keyed) {
        StringBuilder b = new StringBuilder();
        for (String name : keyNames) {
            if (b.length() > 0) b.append(", ");
            b.append(name).append('=').append(keyed.properties().get(KEY_PROPERTY_PREFIX + name));
        }
        return b.toString();
    }

    private Tenant keyedTenant(Tenant tenant, RowData key) {
        Map<String, String> properties = new HashMap<>(tenant.properties());
        for (int i = 0; i < keyNames.size(); i++) {
            Object value = keyGetters.get(i).getFieldOrNull(key);
            properties.put(KEY_PROPERTY_PREFIX + keyNames.get(i), String.valueOf(value));
        }
        return Tenant.of(tenant.id(), properties);
    }

    private Collection<RowData> decode(String tenantId, List<JsonNode> records) {
        List<RowData> rows = new ArrayList<>(records.size());
        for (JsonNode record : records) {
            JsonNode part = compiledPointer == null ? record : record.at(compiledPointer);
            if (part.isMissingNode() || part.isNull())
                continue; // a detail without that part has no row to join
            try {
                RowData row = decodeOne(decoder, part.toString().getBytes(StandardCharsets.UTF_8));
                if (row != null) rows.add(row);
            } catch (IOException | RuntimeException e) {
                throw new CompletionException(
                        new IOException(
                                "Table "
                                        + tableName
                                        + ": the format cannot decode a detail of tenant '"
                                        + tenantId
                                        + "': "
                                        + e.getMessage(),
                                e));
            }
        }
        return rows;
    }

    /**
     * Decodes one record. The answers of several keys complete on different I/O threads at once,
     * and a format's deserializer keeps state between calls (Flink's JSON format collects each
     * call's rows in one reusable list: two calls at once fail, or return each other's row), so its
     * calls take turns.
     */
    static RowData decodeOne(DeserializationSchema<RowData> decoder, byte[] bytes)
            throws IOException {
        synchronized (decoder) {
            return decoder.deserialize(bytes);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (fetcher != null) fetcher.close();
        } finally {
            try {
                if (limiter != null) limiter.close();
            } finally {
                if (tenants != null) tenants.close();
            }
        }
    }
}
