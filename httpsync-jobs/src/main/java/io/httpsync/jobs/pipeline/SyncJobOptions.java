package io.httpsync.jobs.pipeline;

import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.source.enumerator.PassOptions;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * The keys of a config-file job ({@link SyncPipeline}) besides its source: the job, its stream
 * name, dedupe, landing in JDBC and Kafka, and full passes. The source is described by the options
 * of the {@code httpsync} connector, the same keys as in a SQL {@code WITH} clause, under {@link
 * #SOURCE_PREFIX}. Defaults are defined here only.
 */
@PublicEvolving
public final class SyncJobOptions {
    private SyncJobOptions() {}

    /**
     * The prefix of the source's options in a config file: {@code httpsync.url}, {@code
     * httpsync.tenants}, {@code httpsync.tenant.<id>.<property>}, {@code httpsync.scan.start}, ...
     */
    public static final String SOURCE_PREFIX = "httpsync.";

    // ------------------------------------------------------------------ job

    public static final ConfigOption<String> JOB_NAME =
            ConfigOptions.key("job.name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The Flink job's name; default: 'httpsync <source.name>'.");
    public static final ConfigOption<Integer> JOB_PARALLELISM =
            ConfigOptions.key("job.parallelism")
                    .intType()
                    .noDefaultValue()
                    .withDescription("The job's parallelism; default: Flink's.");
    public static final ConfigOption<Duration> JOB_CHECKPOINT_INTERVAL =
            ConfigOptions.key("job.checkpoint-interval")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How often the job checkpoints; default: Flink's 'execution.checkpointing.interval' if set"
                                    + " (e.g. by a cluster), else 30 s in a continuous job. 0 in a continuous job is refused (its sync"
                                    + " position would never advance). A bounded job checkpoints only if this or Flink's configuration says so.");
    public static final ConfigOption<String> JOB_CHECKPOINT_DIR =
            ConfigOptions.key("job.checkpoint-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Where checkpoints go, a path or a URI Flink can write; retained when the job is cancelled."
                                    + " Default: './httpsync-checkpoints/<source.name>' when 'run' uses its own local Flink, the cluster's"
                                    + " checkpoint storage when submitted with 'flink run'.");
    public static final ConfigOption<String> SOURCE_NAME =
            ConfigOptions.key("source.name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The stream's name (required): every operator's uid is derived from it, and it is the"
                                    + " 'stream' of the sync positions table.");

    // ------------------------------------------------------------------ dedupe

    public static final ConfigOption<Boolean> DEDUPE_ENABLED =
            ConfigOptions.key("dedupe.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription("Drop versions of a record the job has already landed.");
    public static final ConfigOption<Duration> DEDUPE_TTL =
            ConfigOptions.key("dedupe.ttl")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How long the dedupe operator remembers a record; default: for ever.");

    // ------------------------------------------------------------------ JDBC

    public static final ConfigOption<String> JDBC_URL =
            ConfigOptions.key("jdbc.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The database records (and events, positions) land in.");
    public static final ConfigOption<String> JDBC_DIALECT =
            ConfigOptions.key("jdbc.dialect")
                    .stringType()
                    .defaultValue("postgres")
                    .withDescription("postgres (or postgresql) or mysql (or mariadb).");
    public static final ConfigOption<String> JDBC_USERNAME =
            ConfigOptions.key("jdbc.username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The database user.");
    public static final ConfigOption<String> JDBC_PASSWORD =
            ConfigOptions.key("jdbc.password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The database user's password.");
    public static final ConfigOption<String> JDBC_TABLE =
            ConfigOptions.key("jdbc.table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The record table (with 'pass.completion' = snapshot: the snapshot table).");
    public static final ConfigOption<String> JDBC_EVENTS_TABLE =
            ConfigOptions.key("jdbc.events-table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The table of exception events (required by full passes and replays).");
    public static final ConfigOption<String> JDBC_POSITIONS_TABLE =
            ConfigOptions.key("jdbc.positions-table")
                    .stringType()
                    .defaultValue("sync_positions")
                    .withDescription(
                            "The table of each tenant's sync position, created if it is missing.");
    public static final ConfigOption<Boolean> JDBC_CREATE_TABLES =
            ConfigOptions.key("jdbc.create-tables")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription("Create the record and events tables if they are missing.");

    // ------------------------------------------------------------------ Kafka

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The Kafka cluster records (and events) land in.");
    public static final ConfigOption<String> KAFKA_TOPIC =
            ConfigOptions.key("kafka.topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The topic of records (and a pass's tombstones).");
    public static final ConfigOption<String> KAFKA_EVENTS_TOPIC =
            ConfigOptions.key("kafka.events-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The topic of exception events.");
    public static final ConfigOption<String> KAFKA_GUARANTEE =
            ConfigOptions.key("kafka.guarantee")
                    .stringType()
                    .defaultValue("at-least-once")
                    .withDescription("at-least-once or exactly-once.");
    public static final ConfigOption<String> KAFKA_TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("kafka.transactional-id-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The prefix of Kafka transactional ids (exactly-once); default: 'source.name'.");

    // ------------------------------------------------------------------ full passes

    public static final ConfigOption<String> PASS_COMPLETION =
            ConfigOptions.key("pass.completion")
                    .stringType()
                    .defaultValue("mark-deletions")
                    .withDescription(
                            "mark-deletions: rows a completed pass did not see are marked deleted; snapshot: the pass is"
                                    + " published as the latest snapshot of 'jdbc.table'.");
    public static final ConfigOption<Double> PASS_MAX_DELETE_RATIO =
            ConfigOptions.key("pass.max-delete-ratio")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "The largest share of a tenant's rows a pass may mark deleted (or drop from the latest"
                                    + " snapshot); a pass that would remove more is refused and the refusal stored as an event.");
    public static final ConfigOption<Integer> PASS_CATCH_UP_ROUNDS =
            ConfigOptions.key("pass.catch-up-rounds")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Rounds after the main round, each waiting 'httpsync.scan.lag'.");
    public static final ConfigOption<Integer> PASS_SNAPSHOT_RETAIN =
            ConfigOptions.key("pass.snapshot-retain")
                    .intType()
                    .defaultValue(0)
                    .withDescription("How many completed passes a snapshot table keeps (0: all).");
    public static final ConfigOption<Boolean> PASS_IN_RUNNING_JOB =
            ConfigOptions.key("pass.in-running-job")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "A continuous job starts with a full pass ('pass.id', 'pass.end'), completed per tenant as"
                                    + " soon as it has caught up.");
    public static final ConfigOption<String> PASS_ID =
            ConfigOptions.key("pass.id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The id of the pass a continuous job starts with (fixed: a restored job completes it).");
    public static final ConfigOption<String> PASS_END =
            ConfigOptions.key("pass.end")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The end of the pass a continuous job starts with, an ISO-8601 instant.");

    public static final ConfigOption<Duration> PASS_LEASE_WAIT =
            ConfigOptions.key("pass.lease-wait")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "full-pass: how long to wait for the lease of 'jdbc.table' and a tenant while another pass"
                                    + " holds it; 0 s: exit with 3 at once, naming the holder.");

    /**
     * The prefix of the detail API's options ({@code pass.check.endpoint.url}, ...: the connector's
     * endpoint options), which a pass asks about every row it did not see, the row's id as {@code
     * ${tenant.record.id}}. The connector's keys: a SQL table's changelog passes read the same.
     */
    public static final String PASS_CHECK_ENDPOINT_PREFIX = PassOptions.CHECK_ENDPOINT_PREFIX;

    public static final ConfigOption<String> PASS_CHECK_NOT_FOUND_CODES =
            PassOptions.CHECK_NOT_FOUND_CODES;
    public static final ConfigOption<String> PASS_CHECK_NOT_FOUND_MESSAGE =
            PassOptions.CHECK_NOT_FOUND_MESSAGE;

    // ------------------------------------------------------------------ dependent endpoints

    /**
     * The prefix of a dependent endpoint's keys: {@code child.<name>.<option>}, where option is an
     * option of the child endpoint (the connector's endpoint options: {@code url}, {@code
     * response.*}, ...), a {@code dependent.*} option of the connector's {@code DependentEndpoint}
     * ({@code dependent.kind}, {@code dependent.ids-path}, ...), or {@code table} (see {@link
     * #CHILD_TABLE_SUFFIX}). The ids come from the source's records, the tenants are the source's.
     */
    public static final String CHILD_PREFIX = "child.";

    /**
     * {@code child.<name>.table}: the table the child's records land in (in {@code jdbc.url}, like
     * {@code jdbc.table}; created with {@code jdbc.create-tables}); the child's exception events go
     * to {@code jdbc.events-table}. Required with {@code jdbc.url}.
     */
    public static final String CHILD_TABLE_SUFFIX = "table";

    private static final List<ConfigOption<?>> ALL =
            List.copyOf(OptionReader.declaredIn(SyncJobOptions.class));

    /** Every key of a config file besides the source's, in declaration order. */
    public static List<ConfigOption<?>> all() {
        return ALL;
    }
}
