package io.httpsync.jobs.pipeline;

import io.httpsync.connector.auth.RegisteredTenant;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistry;
import io.httpsync.connector.auth.TenantRegistryOptions;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.dedupe.Dedupe;
import io.httpsync.connector.domain.CandidateCheck;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.sink.DeletionMarker;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.KafkaRecordSink;
import io.httpsync.connector.sink.PassCompletion;
import io.httpsync.connector.sink.PassLease;
import io.httpsync.connector.sink.RunningFullPass;
import io.httpsync.connector.sink.SnapshotTable;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.sink.SyncPositionTable;
import io.httpsync.connector.source.DependentEndpoint;
import io.httpsync.connector.source.DetailApiCheck;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SourceConfigReader;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.enumerator.ScanOptions;
import io.httpsync.connector.source.enumerator.ScanOptions.ScanMode;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A sync job described by a properties file: the httpsync source, optionally the dedupe operator,
 * and a JDBC table and/or a Kafka topic for records and exception events. Every operator has a
 * stable uid derived from {@code source.name}, and the job runs with {@code
 * pipeline.auto-generate-uids=false}, so a missing uid fails the build instead of silently breaking
 * savepoint compatibility later.
 *
 * <pre>
 * job.name=kuaishou orders                 job.parallelism=2            job.checkpoint-interval=30 s (continuous: the default)
 * job.checkpoint-dir=./httpsync-checkpoints/kuaishou-orders   (run --config in its own local Flink: the default)
 * source.name=kuaishou-orders              (uids: kuaishou-orders-source, -records, -dedupe, -jdbc, -kafka, ...)
 * httpsync.&lt;option&gt;=...                  (the source: every option of the httpsync SQL connector, same keys and
 *                                          defaults, e.g. httpsync.url, httpsync.rate-limit.permits-per-second)
 * httpsync.tenants=shop-1;shop-2           httpsync.tenant.shop-1.app-key=...   (tenant properties, secrets included)
 * httpsync.scan.mode=continuous|bounded    httpsync.scan.start=2026-01-01T00:00:00Z   httpsync.scan.end=... (bounded)
 * httpsync.scan.lag=1 min  httpsync.scan.discovery-interval=30 s  httpsync.scan.window.step=6 h
 * httpsync.scan.failed-window.max-failures=3   (bounded: a window failing that often in a row with the same lasting
 *                                          cause fails the job, and full-pass exits 1)
 * dedupe.enabled=true                      dedupe.ttl=30 d
 * jdbc.url=jdbc:postgresql://...  jdbc.dialect=postgres|mysql  jdbc.username  jdbc.password  jdbc.table=orders
 * jdbc.events-table=sync_events            jdbc.create-tables=true      jdbc.positions-table=sync_positions (the default)
 * kafka.bootstrap-servers=...  kafka.topic=orders  kafka.events-topic=sync-events
 * kafka.guarantee=at-least-once|exactly-once  kafka.transactional-id-prefix=...
 * pass.completion=mark-deletions|snapshot  pass.max-delete-ratio=0.2  pass.catch-up-rounds=1  pass.snapshot-retain=0
 * pass.in-running-job=true  pass.id=orders-2026-11  pass.end=2026-11-21T17:00:00Z   (a continuous job that starts with a pass)
 * pass.lease-wait=0 s                      (full-pass: how long to wait for another pass of the table and tenant)
 * pass.check.endpoint.&lt;option&gt;=...        (the detail API each unseen row is asked about, ${tenant.record.id})
 * pass.check.not-found-codes=2001  pass.check.not-found-message=订单不存在   (its answer for a record that is gone)
 * child.&lt;name&gt;.&lt;option&gt;=...             (a dependent endpoint: ids from the source's records drive a detail
 *                                          or list API; its endpoint options, dependent.kind=detail|list,
 *                                          dependent.ids-path=/oid, dependent.ttl, child.&lt;name&gt;.table=order_details)
 * </pre>
 *
 * {@link SyncJobOptions} lists every key but the source's, with its default. Unknown keys are
 * refused with their name, so a typo does not silently turn a feature off. The keys of earlier
 * versions ({@code source.endpoint.<option>}, {@code source.tenants} separated by {@code ,}, {@code
 * source.tenant.<id>.<property>}, {@code source.mode}, {@code source.start}, {@code source.lag},
 * ...) are still read, each with a warning naming its new key ({@link LegacyKeys}).
 *
 * <p>Checkpoints: a continuous job's sync position, and the point a restarted job resumes from,
 * only advance when a checkpoint completes. So a continuous job always checkpoints: every {@code
 * job.checkpoint-interval}, else as Flink's own configuration says ({@code
 * execution.checkpointing.interval}, e.g. a cluster's), else every 30 s; a {@code
 * job.checkpoint-interval} of 0 is refused. {@code job.checkpoint-dir} (a path or a URI Flink can
 * write) keeps the checkpoints, retained when the job is cancelled; without it, a job on a cluster
 * uses the cluster's checkpoint directory ({@code execution.checkpointing.dir}); a checkpointing
 * job with neither gets a WARN, since Flink would keep its checkpoints in the JobManager's heap (5
 * MB at most, which the dedupe state outgrows); and {@link #localEnvironment} (what {@code run
 * --config} uses outside a cluster) uses {@code ./httpsync-checkpoints/<source.name>} and resumes
 * from the newest checkpoint retained there.
 *
 * <p>With {@code jdbc.url}, each tenant's sync position is upserted, as it advances, into {@code
 * jdbc.positions-table} ({@link SyncPositionTable}: {@code stream} = {@code source.name}, {@code
 * tenant}, {@code position} epoch millis, {@code updated_at}), which {@link #createTables} creates
 * if it is missing.
 *
 * <p>{@link #runFullPass} runs a full sync with the same settings ({@link FullSyncPass}): bounded
 * rounds over every record updated since {@code httpsync.scan.start}, landed without dedupe (every
 * row the pass reads must be stamped) into {@code jdbc.table}, then, if every round finished, each
 * tenant completed as {@code pass.completion} says: its unseen rows marked deleted in {@code
 * jdbc.table}, or, with {@code snapshot}, the pass published as the latest snapshot in {@code
 * jdbc.table} (a {@link SnapshotTable}: {@code <table>}, {@code <table>_passes}, {@code
 * <table>_latest}). The delete-ratio guard's refusals go to {@code jdbc.events-table}; the
 * deletions go to {@code kafka.topic} as tombstones. A pass writes Kafka at least once (its rounds
 * are bounded jobs without checkpoints), which a compacted topic absorbs.
 *
 * <p>With {@code pass.in-running-job=true}, the continuous job of {@link #addTo} starts with a full
 * pass instead: its records are stamped with {@code pass.id}, and each tenant's rows of {@code
 * [httpsync.scan.start, pass.end)} that the pass did not see are marked deleted as soon as the
 * tenant has caught up ({@link RunningFullPass}), their tombstones sent to {@code kafka.topic} and
 * the guard's refusals stored in {@code jdbc.events-table}. {@code pass.id} and {@code pass.end}
 * are fixed in the file because a restored job must complete the pass it started with.
 */
public final class SyncPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SyncPipeline.class);

    /**
     * The checkpoint interval of a continuous job that neither the file nor Flink's configuration
     * sets.
     */
    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);

    static final String DEFAULT_POSITIONS_TABLE =
            SyncJobOptions.JDBC_POSITIONS_TABLE.defaultValue();
    private static final Pattern URI_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:/.*");
    private static final String SOURCE_PREFIX = SyncJobOptions.SOURCE_PREFIX;
    private static final List<String> KEYS =
            SyncJobOptions.all().stream().map(ConfigOption::key).toList();

    private static final String CHECK_ENDPOINT = SyncJobOptions.PASS_CHECK_ENDPOINT_PREFIX;
    private final Map<String, String> config;

    /**
     * The source's options, without {@link SyncJobOptions#SOURCE_PREFIX}: what a SQL table's WITH
     * clause would say.
     */
    private final Map<String, String> sourceOptions = new TreeMap<>();

    /** The tenants of a bounded job, once read ({@link #boundedTenants}). */
    @Nullable private List<Tenant> boundedTenants;

    public SyncPipeline(Map<String, String> config) {
        this.config = new TreeMap<>(LegacyKeys.translate(config));
        List<String> sourceKeys = new ArrayList<>();
        SourceConfigReader.options().forEach(o -> sourceKeys.add(SOURCE_PREFIX + o.key()));
        SourceConfigReader.prefixes().forEach(p -> sourceKeys.add(SOURCE_PREFIX + p + "<name>"));
        for (Map.Entry<String, String> e : this.config.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(SOURCE_PREFIX)
                    && SourceConfigReader.isSourceKey(key.substring(SOURCE_PREFIX.length()))) {
                refuseChangelogPasses(key);
                sourceOptions.put(key.substring(SOURCE_PREFIX.length()), e.getValue());
            } else if (!KEYS.contains(key)
                    && !key.startsWith(SyncJobOptions.PASS_CHECK_ENDPOINT_PREFIX)
                    && !key.startsWith(SyncJobOptions.CHILD_PREFIX)) {
                List<String> known = new ArrayList<>(KEYS);
                known.addAll(sourceKeys);
                String hint = OptionReader.closest(key, known);
                throw new IllegalArgumentException(
                        "unknown sync job setting '"
                                + key
                                + "'"
                                + (hint != null ? "; did you mean '" + hint + "'?" : ".")
                                + " Known: "
                                + KEYS
                                + ", "
                                + SyncJobOptions.PASS_CHECK_ENDPOINT_PREFIX
                                + "<option>, "
                                + SyncJobOptions.CHILD_PREFIX
                                + "<name>.<option> and "
                                + SOURCE_PREFIX
                                + "<option> for every option of the httpsync connector ("
                                + SOURCE_PREFIX
                                + "url, "
                                + SOURCE_PREFIX
                                + "tenants, "
                                + SOURCE_PREFIX
                                + "tenant.<id>.<property>, "
                                + SOURCE_PREFIX
                                + "scan.start, ...)");
            }
        }
    }

    public static SyncPipeline fromFile(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        Map<String, String> map = new HashMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k).trim()));
        return new SyncPipeline(map);
    }

    /** The Flink configuration the job must run with: auto-generated uids off. */
    public static Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        return conf;
    }

    /**
     * Creates the tables the config names if {@code jdbc.create-tables} is true, and the table of
     * sync positions ({@code jdbc.positions-table}) if it is missing, whatever {@code
     * jdbc.create-tables} says: it is the job's own bookkeeping, like its checkpoints.
     */
    public void createTables() throws SQLException {
        if (!has("jdbc.url")) return;
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            if (options().bool(SyncJobOptions.JDBC_CREATE_TABLES)) {
                if (snapshots()) {
                    snapshotTable().create(c);
                } else {
                    s.execute(dialect().createRecordTable(required("jdbc.table")));
                }
                if (has("jdbc.events-table"))
                    s.execute(
                            ExceptionEventJdbcSink.createTable(
                                    dialect(), config.get("jdbc.events-table")));
                for (String child : children().keySet())
                    s.execute(dialect().createRecordTable(childTable(child)));
            }
            positionTable().create(c);
        }
    }

    /**
     * The Flink environment of {@code run --config} outside a cluster: a local Flink with {@link
     * #flinkConfiguration()}, checkpoints in {@link #checkpointDirectory()} retained on
     * cancellation, and, if that directory holds a complete checkpoint (e.g. of a run that was
     * killed), restored from the newest one, which Flink then owns (claim mode: it deletes it once
     * a newer one completes). Delete the directory to start over from {@code httpsync.scan.start}.
     */
    public StreamExecutionEnvironment localEnvironment() throws IOException {
        Configuration conf = flinkConfiguration();
        String directory = checkpointDirectory();
        conf.addAll(checkpointStorage(directory));
        Optional<String> latest = RetainedCheckpoints.latest(directory);
        if (latest.isPresent()) {
            LOG.info(
                    "sync job '{}' resumes from retained checkpoint {} (to start over from httpsync.scan.start, delete {})",
                    required("source.name"),
                    latest.get(),
                    directory);
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.get());
            conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        } else {
            LOG.info(
                    "sync job '{}' keeps its checkpoints in {}; none retained there yet, so it starts from httpsync.scan.start",
                    required("source.name"),
                    directory);
        }
        return StreamExecutionEnvironment.createLocalEnvironment(conf);
    }

    /**
     * Where the job's checkpoints go when it runs in its own local Flink ({@link
     * #localEnvironment}), as a path or URI: {@code job.checkpoint-dir}, else {@code
     * httpsync-checkpoints/<source.name>} under the working directory.
     */
    public String checkpointDirectory() {
        String dir =
                has("job.checkpoint-dir")
                        ? required("job.checkpoint-dir")
                        : Path.of("httpsync-checkpoints", required("source.name")).toString();
        return URI_SCHEME.matcher(dir).matches()
                ? dir
                : Path.of(dir).toAbsolutePath().normalize().toUri().toString();
    }

    /**
     * Checkpoints in {@code directory}, retained when the job is cancelled (or its process dies).
     */
    private static Configuration checkpointStorage(String directory) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, directory);
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        return conf;
    }

    /**
     * See the class javadoc: a continuous job always checkpoints; {@code job.checkpoint-dir}
     * applies everywhere.
     */
    private void configureCheckpoints(StreamExecutionEnvironment env) {
        String name = required("source.name");
        boolean continuous =
                sourceSetting(() -> SourceConfigReader.mode(sourceOptions)) == ScanMode.CONTINUOUS;
        if (has("job.checkpoint-interval")) {
            Duration interval = options().duration(SyncJobOptions.JOB_CHECKPOINT_INTERVAL, false);
            if (interval.toMillis() > 0) {
                env.enableCheckpointing(interval.toMillis());
            } else if (continuous) {
                throw new IllegalArgumentException(
                        "sync job '"
                                + name
                                + "': job.checkpoint-interval is "
                                + config.get("job.checkpoint-interval")
                                + ", but a continuous sync moves its sync position (and the point"
                                + " a restarted job resumes from) only when a checkpoint completes; set job.checkpoint-interval to e.g. "
                                + "30 s, or leave it out for the default ("
                                + TimeUtils.formatWithHighestUnit(DEFAULT_CHECKPOINT_INTERVAL)
                                + ")");
            }
        } else if (continuous && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            LOG.info(
                    "sync job '{}' checkpoints every {} (neither job.checkpoint-interval nor execution.checkpointing.interval is set)",
                    name,
                    TimeUtils.formatWithHighestUnit(DEFAULT_CHECKPOINT_INTERVAL));
            env.enableCheckpointing(DEFAULT_CHECKPOINT_INTERVAL.toMillis());
        }
        if (has("job.checkpoint-dir")) env.configure(checkpointStorage(checkpointDirectory()));
        else warnWithoutCheckpointDirectory(env, name);
    }

    /**
     * The source's changelog passes ({@code changelog.mode}, {@code pass.*}) turn unseen keys into
     * DELETE rows for an upsert sink; this job lands into its own tables, where {@code full-pass}
     * marks deletions instead, so a pass here would cost requests and delete nothing.
     */
    private static void refuseChangelogPasses(String key) {
        String option = key.substring(SOURCE_PREFIX.length());
        if (option.startsWith(SyncJobOptions.PASS_CHECK_ENDPOINT_PREFIX)
                || SourceConfigReader.passOptions().stream().anyMatch(o -> o.key().equals(option)))
            throw new IllegalArgumentException(
                    "sync job setting '"
                            + key
                            + "' is for SQL and DataStream jobs that land deletions through an"
                            + " upsert sink; the sync job marks deleted records with the full-pass"
                            + " command and its pass.* settings instead (see docs/landing.md)");
    }

    /**
     * Warns of a checkpointing job whose checkpoints would go to the JobManager's heap: Flink's
     * storage when no directory is configured holds at most 5 MB per state handle, which the dedupe
     * state passes at about 150,000 records per subtask, after which every checkpoint fails (and a
     * continuous sync's position stops). A cluster's {@code execution.checkpointing.dir} is in the
     * configuration {@code flink run} gives the job, so it counts.
     */
    private static void warnWithoutCheckpointDirectory(
            StreamExecutionEnvironment env, String name) {
        if (!env.getCheckpointConfig().isCheckpointingEnabled()) return;
        boolean jobManagerStorage =
                env.getConfiguration()
                        .getOptional(CheckpointingOptions.CHECKPOINT_STORAGE)
                        .map(storage -> storage.equalsIgnoreCase("jobmanager"))
                        .orElse(false);
        if (!jobManagerStorage
                && env.getConfiguration()
                        .getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                        .isPresent()) return;
        LOG.warn(
                "sync job '"
                        + name
                        + "' checkpoints, but neither job.checkpoint-dir nor Flink's "
                        + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
                        + " says where to (or "
                        + CheckpointingOptions.CHECKPOINT_STORAGE.key()
                        + " is 'jobmanager'): the checkpoints would be kept in the JobManager's"
                        + " heap, at most 5 MB per operator state, which the dedupe state passes at"
                        + " about 150,000 records per subtask, and every checkpoint would fail from"
                        + " then on. Set job.checkpoint-dir to a path or URI every Flink process"
                        + " can write (e.g. s3://bucket/httpsync/checkpoints), or the cluster's "
                        + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key());
    }

    /**
     * Adds the job's operators to {@code env} (which should carry {@link #flinkConfiguration()}).
     */
    public void addTo(StreamExecutionEnvironment env) {
        String name = required("source.name");
        if (has("job.parallelism"))
            env.setParallelism(options().integer(SyncJobOptions.JOB_PARALLELISM, 1));
        configureCheckpoints(env);

        boolean runningPass = options().bool(SyncJobOptions.PASS_IN_RUNNING_JOB);
        FullSyncPass pass = runningPass ? runningPass() : null;
        HttpSyncSource<RawRecord> source =
                source(tenants(), null, null, runningPass || has("jdbc.url"));
        SingleOutputStreamOperator<RawRecord> records =
                wire(
                        env.fromSource(source, source.watermarkStrategy(), name + " source")
                                .uid(name + "-source"),
                        runningPass ? Landing.RUNNING_PASS : Landing.SYNC,
                        pass);
        if (has("jdbc.url"))
            positionTable()
                    .write(
                            records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS),
                            name,
                            jdbcConnection());
        addChildren(records, source);
    }

    /**
     * The dependent endpoints of {@code child.<name>.*}, by name, each read (and checked) from its
     * options.
     */
    Map<String, DependentEndpoint> children() {
        Map<String, Map<String, String>> options = new TreeMap<>();
        String prefix = SyncJobOptions.CHILD_PREFIX;
        config.forEach(
                (k, v) -> {
                    if (!k.startsWith(prefix)) return;
                    String rest = k.substring(prefix.length());
                    int dot = rest.indexOf('.');
                    if (dot <= 0 || dot == rest.length() - 1)
                        throw new IllegalArgumentException(
                                "sync job setting '"
                                        + k
                                        + "' names no child endpoint and option; write "
                                        + prefix
                                        + "<name>.<option>, e.g. "
                                        + prefix
                                        + "details.url");
                    String option = rest.substring(dot + 1);
                    if (!option.equals(SyncJobOptions.CHILD_TABLE_SUFFIX))
                        options.computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>())
                                .put(option, v);
                });
        Map<String, DependentEndpoint> children = new TreeMap<>();
        options.forEach(
                (child, o) -> {
                    try {
                        children.put(child, DependentEndpoint.fromOptions(o));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(
                                "sync job setting " + prefix + child + ".*: " + e.getMessage(), e);
                    }
                });
        return children;
    }

    private String childTable(String child) {
        return required(
                SyncJobOptions.CHILD_PREFIX + child + "." + SyncJobOptions.CHILD_TABLE_SUFFIX);
    }

    /**
     * Wires each dependent endpoint behind the source's records: its records deduped and landed in
     * {@code child.<name>.table}, its events in {@code jdbc.events-table}; its tenants and tokens
     * are the source's ({@link HttpSyncStreams#dependent(DataStream, DependentEndpoint,
     * HttpSyncSource, String)}). Uids: {@code <source.name>-child-<name>-ids, -fetch, -dedupe,
     * -jdbc, -events-jdbc}.
     */
    private void addChildren(DataStream<RawRecord> parents, HttpSyncSource<RawRecord> source) {
        Map<String, DependentEndpoint> children = children();
        if (children.isEmpty()) return;
        if (!has("jdbc.url"))
            throw new IllegalArgumentException(
                    "sync job '"
                            + required("source.name")
                            + "': child endpoints land in JDBC tables; set jdbc.url and "
                            + SyncJobOptions.CHILD_PREFIX
                            + "<name>."
                            + SyncJobOptions.CHILD_TABLE_SUFFIX);
        JdbcConnectionOptions connection = jdbcConnection();
        children.forEach(
                (child, endpoint) -> {
                    String name = required("source.name") + "-child-" + child;
                    String table = childTable(child);
                    SingleOutputStreamOperator<RawRecord> records;
                    try {
                        records = HttpSyncStreams.dependent(parents, endpoint, source, name);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(
                                "sync job setting "
                                        + SyncJobOptions.CHILD_PREFIX
                                        + child
                                        + ".*: "
                                        + e.getMessage(),
                                e);
                    }
                    DataStream<RawRecord> landed =
                            options().bool(SyncJobOptions.DEDUPE_ENABLED)
                                    ? Dedupe.records(
                                            records,
                                            options().duration(SyncJobOptions.DEDUPE_TTL, true),
                                            name)
                                    : records;
                    landed.sinkTo(JdbcRecordSink.builder(dialect(), table).build(connection))
                            .uid(name + "-jdbc")
                            .name(name + " -> " + table);
                    if (has("jdbc.events-table"))
                        records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                                .sinkTo(
                                        ExceptionEventJdbcSink.insertInto(
                                                config.get("jdbc.events-table"), connection))
                                .uid(name + "-events-jdbc")
                                .name(name + " events -> " + config.get("jdbc.events-table"));
                });
    }

    /**
     * {@code jdbc.positions-table} ({@value #DEFAULT_POSITIONS_TABLE} by default) in the job's
     * database.
     */
    public SyncPositionTable positionTable() {
        return new SyncPositionTable(dialect(), value(SyncJobOptions.JDBC_POSITIONS_TABLE));
    }

    /**
     * The pass a continuous job starts with ({@code pass.in-running-job}), checked against the rest
     * of the file.
     */
    private FullSyncPass runningPass() {
        ScanMode mode = sourceSetting(() -> SourceConfigReader.mode(sourceOptions));
        if (mode != ScanMode.CONTINUOUS) {
            throw new IllegalArgumentException(
                    "pass.in-running-job needs "
                            + SOURCE_PREFIX
                            + ScanOptions.MODE.key()
                            + "=continuous, was '"
                            + mode
                            + "'; run a bounded pass with the full-pass command");
        }
        if (snapshots())
            throw new IllegalArgumentException(
                    "pass.in-running-job marks deletions; it cannot publish snapshots");
        required("jdbc.url"); // a continuous job always checkpoints (configureCheckpoints), so
        // positions, hence completion, advance
        return FullSyncPass.of(
                required("pass.id"), start().toEpochMilli(), instant("pass.end").toEpochMilli());
    }

    /**
     * Runs a full pass of every configured tenant (see the class javadoc), each round's job on a
     * new environment from {@code environments}, and returns how it ended. Needs {@code jdbc.url},
     * {@code jdbc.table} and {@code jdbc.events-table}.
     */
    public FullSyncPass.Result runFullPass(Supplier<StreamExecutionEnvironment> environments)
            throws Exception {
        required("jdbc.url");
        String eventsTable = eventsTable();
        boundedTenants(); // the registry's, if any, read before anything else is touched
        createTables();
        Duration lag = lag();
        long end = System.currentTimeMillis() - lag.toMillis();
        FullSyncPass pass =
                FullSyncPass.create(start().toEpochMilli(), end)
                        .withCatchUp(options().integer(SyncJobOptions.PASS_CATCH_UP_ROUNDS, 0), lag)
                        .withLease(
                                new PassLease(dialect(), required("jdbc.table"), this::connect)
                                        .waitingUpTo(
                                                options()
                                                        .duration(
                                                                SyncJobOptions.PASS_LEASE_WAIT,
                                                                false)));
        CandidateCheck check = snapshots() ? candidateCheck() : null;
        PassCompletion completion =
                !snapshots()
                        ? deletionMarker()
                        : check == null ? snapshotTable() : snapshotTable().withCheck(check);
        FullSyncPass.Result result;
        try (Connection c = connect()) {
            result =
                    pass.runAndComplete(
                            (p, from, to) -> {
                                StreamExecutionEnvironment env = environments.get();
                                addPassRoundTo(env, p, from, to);
                                return env;
                            },
                            jobName() + " full pass",
                            c,
                            completion,
                            eventsTable,
                            tenantIds());
        }
        if (has("kafka.bootstrap-servers") && result.completed()) {
            KafkaRecordSink.writeTombstones(
                    environments.get(),
                    result.tombstones(System.currentTimeMillis()),
                    kafkaRecords(
                            DeliveryGuarantee.AT_LEAST_ONCE,
                            required("source.name") + "-tombstones"),
                    jobName() + " full pass tombstones");
        }
        return result;
    }

    /**
     * Adds one round of a full pass: every tenant, bounded to {@code [fromMillis, toMillis)},
     * landed with the pass id.
     */
    void addPassRoundTo(
            StreamExecutionEnvironment env, FullSyncPass pass, long fromMillis, long toMillis) {
        String name = required("source.name");
        if (has("job.parallelism"))
            env.setParallelism(options().integer(SyncJobOptions.JOB_PARALLELISM, 1));
        HttpSyncSource<RawRecord> source =
                source(
                        boundedTenants(),
                        Instant.ofEpochMilli(fromMillis),
                        Instant.ofEpochMilli(toMillis),
                        false);
        wire(
                env.fromSource(source, source.watermarkStrategy(), name + " pass source")
                        .uid(name + "-pass-source"),
                Landing.PASS_ROUND,
                pass);
    }

    /**
     * Adds a job that re-syncs exactly {@code windows} (e.g. {@link FailedWindows#read the failed
     * ones}): one bounded source per window and tenant, landed through the same dedupe and sinks.
     * Uids: {@code <name>-replay-<i>}.
     */
    public void addReplayTo(StreamExecutionEnvironment env, List<FailedWindows.Window> windows) {
        if (windows.isEmpty()) throw new IllegalArgumentException("no windows to replay");
        String name = required("source.name");
        if (has("job.parallelism"))
            env.setParallelism(options().integer(SyncJobOptions.JOB_PARALLELISM, 1));
        Map<String, Tenant> tenants = new HashMap<>();
        boundedTenants().forEach(t -> tenants.put(t.id(), t));
        DataStream<SyncElement<RawRecord>> all = null;
        for (int i = 0; i < windows.size(); i++) {
            FailedWindows.Window w = windows.get(i);
            Tenant tenant = tenants.get(w.tenant());
            if (tenant == null)
                throw new IllegalArgumentException(
                        "window "
                                + w
                                + " belongs to a tenant neither in httpsync.tenants nor enabled in"
                                + " the tenant registry");
            HttpSyncSource<RawRecord> source =
                    source(
                            List.of(tenant),
                            Instant.ofEpochMilli(w.start()),
                            Instant.ofEpochMilli(w.end()),
                            false);
            DataStream<SyncElement<RawRecord>> one =
                    env.fromSource(source, source.watermarkStrategy(), name + " replay " + w)
                            .uid(name + "-replay-" + i);
            all = all == null ? one : all.union(one);
        }
        wire(all, Landing.SYNC, null);
    }

    /**
     * How a job lands its records: a plain sync, a round of a bounded full pass, or a continuous
     * job that starts with a pass.
     */
    private enum Landing {
        SYNC,
        PASS_ROUND,
        RUNNING_PASS
    }

    /**
     * Lands {@code elements}: records deduped (except in a pass's round, which must stamp every row
     * it reads) and stamped with {@code pass}'s id if there is one, events stored; a running pass's
     * completion wired behind them. Returns the records split off the elements, whose side outputs
     * carry the events and the tenant positions.
     */
    private SingleOutputStreamOperator<RawRecord> wire(
            DataStream<SyncElement<RawRecord>> elements,
            Landing landing,
            @Nullable FullSyncPass pass) {
        String name = required("source.name");
        if (landing != Landing.PASS_ROUND && snapshots()) {
            throw new IllegalArgumentException(
                    "sync job '"
                            + name
                            + "': with pass.completion=snapshot, jdbc.table '"
                            + config.get("jdbc.table")
                            + "' is a snapshot table that only full passes write; run the continuous"
                            + " job (or a replay) from a config whose jdbc.table is a record table");
        }
        SingleOutputStreamOperator<RawRecord> records =
                HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), name);
        DataStream<ExceptionEvent> events = records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
        DataStream<RawRecord> landed =
                landing != Landing.PASS_ROUND && options().bool(SyncJobOptions.DEDUPE_ENABLED)
                        ? Dedupe.records(
                                records, options().duration(SyncJobOptions.DEDUPE_TTL, true), name)
                        : records;

        // a pass's rounds are bounded jobs without checkpoints: they write at least once, which a
        // compacted topic absorbs
        DeliveryGuarantee guarantee =
                landing == Landing.PASS_ROUND ? DeliveryGuarantee.AT_LEAST_ONCE : kafkaGuarantee();
        String prefix = config.getOrDefault("kafka.transactional-id-prefix", name);
        JdbcConnectionOptions connection = null;
        if (has("jdbc.url")) {
            connection = jdbcConnection();
            JdbcRecordSink sink =
                    pass == null
                            ? JdbcRecordSink.builder(dialect(), required("jdbc.table"))
                            : snapshots()
                                    ? snapshotTable().sink(pass.id())
                                    : JdbcRecordSink.builder(dialect(), required("jdbc.table"))
                                            .setPassId(pass.id());
            landed.sinkTo(sink.build(connection))
                    .uid(name + "-jdbc")
                    .name(name + " -> " + config.get("jdbc.table"));
            if (has("jdbc.events-table")) {
                events.sinkTo(
                                ExceptionEventJdbcSink.insertInto(
                                        config.get("jdbc.events-table"), connection))
                        .uid(name + "-events-jdbc")
                        .name(name + " events -> " + config.get("jdbc.events-table"));
            }
        }
        if (has("kafka.bootstrap-servers")) {
            landed.sinkTo(kafkaRecords(guarantee, prefix))
                    .uid(name + "-kafka")
                    .name(name + " -> kafka " + config.get("kafka.topic"));
            if (has("kafka.events-topic")) {
                events.sinkTo(
                                KafkaRecordSink.exceptionEvents(
                                        required("kafka.bootstrap-servers"),
                                        config.get("kafka.events-topic"),
                                        guarantee,
                                        prefix + "-events",
                                        new Properties()))
                        .uid(name + "-events-kafka")
                        .name(name + " events -> kafka");
            }
        }
        if (!has("jdbc.url") && !has("kafka.bootstrap-servers")) {
            throw new IllegalArgumentException(
                    "sync job '"
                            + name
                            + "' has no sink: set jdbc.url and/or kafka.bootstrap-servers");
        }
        if (landing == Landing.RUNNING_PASS) {
            SingleOutputStreamOperator<RawRecord> tombstones =
                    RunningFullPass.markDeletions(
                            records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS),
                            pass,
                            deletionMarker(),
                            connection,
                            name);
            if (has("kafka.bootstrap-servers")) {
                tombstones
                        .sinkTo(kafkaRecords(guarantee, prefix + "-tombstones"))
                        .uid(name + "-tombstones-kafka")
                        .name(name + " tombstones -> kafka")
                        .setParallelism(1);
            }
            if (has("jdbc.events-table")) {
                tombstones
                        .getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                        .sinkTo(
                                ExceptionEventJdbcSink.insertInto(
                                        config.get("jdbc.events-table"), connection))
                        .uid(name + "-refusals-jdbc")
                        .name(name + " refusals -> " + config.get("jdbc.events-table"))
                        .setParallelism(1);
            }
        }
        return records;
    }

    private JdbcConnectionOptions jdbcConnection() {
        return new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(required("jdbc.url"))
                .withUsername(config.get("jdbc.username"))
                .withPassword(config.get("jdbc.password"))
                .withDriverName(
                        dialect() == SqlDialect.POSTGRES
                                ? "org.postgresql.Driver"
                                : "org.mariadb.jdbc.Driver")
                .build();
    }

    private Sink<RawRecord> kafkaRecords(
            DeliveryGuarantee guarantee, String transactionalIdPrefix) {
        return KafkaRecordSink.records(
                required("kafka.bootstrap-servers"),
                required("kafka.topic"),
                guarantee,
                transactionalIdPrefix,
                new Properties());
    }

    private DeliveryGuarantee kafkaGuarantee() {
        String g = value(SyncJobOptions.KAFKA_GUARANTEE);
        return switch (g) {
            case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
            case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
            default ->
                    throw new IllegalArgumentException(
                            "kafka.guarantee must be 'at-least-once' or 'exactly-once', was '"
                                    + g
                                    + "'");
        };
    }

    /** {@code pass.completion} is {@code snapshot} (else {@code mark-deletions}, the default). */
    private boolean snapshots() {
        String c = value(SyncJobOptions.PASS_COMPLETION);
        return switch (c) {
            case "mark-deletions" -> false;
            case "snapshot" -> true;
            default ->
                    throw new IllegalArgumentException(
                            "pass.completion must be 'mark-deletions' or 'snapshot', was '"
                                    + c
                                    + "'");
        };
    }

    /**
     * The marker of {@code jdbc.table}, asking the platform about every unseen row if {@link
     * #candidateCheck} is configured.
     */
    private DeletionMarker deletionMarker() {
        DeletionMarker marker =
                new DeletionMarker(dialect(), required("jdbc.table"), maxDeleteRatio());
        CandidateCheck check = candidateCheck();
        return check == null ? marker : marker.withCheck(check);
    }

    /**
     * The detail API of {@code pass.check.endpoint.*}, which a pass asks about every row it did not
     * see, or null (with a warning: a record updated during the pass can then be marked deleted, or
     * dropped from the snapshot, although it lives).
     */
    @Nullable
    private CandidateCheck candidateCheck() {
        // a full pass's tenants (read before it, registry included); the running pass's are the
        // fixed ones
        DetailApiCheck check =
                DetailApiCheck.fromOptions(
                        config, boundedTenants != null ? boundedTenants : tenants());
        if (check == null)
            LOG.warn(
                    "sync job '{}': no {}* configured, so a full pass takes every row it did not see for deleted; a record"
                            + " updated during the pass can then be marked deleted although it lives (see docs/landing.md)",
                    required("source.name"),
                    CHECK_ENDPOINT);
        if (check != null
                && boundedTenants != null
                && sourceOptions.containsKey(TenantRegistryOptions.URL.key())
                && check.endpoint().usesToken()
                && check.endpoint().auth().rotatesRefreshTokens())
            // the check fetches its tokens itself, outside the registry's token store: it would
            // spend the single-use refresh tokens the registry lists, which the store's jobs rely
            // on
            throw new IllegalArgumentException(
                    "sync job '"
                            + required("source.name")
                            + "': a full pass of tenants from a tenant registry ("
                            + SOURCE_PREFIX
                            + TenantRegistryOptions.URL.key()
                            + ") cannot ask a detail API whose tokens come from single-use refresh"
                            + " tokens ("
                            + CHECK_ENDPOINT
                            + "auth.token.*): it would spend the registry's refresh tokens outside"
                            + " its token store");
        return check;
    }

    private SnapshotTable snapshotTable() {
        return new SnapshotTable(dialect(), required("jdbc.table"), maxDeleteRatio())
                .retainingLast(options().integer(SyncJobOptions.PASS_SNAPSHOT_RETAIN, 0));
    }

    private double maxDeleteRatio() {
        return options().doubleValue(SyncJobOptions.PASS_MAX_DELETE_RATIO, 0, 1);
    }

    /**
     * The file's keys besides the source's, read with the connector's option reader (errors name
     * the key).
     */
    private OptionReader options() {
        return new OptionReader(config);
    }

    /** How late the platform may list a change: {@code httpsync.scan.lag}. */
    private Duration lag() {
        return sourceSetting(() -> SourceConfigReader.lag(sourceOptions));
    }

    /** Where the sync starts: {@code httpsync.scan.start}. */
    private Instant start() {
        return sourceSetting(() -> SourceConfigReader.start(sourceOptions));
    }

    /** A connection to {@code jdbc.url}, for the tables around the job (events, progress). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(
                required("jdbc.url"), config.get("jdbc.username"), config.get("jdbc.password"));
    }

    /** {@code jdbc.events-table}, required. */
    public String eventsTable() {
        return required("jdbc.events-table");
    }

    public String jobName() {
        return has("job.name") ? config.get("job.name") : "httpsync " + required("source.name");
    }

    /**
     * The configured source for {@code tenants}; bounded to {@code [from, to)} if given, else as
     * its options say.
     */
    private HttpSyncSource<RawRecord> source(
            List<Tenant> tenants,
            @Nullable Instant from,
            @Nullable Instant to,
            boolean emitTenantPositions) {
        return sourceSetting(
                () -> {
                    HttpSyncSourceBuilder<RawRecord> builder =
                            HttpSyncSource.<RawRecord>builder()
                                    .setConfiguration(Configuration.fromMap(sourceOptions))
                                    .setTenants(tenants)
                                    .setDeserializer(RecordDeserializer.raw());
                    if (from != null) {
                        builder.setBounded(from, to, SourceConfigReader.lag(sourceOptions));
                        // a bounded job's tenants are read beforehand (boundedTenants); the
                        // registry serves only its token store, if it is used
                        TenantRegistrySpec registry = SourceConfigReader.registry(sourceOptions);
                        if (registry != null)
                            builder.setTenantRegistry(
                                    registry.usesTokenStore() ? registry.forTokensOnly() : null);
                    }
                    return builder.setEmitTenantPositions(emitTenantPositions).build();
                });
    }

    /**
     * The source as {@code run} builds it (for tests that compare it with the other ways to build
     * one).
     */
    HttpSyncSource<RawRecord> source() {
        return source(tenants(), null, null, false);
    }

    /** Reads the source's options, naming in a refusal the key as the file spells it. */
    private <T> T sourceSetting(Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "sync job setting " + SOURCE_PREFIX + "*: " + e.getMessage(), e);
        }
    }

    /**
     * The source's options without {@code httpsync.}: what a SQL table's {@code WITH} clause would
     * say (for {@code preview} and {@code sync --out}, which read the source without the rest of
     * the job).
     */
    public Map<String, String> sourceOptions() {
        return java.util.Collections.unmodifiableMap(sourceOptions);
    }

    /**
     * The ids of the tenants of a bounded job (a full pass, a replay): {@code httpsync.tenants},
     * and the tenant registry's enabled ones ({@link #boundedTenants}).
     */
    public List<String> tenantIds() {
        return boundedTenants().stream().map(Tenant::id).toList();
    }

    /**
     * The tenants of a bounded job: {@code httpsync.tenants}, and with a tenant registry its
     * tenants enabled now, read once (a full pass's rounds and its deletion marking, a replay and
     * its events, all see the same tenants). Their tokens come from the registry's token store, if
     * it is used ({@link #source}), never from the refresh tokens the registry lists, which the
     * jobs sharing the store may have spent.
     */
    private List<Tenant> boundedTenants() {
        if (boundedTenants != null) return boundedTenants;
        List<Tenant> out = new ArrayList<>(tenants());
        TenantRegistrySpec registry =
                sourceSetting(() -> SourceConfigReader.registry(sourceOptions));
        if (registry != null) {
            Set<String> fixed = new HashSet<>(tenantIdsOf(out));
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            try (TenantRegistry opened =
                    registry.create(loader != null ? loader : getClass().getClassLoader())) {
                for (RegisteredTenant t : opened.tenants())
                    if (t.enabled() && !fixed.contains(t.id())) out.add(t.tenant());
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(
                        "sync job '"
                                + required("source.name")
                                + "': reading the tenants of the tenant registry ("
                                + SOURCE_PREFIX
                                + TenantRegistryOptions.URL.key()
                                + ") failed: "
                                + e.getMessage(),
                        e);
            }
            if (out.isEmpty())
                throw new IllegalArgumentException(
                        "sync job '"
                                + required("source.name")
                                + "': no tenant to sync: "
                                + SOURCE_PREFIX
                                + "tenants names none and the tenant registry ("
                                + SOURCE_PREFIX
                                + TenantRegistryOptions.URL.key()
                                + ") has no enabled tenant");
        }
        boundedTenants = List.copyOf(out);
        return boundedTenants;
    }

    private static List<String> tenantIdsOf(List<Tenant> tenants) {
        return tenants.stream().map(Tenant::id).toList();
    }

    private List<Tenant> tenants() {
        return sourceSetting(() -> SourceConfigReader.tenants(sourceOptions));
    }

    private SqlDialect dialect() {
        String d = value(SyncJobOptions.JDBC_DIALECT);
        return switch (d) {
            case "postgres", "postgresql" -> SqlDialect.POSTGRES;
            case "mysql", "mariadb" -> SqlDialect.MYSQL;
            default ->
                    throw new IllegalArgumentException(
                            "jdbc.dialect must be 'postgres' or 'mysql', was '" + d + "'");
        };
    }

    private boolean has(String key) {
        String v = config.get(key);
        return v != null && !v.isBlank();
    }

    private String required(String key) {
        if (!has(key)) throw OptionReader.invalid(key, "is required");
        return config.get(key);
    }

    /** The value of {@code option} as written, else its default as options spell it. */
    private String value(ConfigOption<?> option) {
        return has(option.key()) ? config.get(option.key()) : String.valueOf(option.defaultValue());
    }

    private Instant instant(String key) {
        try {
            return Instant.parse(required(key));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "sync job setting '"
                            + key
                            + "' is not an ISO instant (e.g. 2026-01-01T00:00:00Z): "
                            + config.get(key),
                    e);
        }
    }
}
