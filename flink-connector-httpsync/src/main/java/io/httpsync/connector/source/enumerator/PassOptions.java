package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/**
 * The options of periodic full passes and of the changelog they turn into: how often a tenant's
 * range is listed again, how far back, and what a record that a completed pass did not see becomes
 * downstream. The same keys in a SQL {@code WITH} clause, a DataStream job's {@code
 * setConfiguration} and a config file; parsed by {@link
 * io.httpsync.connector.source.SourceConfigReader} only.
 */
@PublicEvolving
public final class PassOptions {
    private PassOptions() {}

    /** What a record that a completed full pass did not see becomes downstream. */
    @PublicEvolving
    public enum ChangelogMode implements OptionEnum {
        /** Nothing: the source emits inserts only (no full passes needed). */
        APPEND,
        /** A DELETE of the record's key (a table needs a PRIMARY KEY). */
        DELETE,
        /**
         * An UPDATE of the record's last row with the {@code deleted} metadata column true and
         * {@code deleted-at} the pass's start, for tables that keep history.
         */
        SOFT_DELETE;

        /**
         * The spelling in options: Flink's validation of a SQL table's options parses an enum by
         * its {@code toString()}, which must then read {@code soft-delete}, as the docs write it.
         */
        @Override
        public String toString() {
            return optionValue();
        }
    }

    public static final ConfigOption<ChangelogMode> CHANGELOG_MODE =
            ConfigOptions.key("changelog.mode")
                    .enumType(ChangelogMode.class)
                    .defaultValue(ChangelogMode.APPEND)
                    .withDescription(
                            "append: inserts only; delete: every record a completed full pass did not see becomes a"
                                    + " DELETE (needs 'pass.interval' and a PRIMARY KEY); soft-delete: an UPDATE with"
                                    + " the 'deleted' metadata column true instead.");
    public static final ConfigOption<Duration> INTERVAL =
            ConfigOptions.key("pass.interval")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "Continuous mode: how often each tenant's range is listed again in full (a full"
                                    + " pass), to find the records the platform deleted. Required for"
                                    + " 'changelog.mode' delete and soft-delete.");
    public static final ConfigOption<String> FROM =
            ConfigOptions.key("pass.from")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The earliest update time a full pass lists, written like 'scan.start'; default:"
                                    + " 'scan.start'. Records last updated before it are never deleted.");
    public static final ConfigOption<Duration> RANGE =
            ConfigOptions.key("pass.range")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How far back from its start a full pass lists (at most back to 'pass.from'), for"
                                    + " platforms that serve only recent records; records last updated before"
                                    + " that are never deleted. Default: back to 'pass.from'.");
    public static final ConfigOption<Double> MAX_DELETE_RATIO =
            ConfigOptions.key("pass.max-delete-ratio")
                    .doubleType()
                    .defaultValue(0.5)
                    .withDescription(
                            "The largest share of a tenant's records in a pass's range that one pass may"
                                    + " delete; a pass that would delete more deletes nothing and raises an"
                                    + " exception event (an outage answered with empty pages looks like that).");

    /**
     * The prefix of the detail API's options ({@code pass.check.endpoint.url}, ...: every endpoint
     * option), which a completed pass asks about every record it did not see, the record's id as
     * {@code ${tenant.record.id}}; only those the platform answers do not exist are deleted. The
     * same keys in a config file ({@code httpsync-landing}'s full passes).
     */
    public static final String CHECK_ENDPOINT_PREFIX = "pass.check.endpoint.";

    public static final ConfigOption<String> CHECK_NOT_FOUND_CODES =
            ConfigOptions.key("pass.check.not-found-codes")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The detail API's error codes for a record that is gone, separated by ',' or ';' (required"
                                    + " with 'pass.check.endpoint.*').");
    public static final ConfigOption<String> CHECK_NOT_FOUND_MESSAGE =
            ConfigOptions.key("pass.check.not-found-message")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "If set, a not-found code counts only with a message containing this text.");
    public static final ConfigOption<Duration> STATE_TTL =
            ConfigOptions.key("pass.state-ttl")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How long a key no pass has seen stays in Flink state; must be longer than"
                                    + " 'pass.interval' plus the longest pass (a key that expires is never deleted)."
                                    + " Default: three times 'pass.interval' plus one hour.");
}
