package io.httpsync.connector.table;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.enumerator.SyncPlan;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.DescribedEnum;
import org.apache.flink.configuration.description.InlineElement;

import java.time.Duration;
import java.util.List;

import static org.apache.flink.configuration.description.TextElement.text;

/**
 * The options of the {@code httpsync} SQL connector that are not part of an endpoint description. The endpoint's own
 * options (URL, paging, response paths, errors, authentication, retries, rate limits) are those of
 * {@link EndpointOptions}, taken over unchanged so that a {@code WITH} clause and a DataStream job describe an API
 * with the same keys.
 */
@PublicEvolving
public final class HttpSyncConnectorOptions {
    private HttpSyncConnectorOptions() {}

    /** {@code tenant.<id>.<property>}: a property of a tenant named in {@link #TENANTS}. */
    public static final String TENANT_PREFIX = "tenant.";

    // ------------------------------------------------------------------ tenants and records

    public static final ConfigOption<List<String>> TENANTS = ConfigOptions.key("tenants").stringType().asList()
            .noDefaultValue()
            .withDescription("The ids of the tenants (shops, corps) to sync, separated by ';' (required). Each tenant's "
                    + "properties are given as 'tenant.<id>.<property>', e.g. 'tenant.shop-1.app-key'.");
    public static final ConfigOption<String> RECORD_POINTER = ConfigOptions.key("record.pointer").stringType()
            .noDefaultValue()
            .withDescription("JSON pointer, within a record, to the object the format decodes (e.g. /orderBaseInfo), "
                    + "so that nested ids can be top-level columns and a primary key; default: the whole record.");

    // ------------------------------------------------------------------ scan

    public static final ConfigOption<ScanMode> SCAN_MODE = ConfigOptions.key("scan.mode").enumType(ScanMode.class)
            .defaultValue(ScanMode.CONTINUOUS)
            .withDescription("bounded: sync [scan.start, scan.end) and finish; continuous: follow the platform.");
    public static final ConfigOption<String> SCAN_START = ConfigOptions.key("scan.start").stringType().noDefaultValue()
            .withDescription("Where the sync starts (required): an ISO-8601 instant such as 2024-06-01T00:00:00Z, "
                    + "or epoch milliseconds.");
    public static final ConfigOption<String> SCAN_END = ConfigOptions.key("scan.end").stringType().noDefaultValue()
            .withDescription("Where a bounded sync ends, exclusive (required in bounded mode), written like 'scan.start'.");
    public static final ConfigOption<Duration> SCAN_LAG = ConfigOptions.key("scan.lag").durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("Continuous mode: how far behind now the sync stays, so that late writes on the platform are seen. "
                    + "Kept to the platform's clock (its answers' Date headers) when that runs behind ours.");
    public static final ConfigOption<Duration> SCAN_DISCOVERY_INTERVAL = ConfigOptions.key("scan.discovery-interval")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("Continuous mode: how often new windows are planned.");
    public static final ConfigOption<Duration> SCAN_WINDOW_STEP = ConfigOptions.key("scan.window.step").durationType()
            .noDefaultValue()
            .withDescription("The width of planned windows; default and maximum: the endpoint's 'window.max-width'.");
    public static final ConfigOption<Duration> SCAN_WINDOW_MIN_WIDTH = ConfigOptions.key("scan.window.min-width")
            .durationType().noDefaultValue()
            .withDescription("Windows too large to page are halved down to this width; default: the time resolution of 'time.format'.");
    public static final ConfigOption<Duration> SCAN_FAILED_WINDOW_RETRY_DELAY = ConfigOptions
            .key("scan.failed-window.retry-delay").durationType().noDefaultValue()
            .withDescription("How long a failed window waits before it is tried again (policy record-and-retry); default 1 min.");
    public static final ConfigOption<Integer> SCAN_FAILED_WINDOW_MAX_FAILURES = ConfigOptions
            .key("scan.failed-window.max-failures").intType().defaultValue(SyncPlan.DEFAULT_MAX_WINDOW_FAILURES)
            .withDescription("Bounded mode: a window that fails this many times in a row with the same lasting cause (a "
                    + "refused request, an unknown error code, an answer that is not the described JSON; not an "
                    + "unavailable or rate-limiting platform) fails the job with that cause, without restarts. "
                    + "Continuous mode keeps retrying it.");
    public static final ConfigOption<String> SCAN_EXCEPTION_POLICY = ConfigOptions.key("scan.exception-policy")
            .stringType().defaultValue("record-and-retry")
            .withDescription("fail: a request that exhausts its retries, or a record that cannot be decoded, fails the job; "
                    + "record-and-retry: it is logged and counted (metric numExceptionEvents) and its window is retried "
                    + "later, the sync position never passing it.");
    public static final ConfigOption<Integer> SCAN_SPLITS_IN_FLIGHT = ConfigOptions.key("scan.splits-in-flight").intType()
            .defaultValue(HttpSyncSourceBuilder.DEFAULT_SPLITS_IN_FLIGHT)
            .withDescription("How many windows one reader pages at the same time (each with one request in flight).");

    /** How a scan ends. */
    @PublicEvolving
    public enum ScanMode implements DescribedEnum {
        BOUNDED("bounded", "sync [scan.start, scan.end), then finish"),
        CONTINUOUS("continuous", "sync from scan.start and follow the platform");

        private final String value;
        private final String description;

        ScanMode(String value, String description) {
            this.value = value;
            this.description = description;
        }

        @Override
        public String toString() {
            return value;
        }

        @Override
        public InlineElement getDescription() {
            return text(description);
        }
    }
}
