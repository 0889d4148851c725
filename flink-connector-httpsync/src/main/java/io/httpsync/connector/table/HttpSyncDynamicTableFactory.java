package io.httpsync.connector.table;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.JsonPointers;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.RawRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.lookup.LookupOptions;
import org.apache.flink.table.connector.source.lookup.cache.DefaultLookupCache;
import org.apache.flink.table.connector.source.lookup.cache.LookupCache;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.Factory;
import org.apache.flink.table.factories.FactoryUtil;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Creates {@code 'connector' = 'httpsync'} tables: scanned (a list API, with {@code scan.start}) or looked up (a
 * detail API, in a lookup join, cached per Flink's {@code lookup.cache} options). The endpoint is described by the options of
 * {@link EndpointOptions} (read by {@link EndpointSpec#fromOptions}, exactly as for a DataStream job); tenants,
 * the scan range and the source's behaviour by {@link HttpSyncConnectorOptions}; records are decoded by the table's
 * {@code format}.
 *
 * <p>Every option is validated when the table is used, and a wrong one fails the statement with a
 * {@link ValidationException} naming it, and no tenant property or secret-looking option value (see
 * {@link RefusedTable} for why that takes a table that refuses to be used). Endpoint options keep their own spelling of values (enums like
 * {@code kuaishou-hmac-sha256}, lists separated by {@code ;}), so they are validated by {@link EndpointSpec}
 * rather than by Flink's typed option parsing.
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
        return new LinkedHashSet<>(List.of(EndpointOptions.URL, HttpSyncConnectorOptions.TENANTS, FactoryUtil.FORMAT));
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new LinkedHashSet<>(EndpointOptions.all().values());
        options.removeAll(requiredOptions());
        options.addAll(List.of(HttpSyncConnectorOptions.RECORD_POINTER, HttpSyncConnectorOptions.SCAN_MODE,
                HttpSyncConnectorOptions.SCAN_START, HttpSyncConnectorOptions.SCAN_END, HttpSyncConnectorOptions.SCAN_LAG,
                HttpSyncConnectorOptions.SCAN_DISCOVERY_INTERVAL, HttpSyncConnectorOptions.SCAN_WINDOW_STEP,
                HttpSyncConnectorOptions.SCAN_WINDOW_MIN_WIDTH, HttpSyncConnectorOptions.SCAN_FAILED_WINDOW_RETRY_DELAY,
                HttpSyncConnectorOptions.SCAN_FAILED_WINDOW_MAX_FAILURES, HttpSyncConnectorOptions.SCAN_EXCEPTION_POLICY, HttpSyncConnectorOptions.SCAN_SPLITS_IN_FLIGHT,
                LookupOptions.CACHE_TYPE, LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_ACCESS,
                LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_WRITE, LookupOptions.PARTIAL_CACHE_MAX_ROWS,
                LookupOptions.PARTIAL_CACHE_CACHE_MISSING_KEY));
        return options;
    }

    /** The prefixes of map-valued options: the endpoint's ({@code request.param.<name>}, ...) and the tenants'. */
    public static List<String> optionPrefixes() {
        List<String> prefixes = new ArrayList<>(EndpointOptions.prefixes());
        prefixes.add(HttpSyncConnectorOptions.TENANT_PREFIX);
        return prefixes;
    }

    /**
     * The table's source; a table whose options are refused fails the statement from the planner's first use of it
     * ({@link RefusedTable}, with every tenant property and secret-looking option value masked in the message and its
     * causes), never from here: Flink would add every option of the table to the message.
     */
    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        String table = context.getObjectIdentifier().asSummaryString();
        Map<String, String> options = context.getCatalogTable().getOptions();
        try {
            return createValidated(context, table, options);
        } catch (RuntimeException e) {
            ValidationException refusal = e instanceof ValidationException v ? v
                    : new ValidationException("Invalid options of table " + table + ": " + e.getMessage(), e);
            return new RefusedTable(table, OptionSecrets.of(options).redacted(refusal));
        }
    }

    private DynamicTableSource createValidated(Context context, String table, Map<String, String> options) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        DecodingFormat<DeserializationSchema<RowData>> format =
                helper.discoverDecodingFormat(DeserializationFormatFactory.class, FactoryUtil.FORMAT);
        validateKeys(options, context.getClassLoader());
        try {
            EndpointSpec endpoint = endpoint(options);
            List<Tenant> tenants = tenants(options);
            ReadableConfig config = Configuration.fromMap(options);
            String pointer = config.get(HttpSyncConnectorOptions.RECORD_POINTER);
            if (pointer != null) JsonPointers.compile(HttpSyncConnectorOptions.RECORD_POINTER.key(), pointer);
            HttpSyncSource<RawRecord> source = scanSource(endpoint, tenants, pointer, config);
            LookupCache cache = lookupCache(config);
            return new HttpSyncDynamicSource(table, new HttpSyncDynamicSource.Endpoint(endpoint, tenants, pointer), source, cache,
                    format, context.getPhysicalRowDataType());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("Invalid options of table " + table + ": " + e.getMessage(), e);
        }
    }

    /** Flink's partial cache per the standard {@code lookup.*} options, or null for none. */
    private static LookupCache lookupCache(ReadableConfig config) {
        return switch (config.get(LookupOptions.CACHE_TYPE)) {
            case NONE -> null;
            case PARTIAL -> DefaultLookupCache.fromConfig(config);
            case FULL -> throw invalid(LookupOptions.CACHE_TYPE, "'FULL' is not supported: a detail API cannot be listed; use 'PARTIAL'");
        };
    }

    /** Unknown keys (typos included) fail, as in every Flink connector, with the list of supported keys. */
    private void validateKeys(Map<String, String> options, ClassLoader classLoader) {
        String formatIdentifier = options.get(FactoryUtil.FORMAT.key());
        String formatPrefix = formatIdentifier + ".";
        Set<String> formatKeys = new HashSet<>();
        Factory formatFactory = FactoryUtil.discoverFactory(classLoader, DeserializationFormatFactory.class, formatIdentifier);
        formatFactory.requiredOptions().forEach(o -> formatKeys.add(formatPrefix + o.key()));
        formatFactory.optionalOptions().forEach(o -> formatKeys.add(formatPrefix + o.key()));

        Set<String> supported = new LinkedHashSet<>();
        supported.add(FactoryUtil.CONNECTOR.key());
        requiredOptions().forEach(o -> supported.add(o.key()));
        optionalOptions().forEach(o -> supported.add(o.key()));
        supported.addAll(formatKeys);
        // Flink lists the consumed keys as the supported ones; the prefixes are shown as 'request.param.*'
        optionPrefixes().forEach(p -> supported.add(p + "*"));
        Set<String> consumed = new HashSet<>(supported);
        for (String key : options.keySet()) {
            boolean prefixed = optionPrefixes().stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length());
            if (prefixed) consumed.add(key);
        }
        FactoryUtil.validateUnconsumedKeys(IDENTIFIER, options.keySet(), consumed);
    }

    /**
     * The source the table scans, or null without {@code scan.start} (a table only looked up).
     *
     * @throws IllegalArgumentException naming the option that is missing or invalid
     */
    static HttpSyncSource<RawRecord> scanSource(EndpointSpec endpoint, List<Tenant> tenants, String pointer, ReadableConfig config) {
        if (config.getOptional(HttpSyncConnectorOptions.SCAN_START).isEmpty()) return null;
        HttpSyncSourceBuilder<RawRecord> builder = HttpSyncSource.<RawRecord>builder()
                .setEndpoint(endpoint)
                .setTenants(tenants)
                .setDeserializer(new PointedRecordDeserializer(pointer))
                .setExceptionPolicy(exceptionPolicy(config.get(HttpSyncConnectorOptions.SCAN_EXCEPTION_POLICY)))
                .setSplitsInFlightPerReader(atLeast(config, HttpSyncConnectorOptions.SCAN_SPLITS_IN_FLIGHT, 1));
        Instant start = instant(config, HttpSyncConnectorOptions.SCAN_START);
        if (config.get(HttpSyncConnectorOptions.SCAN_MODE) == HttpSyncConnectorOptions.ScanMode.BOUNDED) {
            if (config.getOptional(HttpSyncConnectorOptions.SCAN_END).isEmpty()) {
                throw invalid(HttpSyncConnectorOptions.SCAN_END, "is required in 'bounded' scan mode");
            }
            Instant end = instant(config, HttpSyncConnectorOptions.SCAN_END);
            if (!end.isAfter(start)) {
                throw invalid(HttpSyncConnectorOptions.SCAN_END, end + " is not after 'scan.start' " + start);
            }
            builder.setBounded(start, end);
        } else {
            if (config.getOptional(HttpSyncConnectorOptions.SCAN_END).isPresent()) {
                throw invalid(HttpSyncConnectorOptions.SCAN_END, "is only allowed in 'bounded' scan mode");
            }
            builder.setContinuous(start, config.get(HttpSyncConnectorOptions.SCAN_LAG),
                    config.get(HttpSyncConnectorOptions.SCAN_DISCOVERY_INTERVAL));
        }
        config.getOptional(HttpSyncConnectorOptions.SCAN_WINDOW_STEP).ifPresent(builder::setWindowStep);
        config.getOptional(HttpSyncConnectorOptions.SCAN_WINDOW_MIN_WIDTH).ifPresent(builder::setMinWindowWidth);
        config.getOptional(HttpSyncConnectorOptions.SCAN_FAILED_WINDOW_RETRY_DELAY).ifPresent(builder::setFailedWindowRetryDelay);
        builder.setMaxWindowFailures(atLeast(config, HttpSyncConnectorOptions.SCAN_FAILED_WINDOW_MAX_FAILURES, 1));
        return builder.build();
    }

    /** The endpoint, from the options that belong to it. */
    static EndpointSpec endpoint(Map<String, String> options) {
        Map<String, String> endpointOptions = new TreeMap<>();
        options.forEach((k, v) -> {
            if (EndpointOptions.isEndpointKey(k)) endpointOptions.put(k, v);
        });
        return EndpointSpec.fromOptions(endpointOptions);
    }

    /** The tenants named in {@code tenants}, with their {@code tenant.<id>.<property>} options. */
    static List<Tenant> tenants(Map<String, String> options) {
        String tenantsKey = HttpSyncConnectorOptions.TENANTS.key();
        List<String> ids = Configuration.fromMap(options).get(HttpSyncConnectorOptions.TENANTS);
        if (ids == null || ids.isEmpty() || ids.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("option '" + tenantsKey + "' is required: the tenant ids, separated by ';'");
        }
        Map<String, Map<String, String>> properties = new LinkedHashMap<>();
        ids.forEach(id -> properties.put(id, new TreeMap<>()));
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (!e.getKey().startsWith(HttpSyncConnectorOptions.TENANT_PREFIX)) continue;
            String rest = e.getKey().substring(HttpSyncConnectorOptions.TENANT_PREFIX.length());
            String id = ids.stream().filter(t -> rest.startsWith(t + ".") && rest.length() > t.length() + 1).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("option '" + e.getKey() + "' names no tenant of '"
                            + tenantsKey + "' " + ids + "; tenant properties are written 'tenant.<id>.<property>'"));
            properties.get(id).put(rest.substring(id.length() + 1), e.getValue());
        }
        List<Tenant> tenants = new ArrayList<>();
        properties.forEach((id, props) -> tenants.add(Tenant.of(id, props)));
        return tenants;
    }

    private static Instant instant(ReadableConfig config, ConfigOption<String> option) {
        String text = config.get(option).trim();
        try {
            return text.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(text)) : Instant.parse(text);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw invalid(option, "'" + text + "' is neither an ISO-8601 instant (2024-06-01T00:00:00Z) nor epoch milliseconds");
        }
    }

    private static int atLeast(ReadableConfig config, ConfigOption<Integer> option, int min) {
        int value = config.get(option);
        if (value < min) throw invalid(option, value + " is less than " + min);
        return value;
    }

    private static ExceptionPolicy exceptionPolicy(String text) {
        for (ExceptionPolicy p : ExceptionPolicy.values()) {
            if (p.name().replace('_', '-').equalsIgnoreCase(text.trim())) return p;
        }
        throw invalid(HttpSyncConnectorOptions.SCAN_EXCEPTION_POLICY, "'" + text + "' is not one of fail, record-and-retry");
    }

    private static IllegalArgumentException invalid(ConfigOption<?> option, String message) {
        return new IllegalArgumentException("option '" + option.key() + "' " + message);
    }

}
