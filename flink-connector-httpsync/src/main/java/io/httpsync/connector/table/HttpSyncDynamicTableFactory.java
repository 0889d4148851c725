package io.httpsync.connector.table;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.JsonPointers;
import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.endpoint.UserClasses;
import io.httpsync.connector.source.DependentEndpoint;
import io.httpsync.connector.source.FullPasses;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.SourceConfigReader;
import io.httpsync.connector.source.enumerator.PassOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.lookup.LookupOptions;
import org.apache.flink.table.connector.source.lookup.cache.DefaultLookupCache;
import org.apache.flink.table.connector.source.lookup.cache.LookupCache;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.DataType;
import org.apache.flink.util.TemporaryClassLoaderContext;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates {@code 'connector' = 'httpsync'} tables: scanned (a list API, with {@code scan.start}) or
 * looked up (a detail API, in a lookup join, cached per Flink's {@code lookup.cache} options). The
 * endpoint is described by the options of {@link EndpointOptions}, the tenants by {@link
 * TenantOptions}, the scan range and the source's behaviour by {@code ScanOptions}, all read by
 * {@link SourceConfigReader} exactly as for a DataStream job's {@code setConfiguration} and a
 * config-file job; {@link HttpSyncConnectorOptions} adds what only a table has. Records are decoded
 * by the table's {@code format}.
 *
 * <p>Every option is validated when the table is used, and a wrong one fails the statement with a
 * {@link ValidationException} naming it, and no tenant property or secret-looking option value (see
 * {@link RefusedTable} for why that takes a table that refuses to be used). The options are read by
 * {@link SourceConfigReader} first, whose messages say what is wrong and how to write it; then
 * Flink's {@link FactoryUtil.TableFactoryHelper#validateExcept} refuses unknown keys (the prefixed
 * ones excepted) and parses each declared option once more (option enums print as options spell
 * them, e.g. {@code kuaishou-hmac-sha256}, so that both agree).
 */
@Internal
public class HttpSyncDynamicTableFactory implements DynamicTableSourceFactory {
    public static final String IDENTIFIER = "httpsync";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        // 'tenants' is required unless a tenant registry gives them: SourceConfigReader says so
        return new LinkedHashSet<>(List.of(EndpointOptions.URL, FactoryUtil.FORMAT));
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new LinkedHashSet<>(SourceConfigReader.options());
        options.removeAll(requiredOptions());
        options.addAll(
                List.of(
                        HttpSyncConnectorOptions.RECORD_POINTER,
                        HttpSyncConnectorOptions.LOOKUP_KIND,
                        HttpSyncConnectorOptions.LOOKUP_CURSOR_EXPIRED_CODES,
                        HttpSyncConnectorOptions.LOOKUP_MAX_RESTARTS,
                        HttpSyncConnectorOptions.LOOKUP_TENANT_COLUMN,
                        HttpSyncConnectorOptions.LOOKUP_MISSING_TENANT,
                        LookupOptions.CACHE_TYPE,
                        LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_ACCESS,
                        LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_WRITE,
                        LookupOptions.PARTIAL_CACHE_MAX_ROWS,
                        LookupOptions.PARTIAL_CACHE_CACHE_MISSING_KEY));
        return options;
    }

    /**
     * The prefixes of map-valued options: the endpoint's ({@code request.param.<name>}, ...), the
     * tenants' and the detail API of a pass's check ({@code pass.check.endpoint.<option>}).
     */
    public static List<String> optionPrefixes() {
        List<String> prefixes = new ArrayList<>(SourceConfigReader.prefixes());
        prefixes.add(PassOptions.CHECK_ENDPOINT_PREFIX);
        return prefixes;
    }

    /**
     * The table's source; a table whose options are refused fails the statement from the planner's
     * first use of it ({@link RefusedTable}, with every tenant property and secret-looking option
     * value masked in the message and its causes), never from here: Flink would add every option of
     * the table to the message.
     */
    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        String table = context.getObjectIdentifier().asSummaryString();
        Map<String, String> options = context.getCatalogTable().getOptions();
        try {
            return createValidated(context, table, options);
        } catch (RuntimeException e) {
            ValidationException refusal =
                    e instanceof ValidationException v
                            ? v
                            : new ValidationException(
                                    "Invalid options of table " + table + ": " + e.getMessage(), e);
            return new RefusedTable(table, OptionSecrets.of(options).redacted(refusal));
        }
    }

    private DynamicTableSource createValidated(
            Context context, String table, Map<String, String> options) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        DecodingFormat<DeserializationSchema<RowData>> format =
                helper.discoverDecodingFormat(
                        DeserializationFormatFactory.class, FactoryUtil.FORMAT);
        try {
            // our reading first: its messages name the option and say what is wrong with it, and
            // Flink's check below
            // would refuse a missing 'url' or 'tenants' without saying how to write them
            Map<String, String> sourceOptions = SourceConfigReader.sourceOptions(options);
            EndpointSpec endpoint = SourceConfigReader.endpoint(sourceOptions);
            List<Tenant> tenants = SourceConfigReader.tenants(sourceOptions);
            ReadableConfig config = Configuration.fromMap(options);
            String pointer = config.get(HttpSyncConnectorOptions.RECORD_POINTER);
            if (pointer != null)
                JsonPointers.compile(HttpSyncConnectorOptions.RECORD_POINTER.key(), pointer);
            // classes named by 'response.transformer' / 'request.signer' are checked now, with the
            // class loader that holds the statement's jars (ADD JAR), as the builder checks them
            UserClasses.check(endpoint, context.getClassLoader());
            HttpSyncSource<RawRecord> source;
            try (TemporaryClassLoaderContext ignored =
                    TemporaryClassLoaderContext.of(context.getClassLoader())) {
                source = scanSource(options);
            }
            LookupCache cache = lookupCache(config);
            HttpSyncDynamicSource.Lookup lookup = lookup(options, endpoint);
            // unknown keys (typos included) fail, as in every Flink connector, with the list of
            // supported keys
            helper.validateExcept(optionPrefixes().toArray(String[]::new));
            return new HttpSyncDynamicSource(
                    table,
                    new HttpSyncDynamicSource.Endpoint(
                            endpoint,
                            tenants,
                            SourceConfigReader.registry(sourceOptions),
                            pointer,
                            lookup),
                    source,
                    cache,
                    format,
                    context.getPhysicalRowDataType(),
                    changelogKey(context, table, source));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid options of table " + table + ": " + e.getMessage(), e);
        }
    }

    /**
     * The source a table with these options scans, or null without {@code scan.start} (a table only
     * looked up): the same {@code HttpSyncSourceBuilder.setConfiguration} a DataStream job and a
     * config-file job use. Public for the test that builds one source on every surface and compares
     * them.
     *
     * @throws IllegalArgumentException naming the option that is missing or invalid
     */
    @VisibleForTesting
    public static @Nullable HttpSyncSource<RawRecord> scanSource(Map<String, String> tableOptions) {
        Map<String, String> sourceOptions = SourceConfigReader.sourceOptions(tableOptions);
        if (!SourceConfigReader.scans(sourceOptions)) return null;
        String pointer = tableOptions.get(HttpSyncConnectorOptions.RECORD_POINTER.key());
        return HttpSyncSource.<RawRecord>builder()
                .setConfiguration(Configuration.fromMap(sourceOptions))
                .setDeserializer(new PointedRecordDeserializer(pointer))
                .build();
    }

    /**
     * The positions of the PRIMARY KEY's columns among the physical columns, when the table's
     * passes make deletions ({@code changelog.mode} other than {@code append}); null otherwise.
     */
    private static @Nullable int[] changelogKey(
            Context context, String table, @Nullable HttpSyncSource<RawRecord> source) {
        FullPasses passes = source == null ? null : source.fullPasses();
        if (passes == null || passes.mode() == PassOptions.ChangelogMode.APPEND) return null;
        ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();
        if (schema.getPrimaryKey().isEmpty())
            throw invalid(
                    PassOptions.CHANGELOG_MODE,
                    "'"
                            + passes.mode().optionValue()
                            + "' needs a PRIMARY KEY on table "
                            + table
                            + ": deletions and updates are applied by key");
        List<String> physical = DataType.getFieldNames(context.getPhysicalRowDataType());
        List<String> keyColumns = schema.getPrimaryKey().get().getColumns();
        int[] key = new int[keyColumns.size()];
        for (int i = 0; i < key.length; i++) key[i] = physical.indexOf(keyColumns.get(i));
        return key;
    }

    /**
     * What a lookup asks for one key ({@code lookup.kind}, and for a list its cursor's restarts).
     *
     * @throws IllegalArgumentException naming the option that is invalid or does not fit
     */
    private static HttpSyncDynamicSource.Lookup lookup(
            Map<String, String> options, EndpointSpec endpoint) {
        OptionReader r = new OptionReader(options);
        DependentEndpoint.Kind kind =
                r.enumValue(HttpSyncConnectorOptions.LOOKUP_KIND, DependentEndpoint.Kind.class);
        List<String> codes = r.stringList(HttpSyncConnectorOptions.LOOKUP_CURSOR_EXPIRED_CODES);
        int maxRestarts = r.integer(HttpSyncConnectorOptions.LOOKUP_MAX_RESTARTS, 0);
        boolean list = kind == DependentEndpoint.Kind.LIST;
        if (list && endpoint.response().singleRecord())
            throw invalid(
                    HttpSyncConnectorOptions.LOOKUP_KIND,
                    "'list' pages through a list API, but '"
                            + EndpointOptions.RESPONSE_SINGLE_RECORD.key()
                            + "' = true says the endpoint answers one record (a detail API: use"
                            + " 'detail')");
        if (codes != null && !list)
            throw invalid(
                    HttpSyncConnectorOptions.LOOKUP_CURSOR_EXPIRED_CODES,
                    "applies only to '" + HttpSyncConnectorOptions.LOOKUP_KIND.key() + "' = list");
        if (codes != null && endpoint.response().recordIdPath() == null)
            throw invalid(
                    EndpointOptions.RESPONSE_RECORD_ID_PATH,
                    "is required with '"
                            + HttpSyncConnectorOptions.LOOKUP_CURSOR_EXPIRED_CODES.key()
                            + "': a listing that starts again joins each record once, by its id");
        return new HttpSyncDynamicSource.Lookup(
                kind,
                codes == null ? List.of() : codes,
                maxRestarts,
                r.string(HttpSyncConnectorOptions.LOOKUP_TENANT_COLUMN),
                r.enumValue(
                        HttpSyncConnectorOptions.LOOKUP_MISSING_TENANT,
                        HttpSyncConnectorOptions.MissingTenant.class));
    }

    /** Flink's partial cache per the standard {@code lookup.*} options, or null for none. */
    private static LookupCache lookupCache(ReadableConfig config) {
        return switch (config.get(LookupOptions.CACHE_TYPE)) {
            case NONE -> null;
            case PARTIAL -> DefaultLookupCache.fromConfig(config);
            case FULL ->
                    throw invalid(
                            LookupOptions.CACHE_TYPE,
                            "'FULL' is not supported: a detail API cannot be listed; use 'PARTIAL'");
        };
    }

    private static IllegalArgumentException invalid(ConfigOption<?> option, String message) {
        return OptionReader.invalid(option, message);
    }
}
