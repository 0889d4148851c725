package io.httpsync.connector.table;

import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.domain.OptionEnum;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.source.DependentEndpoint;
import io.httpsync.connector.source.enumerator.ScanOptions;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * The options of the {@code httpsync} SQL connector that only a table has ({@link
 * #RECORD_POINTER}). The endpoint's options (URL, paging, response paths, errors, authentication,
 * retries, rate limits) are those of {@link EndpointOptions}, the tenants' those of {@link
 * TenantOptions} and the scan's those of {@link ScanOptions}, taken over unchanged so that a {@code
 * WITH} clause, a DataStream job's {@code setConfiguration} and a config file describe a source
 * with the same keys. The other constants here are those options, kept under their former names.
 */
@PublicEvolving
public final class HttpSyncConnectorOptions {
    private HttpSyncConnectorOptions() {}

    public static final ConfigOption<String> RECORD_POINTER =
            ConfigOptions.key("record.pointer")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "JSON pointer, within a record, to the object the format decodes (e.g. /orderBaseInfo), "
                                    + "so that nested ids can be top-level columns and a primary key; default: the whole record.");

    public static final ConfigOption<DependentEndpoint.Kind> LOOKUP_KIND =
            ConfigOptions.key("lookup.kind")
                    .enumType(DependentEndpoint.Kind.class)
                    .defaultValue(DependentEndpoint.Kind.DETAIL)
                    .withDescription(
                            "What a lookup asks the endpoint for one key (the words of 'dependent.kind'): detail:"
                                    + " one request, its records joined; list: a list API per key, paged with the"
                                    + " endpoint's own 'pagination.*' to its end, every record joined (one-to-many).");
    public static final ConfigOption<List<String>> LOOKUP_CURSOR_EXPIRED_CODES =
            ConfigOptions.key("lookup.cursor-expired-codes")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "list: the platform's codes (at 'response.error-code-path') for a cursor that expired;"
                                    + " the key's listing then starts again from its first page, each record"
                                    + " (by 'response.record.id-path') joined once.");
    public static final ConfigOption<Integer> LOOKUP_MAX_RESTARTS =
            ConfigOptions.key("lookup.max-restarts")
                    .intType()
                    .defaultValue(DependentEndpoint.MAX_RESTARTS.defaultValue())
                    .withDescription(
                            "list: how often one key's listing may start again after its cursor expired before"
                                    + " the lookup fails.");

    public static final ConfigOption<String> LOOKUP_TENANT_COLUMN =
            ConfigOptions.key("lookup.tenant-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A key column of the lookup join whose value is the id of the tenant each key is"
                                    + " looked up for: a tenant of 'tenants' or of the tenant registry"
                                    + " ('tenants.registry.url', read again every 'tenants.registry.poll-interval'),"
                                    + " its tokens shared through the registry's token store with the scan and every"
                                    + " parallel lookup instance. Without it a lookup takes the table's only tenant."
                                    + " What a key of a disabled or unknown tenant does: 'lookup.missing-tenant'.");

    /**
     * What a lookup does with a key it has no tenant to ask for ({@link #LOOKUP_MISSING_TENANT}).
     */
    @PublicEvolving
    public enum MissingTenant implements OptionEnum {
        /** The lookup fails, naming the table, the tenant and why: the job fails or restarts. */
        FAIL,
        /** The key joins no row, is counted in {@code numExceptionEvents} and logged. */
        NO_ROW;

        /** The option's spelling: Flink's own validation of a table's options compares this. */
        @Override
        public String toString() {
            return optionValue();
        }
    }

    public static final ConfigOption<MissingTenant> LOOKUP_MISSING_TENANT =
            ConfigOptions.key("lookup.missing-tenant")
                    .enumType(MissingTenant.class)
                    .defaultValue(MissingTenant.FAIL)
                    .withDescription(
                            "What a key does whose tenant the lookup cannot ask for (disabled in the tenant"
                                    + " registry, in neither 'tenants' nor the registry after reading the registry"
                                    + " again, or a null 'lookup.tenant-column'): fail: the lookup fails, naming the"
                                    + " table, the tenant and why, so no row is dropped unnoticed; no-row: the key"
                                    + " joins no row (an inner join drops its row, a LEFT JOIN gives null lookup"
                                    + " columns), each such key counted in the metric numExceptionEvents and its"
                                    + " tenant logged as a warning at most once a minute.");

    /** {@link TenantOptions#TENANT_PREFIX}. */
    public static final String TENANT_PREFIX = TenantOptions.TENANT_PREFIX;

    /** {@link TenantOptions#TENANTS}. */
    public static final ConfigOption<List<String>> TENANTS = TenantOptions.TENANTS;

    /** {@link ScanOptions#MODE}. */
    public static final ConfigOption<ScanOptions.ScanMode> SCAN_MODE = ScanOptions.MODE;

    /** {@link ScanOptions#START}. */
    public static final ConfigOption<String> SCAN_START = ScanOptions.START;

    /** {@link ScanOptions#END}. */
    public static final ConfigOption<String> SCAN_END = ScanOptions.END;

    /** {@link ScanOptions#LAG}. */
    public static final ConfigOption<Duration> SCAN_LAG = ScanOptions.LAG;

    /** {@link ScanOptions#DISCOVERY_INTERVAL}. */
    public static final ConfigOption<Duration> SCAN_DISCOVERY_INTERVAL =
            ScanOptions.DISCOVERY_INTERVAL;

    /** {@link ScanOptions#WINDOW_STEP}. */
    public static final ConfigOption<Duration> SCAN_WINDOW_STEP = ScanOptions.WINDOW_STEP;

    /** {@link ScanOptions#WINDOW_MIN_WIDTH}. */
    public static final ConfigOption<Duration> SCAN_WINDOW_MIN_WIDTH = ScanOptions.WINDOW_MIN_WIDTH;

    /** {@link ScanOptions#FAILED_WINDOW_RETRY_DELAY}. */
    public static final ConfigOption<Duration> SCAN_FAILED_WINDOW_RETRY_DELAY =
            ScanOptions.FAILED_WINDOW_RETRY_DELAY;

    /** {@link ScanOptions#FAILED_WINDOW_MAX_FAILURES}. */
    public static final ConfigOption<Integer> SCAN_FAILED_WINDOW_MAX_FAILURES =
            ScanOptions.FAILED_WINDOW_MAX_FAILURES;

    /** {@link ScanOptions#RECENT_SPAN}. */
    public static final ConfigOption<Duration> SCAN_RECENT_SPAN = ScanOptions.RECENT_SPAN;

    /** {@link ScanOptions#RECENT_HISTORY_SHARE}. */
    public static final ConfigOption<Double> SCAN_RECENT_HISTORY_SHARE =
            ScanOptions.RECENT_HISTORY_SHARE;

    /** {@link ScanOptions#EXCEPTION_POLICY}. */
    public static final ConfigOption<String> SCAN_EXCEPTION_POLICY = ScanOptions.EXCEPTION_POLICY;

    /** {@link ScanOptions#SPLITS_IN_FLIGHT}. */
    public static final ConfigOption<Integer> SCAN_SPLITS_IN_FLIGHT = ScanOptions.SPLITS_IN_FLIGHT;

    /** {@link ScanOptions#MAX_SPLITS_IN_FLIGHT}. */
    public static final ConfigOption<Integer> SCAN_MAX_SPLITS_IN_FLIGHT =
            ScanOptions.MAX_SPLITS_IN_FLIGHT;
}
