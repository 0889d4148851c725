package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.DescribedEnum;
import org.apache.flink.configuration.description.InlineElement;

import java.time.Duration;

import static org.apache.flink.configuration.description.TextElement.text;

/**
 * The options of a scan: which stretch of time is synced, how it is cut into windows, what happens
 * to a window that fails, and how many windows a reader pages at once. The same keys in a SQL
 * {@code WITH} clause, a DataStream job's {@code setConfiguration} and a config file (there under
 * its prefix); the defaults here are the only ones, which {@link SyncPlan.Builder} and the source
 * builder use too. They sit beside {@link SyncPlan}, whose checks name them.
 */
@PublicEvolving
public final class ScanOptions {
    private ScanOptions() {}

    public static final ConfigOption<ScanMode> MODE =
            ConfigOptions.key("scan.mode")
                    .enumType(ScanMode.class)
                    .defaultValue(ScanMode.CONTINUOUS)
                    .withDescription(
                            "bounded: sync [scan.start, scan.end) and finish; continuous: follow the platform.");
    public static final ConfigOption<String> START =
            ConfigOptions.key("scan.start")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Where the sync starts (required to scan): an ISO-8601 instant such as 2024-06-01T00:00:00Z, "
                                    + "or epoch milliseconds.");
    public static final ConfigOption<String> END =
            ConfigOptions.key("scan.end")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Where a bounded sync ends, exclusive (required in bounded mode), written like 'scan.start'.");
    public static final ConfigOption<Duration> LAG =
            ConfigOptions.key("scan.lag")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How late the platform may list a change. Continuous mode: how far behind now the sync stays, so"
                                    + " that late writes on the platform are seen; kept to the platform's clock (its answers' Date headers)"
                                    + " when that runs behind ours. Bounded mode: how far in the past 'scan.end' must lie when the sync starts.");
    public static final ConfigOption<Duration> DISCOVERY_INTERVAL =
            ConfigOptions.key("scan.discovery-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "Continuous mode: how often new windows are planned (up to now minus 'scan.lag'). The"
                                    + " enumerator wakes at the smaller of this and 'scan.failed-window.retry-delay' and"
                                    + " plans at each wake, so a discovery interval longer than the retry delay plans"
                                    + " new windows at the retry delay.");
    public static final ConfigOption<Duration> WINDOW_STEP =
            ConfigOptions.key("scan.window.step")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "The width of planned windows; default and maximum: the endpoint's 'window.max-width'.");
    public static final ConfigOption<Duration> WINDOW_MIN_WIDTH =
            ConfigOptions.key("scan.window.min-width")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "Windows too large to page are halved down to this width; default: the time resolution of "
                                    + "'time.format' (twice that with 'window.end-inclusive').");
    public static final ConfigOption<Duration> FAILED_WINDOW_RETRY_DELAY =
            ConfigOptions.key("scan.failed-window.retry-delay")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "How long a failed window waits before it is tried again (policy record-and-retry); after a"
                                    + " transient cause the wait doubles per failure in a row, up to 8 times this.");
    public static final ConfigOption<Integer> FAILED_WINDOW_MAX_FAILURES =
            ConfigOptions.key("scan.failed-window.max-failures")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Bounded mode: a window that fails this many times in a row with the same lasting cause (a "
                                    + "refused request, an unknown error code, an answer that is not the described JSON; not an "
                                    + "unavailable or rate-limiting platform) fails the job with that cause, without restarts. "
                                    + "Continuous mode keeps retrying it.");
    public static final ConfigOption<Duration> RECENT_SPAN =
            ConfigOptions.key("scan.recent.span")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Continuous mode: a tenant more than this behind the present (a new tenant with a long history,"
                                    + " one catching up after a pause) reads its most recent span first and its history behind it,"
                                    + " oldest first; its sync position still waits for the history. 0: oldest first always.");
    public static final ConfigOption<Double> RECENT_HISTORY_SHARE =
            ConfigOptions.key("scan.recent.history-share")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "The share (0 to 1) of a tenant's turns that go to its history while windows of its recent"
                                    + " span wait too: 0 reads the recent span entirely first, 1 the history first. Across"
                                    + " tenants, turns follow each tenant's own limit ('rate-limit.permits-per-second' as a"
                                    + " tenant property, else the endpoint's).");
    public static final ConfigOption<String> EXCEPTION_POLICY =
            ConfigOptions.key("scan.exception-policy")
                    .stringType()
                    .defaultValue("record-and-retry")
                    .withDescription(
                            "fail: a request that exhausts its retries, or a record that cannot be decoded, fails the job; "
                                    + "record-and-retry: it is logged and counted (metric numExceptionEvents) and its window is retried "
                                    + "later, the sync position never passing it.");
    public static final ConfigOption<Integer> SPLITS_IN_FLIGHT =
            ConfigOptions.key("scan.splits-in-flight")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "How many windows one reader pages at the same time (each with one request in flight)."
                                    + " Unset: sized by Little's law so that the requests in flight keep the rate limit busy:"
                                    + " the reader's share of the tightest rate-limit bucket (an even part of the job's, or"
                                    + " what the job's budget allots it) times the moving average of request latency, with"
                                    + " headroom (x 1.5 + 1), at most 'scan.max-splits-in-flight'; it follows the latency"
                                    + " while the job runs.");
    public static final ConfigOption<Integer> MAX_SPLITS_IN_FLIGHT =
            ConfigOptions.key("scan.max-splits-in-flight")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "The most windows one reader pages at the same time when 'scan.splits-in-flight' is"
                                    + " unset (each holds a page in memory while it is emitted).");

    /** How a scan ends. */
    @PublicEvolving
    public enum ScanMode implements DescribedEnum, OptionEnum {
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
