package io.httpsync.connector.table;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.DependentEndpoint;
import io.httpsync.connector.source.DependentTenants;
import io.httpsync.connector.source.FullPasses;
import io.httpsync.connector.source.HttpSyncRecordSource;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.PassChangelog;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.enumerator.PassOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DataStreamScanProvider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.LookupTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.connector.source.lookup.AsyncLookupFunctionProvider;
import org.apache.flink.table.connector.source.lookup.PartialCachingAsyncLookupProvider;
import org.apache.flink.table.connector.source.lookup.cache.LookupCache;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code httpsync} table as a scan source (and, see {@link #getLookupRuntimeProvider}, a lookup
 * source): the {@link HttpSyncSource} built by the factory, its records decoded into rows inside
 * its reader by the table's format with the metadata columns appended ({@link
 * RowDataRecordDeserializer}, {@link TableExceptionEvents}); no operator follows the source.
 * Insert-only: a record read twice (an update, a re-read window) is emitted twice, and a sink with
 * a primary key keeps the latest.
 *
 * <p>The source gets its uid from the planner's {@link ProviderContext}, so a savepoint of a
 * statement restores into the same statement. Used on the planner's thread only.
 */
@Internal
public class HttpSyncDynamicSource
        implements ScanTableSource, LookupTableSource, SupportsReadingMetadata {
    /**
     * The name given to {@link ProviderContext#generateUid} for the stateful source; changing it
     * orphans savepoint state. (A stateless decoder operator used to follow the source; savepoints
     * taken then hold no state of it.)
     */
    static final String SOURCE_TRANSFORMATION = "httpsync";

    /**
     * What lookups need: the endpoint, its tenants (fixed, and the registry's if {@code registry}
     * is not null), and the part of a record the format decodes.
     */
    record Endpoint(
            EndpointSpec spec,
            List<Tenant> tenants,
            @Nullable TenantRegistrySpec registry,
            @Nullable String recordPointer,
            Lookup lookup) {}

    /**
     * What a lookup asks for one key: a detail, or a list paged to its end (restarting up to {@code
     * maxRestarts} times when the platform answers one of {@code cursorExpiredCodes}); for the
     * tenant named by the key column {@code tenantColumn}, or the table's only tenant if null; a
     * key without a tenant to ask for fails or joins no row, as {@code missingTenant} says.
     */
    record Lookup(
            DependentEndpoint.Kind kind,
            List<String> cursorExpiredCodes,
            int maxRestarts,
            @Nullable String tenantColumn,
            HttpSyncConnectorOptions.MissingTenant missingTenant)
            implements Serializable {}

    private final String tableName;
    private final Endpoint endpoint;
    @Nullable private final HttpSyncSource<RawRecord> source;
    @Nullable private final LookupCache cache;
    private final DecodingFormat<DeserializationSchema<RowData>> format;
    private final DataType physicalDataType;

    /** The PRIMARY KEY's positions if full passes make deletions, else null (insert-only). */
    private final @Nullable int[] changelogKey;

    private List<ReadableMetadata> metadata = List.of();
    private DataType producedDataType;

    /**
     * @param source null for a table that declares no {@code scan.start}: it cannot be scanned, and
     *     scanning it fails with a message saying so
     * @param cache the lookup cache, null for none
     */
    HttpSyncDynamicSource(
            String tableName,
            Endpoint endpoint,
            @Nullable HttpSyncSource<RawRecord> source,
            @Nullable LookupCache cache,
            DecodingFormat<DeserializationSchema<RowData>> format,
            DataType physicalDataType,
            @Nullable int[] changelogKey) {
        this.tableName = tableName;
        this.changelogKey = changelogKey;
        this.endpoint = endpoint;
        this.source = source;
        this.cache = cache;
        this.format = format;
        this.physicalDataType = physicalDataType;
        this.producedDataType = physicalDataType;
    }

    /**
     * Insert-only, unless full passes make deletions ({@code changelog.mode} {@code delete} or
     * {@code soft-delete}): then upserts by the PRIMARY KEY and deletions ({@link PassChangelog}).
     */
    @Override
    public ChangelogMode getChangelogMode() {
        return changelogKey == null ? ChangelogMode.insertOnly() : ChangelogMode.upsert();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        if (source == null) {
            throw new ValidationException(
                    "Table "
                            + tableName
                            + " cannot be scanned: option '"
                            + HttpSyncConnectorOptions.SCAN_START.key()
                            + "' is required to scan it.");
        }
        DeserializationSchema<RowData> decoder =
                format.createRuntimeDecoder(context, physicalDataType);
        TypeInformation<RowData> producedType = context.createTypeInformation(producedDataType);
        HttpSyncSource<RawRecord> httpSource = source;
        if (changelogKey != null) return changelogProvider(decoder, producedType);
        HttpSyncRecordSource<RowData> rows =
                new HttpSyncRecordSource<>(
                        httpSource.withDeserializer(
                                new RowDataRecordDeserializer(
                                        tableName,
                                        endpoint.recordPointer(),
                                        decoder,
                                        metadata,
                                        producedType)),
                        producedType,
                        new TableExceptionEvents(tableName, endpoint.spec().logSummaryInterval()));
        return new DataStreamScanProvider() {
            @Override
            public DataStream<RowData> produceDataStream(
                    ProviderContext providerContext, StreamExecutionEnvironment env) {
                // The rows come out of the source itself (decoded by the format inside the reader);
                // timestamps come
                // from the source and watermarks follow the sync position (see
                // HttpSyncSource#watermarkStrategy). The
                // source keeps the uid it has always had, so that savepoints of earlier versions
                // restore: the planner
                // gives the stream handed back its own name and uid, so that is a forward edge (no
                // operator, chained),
                // not the source.
                DataStreamSource<RowData> stream =
                        env.fromSource(
                                rows,
                                WatermarkStrategy.noWatermarks(),
                                "HttpSyncSource-" + tableName,
                                producedType);
                providerContext.generateUid(SOURCE_TRANSFORMATION).ifPresent(stream::uid);
                return stream.forward();
            }

            @Override
            public boolean isBounded() {
                return httpSource.getBoundedness() == Boundedness.BOUNDED;
            }
        };
    }

    /**
     * The rows and the deletions of completed full passes: the source's elements (rows decoded in
     * the reader, markers), exception events logged and counted as in an insert-only scan, then
     * {@link PassChangelog}. The source keeps its uid; the operators after it get uids of their
     * own, derived from the table's name.
     */
    private ScanRuntimeProvider changelogProvider(
            DeserializationSchema<RowData> decoder, TypeInformation<RowData> producedType) {
        FullPasses passes = source.fullPasses();
        int physicalArity = DataType.getFieldCount(physicalDataType);
        TableChangelog changelog =
                new TableChangelog(
                        (RowType) producedDataType.getLogicalType(),
                        changelogKey,
                        metadata,
                        physicalArity,
                        endpoint.tenants().size() == 1 ? endpoint.tenants().get(0).id() : null);
        if (!changelog.hasTenant())
            throw new ValidationException(
                    "Table "
                            + tableName
                            + " has several tenants: with '"
                            + PassOptions.CHANGELOG_MODE.key()
                            + "' it needs the metadata column 'tenant STRING METADATA VIRTUAL'"
                            + " (and the tenant in its PRIMARY KEY)");
        if (passes.mode() == PassOptions.ChangelogMode.SOFT_DELETE && !changelog.hasDeletedColumn())
            throw new ValidationException(
                    "Table "
                            + tableName
                            + ": '"
                            + PassOptions.CHANGELOG_MODE.key()
                            + "' = 'soft-delete' needs the metadata column 'deleted BOOLEAN METADATA"
                            + " VIRTUAL' (and may add 'deleted_at TIMESTAMP_LTZ(3) METADATA FROM"
                            + " 'deleted-at' VIRTUAL')");
        HttpSyncSource<RowData> rows =
                source.withDeserializer(
                        new RowDataRecordDeserializer(
                                tableName,
                                endpoint.recordPointer(),
                                decoder,
                                metadata,
                                producedType));
        TableExceptionEvents events =
                new TableExceptionEvents(tableName, endpoint.spec().logSummaryInterval());
        return new DataStreamScanProvider() {
            @Override
            public DataStream<RowData> produceDataStream(
                    ProviderContext providerContext, StreamExecutionEnvironment env) {
                DataStreamSource<SyncElement<RowData>> elements =
                        env.fromSource(
                                rows,
                                WatermarkStrategy.noWatermarks(),
                                "HttpSyncSource-" + tableName,
                                rows.getProducedType());
                providerContext.generateUid(SOURCE_TRANSFORMATION).ifPresent(elements::uid);
                SingleOutputStreamOperator<SyncElement<RowData>> logged =
                        elements.forward()
                                .process(events.passingOn(), rows.getProducedType())
                                .setParallelism(elements.getParallelism())
                                .name(tableName + " exception events");
                providerContext.generateUid("httpsync-exception-events").ifPresent(logged::uid);
                // like the insert-only scan, a forward edge that the planner names
                return PassChangelog.apply(
                                logged,
                                producedType,
                                passes,
                                changelog,
                                changelog,
                                providerContext.generateUid("httpsync-pass").orElse(tableName))
                        .forward();
            }

            @Override
            public boolean isBounded() {
                return false;
            }
        };
    }

    /**
     * One request to the detail API per key (the partial cache in front, if configured). Lookups
     * take top-level key columns and no metadata columns; the tenant of a key is the value of its
     * {@code lookup.tenant-column} (a tenant of {@code tenants} or of the tenant registry), or the
     * table's only tenant.
     */
    @Override
    public LookupRuntimeProvider getLookupRuntimeProvider(LookupContext context) {
        if (!metadata.isEmpty()) {
            throw new ValidationException(
                    "Table "
                            + tableName
                            + ": metadata columns "
                            + metadata
                            + " are not available in lookups");
        }
        String tenantColumn = endpoint.lookup().tenantColumn();
        if (tenantColumn == null && endpoint.tenants().size() != 1) {
            throw new ValidationException(
                    "Table "
                            + tableName
                            + ": lookups need exactly one tenant in option '"
                            + HttpSyncConnectorOptions.TENANTS.key()
                            + "', it has "
                            + endpoint.tenants().size()
                            + (endpoint.registry() != null ? " (and a tenant registry)" : "")
                            + "; or name the key column that holds each key's tenant in '"
                            + HttpSyncConnectorOptions.LOOKUP_TENANT_COLUMN.key()
                            + "'");
        }
        RowType rowType = (RowType) physicalDataType.getLogicalType();
        List<String> keyNames = new ArrayList<>();
        List<RowData.FieldGetter> keyGetters = new ArrayList<>();
        int[] keyPositions = new int[context.getKeys().length];
        for (int[] key : context.getKeys()) {
            if (key.length != 1)
                throw new ValidationException(
                        "Table " + tableName + ": lookups by nested fields are not supported");
            keyPositions[keyNames.size()] = key[0];
            keyGetters.add(RowData.createFieldGetter(rowType.getTypeAt(key[0]), keyNames.size()));
            keyNames.add(rowType.getFieldNames().get(key[0]));
        }
        if (tenantColumn != null && !keyNames.contains(tenantColumn)) {
            throw new ValidationException(
                    "Table "
                            + tableName
                            + ": option '"
                            + HttpSyncConnectorOptions.LOOKUP_TENANT_COLUMN.key()
                            + "' names column '"
                            + tenantColumn
                            + "', which is not among the join's keys "
                            + keyNames
                            + ": join on it too (ON ... AND d."
                            + tenantColumn
                            + " = <the tenant id>)");
        }
        HttpSyncLookupFunction function =
                new HttpSyncLookupFunction(
                        tableName,
                        endpoint.spec(),
                        DependentTenants.Spec.of(
                                endpoint.tenants(), endpoint.registry(), endpoint.spec()),
                        tenantColumn != null ? null : endpoint.tenants().get(0).id(),
                        keyNames,
                        keyGetters,
                        keyPositions,
                        format.createRuntimeDecoder(context, physicalDataType),
                        endpoint.recordPointer(),
                        endpoint.lookup());
        return cache == null
                ? AsyncLookupFunctionProvider.of(function)
                : PartialCachingAsyncLookupProvider.of(function, cache);
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        Map<String, DataType> out = new LinkedHashMap<>();
        for (ReadableMetadata m : ReadableMetadata.values()) out.put(m.key, m.dataType);
        return out;
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys, DataType producedDataType) {
        List<ReadableMetadata> chosen = new ArrayList<>();
        for (String key : metadataKeys) chosen.add(ReadableMetadata.ofKey(key));
        this.metadata = List.copyOf(chosen);
        this.producedDataType = producedDataType;
    }

    @Override
    public DynamicTableSource copy() {
        HttpSyncDynamicSource copy =
                new HttpSyncDynamicSource(
                        tableName, endpoint, source, cache, format, physicalDataType, changelogKey);
        copy.metadata = metadata;
        copy.producedDataType = producedDataType;
        return copy;
    }

    @Override
    public String asSummaryString() {
        return "HttpSync(" + tableName + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpSyncDynamicSource other
                && other.tableName.equals(tableName)
                && other.endpoint.equals(endpoint)
                && Objects.equals(other.source, source)
                && Objects.equals(other.cache, cache)
                && other.format.equals(format)
                && other.physicalDataType.equals(physicalDataType)
                && other.metadata.equals(metadata)
                && other.producedDataType.equals(producedDataType)
                && Arrays.equals(other.changelogKey, changelogKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tableName, physicalDataType, metadata);
    }
}
