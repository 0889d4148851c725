package io.httpsync.jobs.pipeline;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.dedupe.Dedupe;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.sink.DeletionMarker;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.KafkaRecordSink;
import io.httpsync.connector.sink.RunningFullPass;
import io.httpsync.connector.sink.PassCompletion;
import io.httpsync.connector.sink.SnapshotTable;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.sink.SyncPositionTable;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.CheckpointingOptions;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A sync job described by a properties file: the httpsync source, optionally the dedupe operator, and a JDBC table
 * and/or a Kafka topic for records and exception events. Every operator has a stable uid derived from
 * {@code source.name}, and the job runs with {@code pipeline.auto-generate-uids=false}, so a missing uid fails the
 * build instead of silently breaking savepoint compatibility later.
 *
 * <pre>
 * job.name=kuaishou orders                 job.parallelism=2            job.checkpoint-interval=30 s (continuous: the default)
 * job.checkpoint-dir=./httpsync-checkpoints/kuaishou-orders   (run --config in its own local Flink: the default)
 * source.name=kuaishou-orders              (uids: kuaishou-orders-source, -records, -dedupe, -jdbc, -kafka, ...)
 * source.endpoint.&lt;option&gt;=...            (the flat endpoint options, see EndpointOptions)
 * source.tenants=shop-1,shop-2             source.tenant.shop-1.app-key=...   (tenant properties, secrets included)
 * source.mode=continuous|bounded           source.start=2026-01-01T00:00:00Z   source.end=... (bounded)
 * source.lag=30 s  source.discovery-interval=10 s  source.window-step=6 h  source.exception-policy=record-and-retry
 * source.failed-window.retry-delay=1 min  source.failed-window.max-failures=3   (bounded: a window failing that often
 *                                          in a row with the same lasting cause fails the job, and full-pass exits 1)
 * dedupe.enabled=true                      dedupe.ttl=30 d
 * jdbc.url=jdbc:postgresql://...  jdbc.dialect=postgres|mysql  jdbc.username  jdbc.password  jdbc.table=orders
 * jdbc.events-table=sync_events            jdbc.create-tables=true      jdbc.positions-table=sync_positions (the default)
 * kafka.bootstrap-servers=...  kafka.topic=orders  kafka.events-topic=sync-events
 * kafka.guarantee=at-least-once|exactly-once  kafka.transactional-id-prefix=...
 * pass.completion=mark-deletions|snapshot  pass.max-delete-ratio=0.2  pass.catch-up-rounds=1  pass.snapshot-retain=0
 * pass.in-running-job=true  pass.id=orders-2026-11  pass.end=2026-11-21T17:00:00Z   (a continuous job that starts with a pass)
 * </pre>
 * Unknown keys are refused with their name, so a typo does not silently turn a feature off.
 *
 * <p>Checkpoints: a continuous job's sync position, and the point a restarted job resumes from, only advance when a
 * checkpoint completes. So a continuous job always checkpoints: every {@code job.checkpoint-interval}, else as Flink's
 * own configuration says ({@code execution.checkpointing.interval}, e.g. a cluster's), else every 30 s; a
 * {@code job.checkpoint-interval} of 0 is refused. {@code job.checkpoint-dir} (a path or a URI Flink can write) keeps
 * the checkpoints, retained when the job is cancelled; without it, a job on a cluster uses the cluster's checkpoint
 * storage, and {@link #localEnvironment} (what {@code run --config} uses outside a cluster) uses
 * {@code ./httpsync-checkpoints/<source.name>} and resumes from the newest checkpoint retained there.
 *
 * <p>With {@code jdbc.url}, each tenant's sync position is upserted, as it advances, into {@code jdbc.positions-table}
 * ({@link SyncPositionTable}: {@code stream} = {@code source.name}, {@code tenant}, {@code position} epoch millis,
 * {@code updated_at}), which {@link #createTables} creates if it is missing.
 *
 * <p>{@link #runFullPass} runs a full sync with the same settings ({@link FullSyncPass}): bounded rounds over every
 * record updated since {@code source.start}, landed without dedupe (every row the pass reads must be stamped) into
 * {@code jdbc.table}, then, if every round finished, each tenant completed as {@code pass.completion} says: its unseen
 * rows marked deleted in {@code jdbc.table}, or, with {@code snapshot}, the pass published as the latest snapshot in
 * {@code jdbc.table} (a {@link SnapshotTable}: {@code <table>}, {@code <table>_passes}, {@code <table>_latest}). The
 * delete-ratio guard's refusals go to {@code jdbc.events-table}; the deletions go to {@code kafka.topic} as
 * tombstones. A pass writes Kafka at least once (its rounds are bounded jobs without checkpoints), which a compacted
 * topic absorbs.
 *
 * <p>With {@code pass.in-running-job=true}, the continuous job of {@link #addTo} starts with a full pass instead: its
 * records are stamped with {@code pass.id}, and each tenant's rows of {@code [source.start, pass.end)} that the pass
 * did not see are marked deleted as soon as the tenant has caught up ({@link RunningFullPass}), their tombstones sent
 * to {@code kafka.topic} and the guard's refusals stored in {@code jdbc.events-table}. {@code pass.id} and
 * {@code pass.end} are fixed in the file because a restored job must complete the pass it started with.
 */
public final class SyncPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SyncPipeline.class);
    /** The checkpoint interval of a continuous job that neither the file nor Flink's configuration sets. */
    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    static final String DEFAULT_POSITIONS_TABLE = "sync_positions";
    private static final Pattern URI_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:/.*");
    private static final List<String> KEYS = List.of("job.name", "job.parallelism", "job.checkpoint-interval", "job.checkpoint-dir",
            "source.name", "source.tenants", "source.mode", "source.start", "source.end", "source.lag", "source.discovery-interval",
            "source.window-step", "source.exception-policy", "source.failed-window.retry-delay", "source.failed-window.max-failures",
            "dedupe.enabled", "dedupe.ttl", "jdbc.url", "jdbc.dialect",
            "jdbc.username", "jdbc.password", "jdbc.table", "jdbc.events-table", "jdbc.positions-table", "jdbc.create-tables", "kafka.bootstrap-servers",
            "kafka.topic", "kafka.events-topic", "kafka.guarantee", "kafka.transactional-id-prefix", "pass.completion",
            "pass.max-delete-ratio", "pass.catch-up-rounds", "pass.snapshot-retain", "pass.in-running-job", "pass.id", "pass.end");

    private final Map<String, String> config;

    public SyncPipeline(Map<String, String> config) {
        this.config = new TreeMap<>(config);
        for (String key : this.config.keySet()) {
            if (!KEYS.contains(key) && !key.startsWith("source.endpoint.") && !key.startsWith("source.tenant.")) {
                throw new IllegalArgumentException("unknown sync job setting '" + key + "'; known: " + KEYS
                        + ", source.endpoint.*, source.tenant.<id>.*");
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
     * Creates the tables the config names if {@code jdbc.create-tables} is true, and the table of sync positions
     * ({@code jdbc.positions-table}) if it is missing, whatever {@code jdbc.create-tables} says: it is the job's own
     * bookkeeping, like its checkpoints.
     */
    public void createTables() throws SQLException {
        if (!has("jdbc.url")) return;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            if (Boolean.parseBoolean(config.getOrDefault("jdbc.create-tables", "false"))) {
                if (snapshots()) {
                    snapshotTable().create(c);
                } else {
                    s.execute(dialect().createRecordTable(required("jdbc.table")));
                }
                if (has("jdbc.events-table")) s.execute(ExceptionEventJdbcSink.createTable(dialect(), config.get("jdbc.events-table")));
            }
            positionTable().create(c);
        }
    }

    /**
     * The Flink environment of {@code run --config} outside a cluster: a local Flink with {@link #flinkConfiguration()},
     * checkpoints in {@link #checkpointDirectory()} retained on cancellation, and, if that directory holds a complete
     * checkpoint (e.g. of a run that was killed), restored from the newest one, which Flink then owns (claim mode: it
     * deletes it once a newer one completes). Delete the directory to start over from {@code source.start}.
     */
    public StreamExecutionEnvironment localEnvironment() throws IOException {
        Configuration conf = flinkConfiguration();
        String directory = checkpointDirectory();
        conf.addAll(checkpointStorage(directory));
        Optional<String> latest = RetainedCheckpoints.latest(directory);
        if (latest.isPresent()) {
            LOG.info("sync job '{}' resumes from retained checkpoint {} (to start over from source.start, delete {})",
                    required("source.name"), latest.get(), directory);
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.get());
            conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        } else {
            LOG.info("sync job '{}' keeps its checkpoints in {}; none retained there yet, so it starts from source.start",
                    required("source.name"), directory);
        }
        return StreamExecutionEnvironment.createLocalEnvironment(conf);
    }

    /**
     * Where the job's checkpoints go when it runs in its own local Flink ({@link #localEnvironment}), as a path or URI:
     * {@code job.checkpoint-dir}, else {@code httpsync-checkpoints/<source.name>} under the working directory.
     */
    public String checkpointDirectory() {
        String dir = has("job.checkpoint-dir") ? required("job.checkpoint-dir") : Path.of("httpsync-checkpoints", required("source.name")).toString();
        return URI_SCHEME.matcher(dir).matches() ? dir : Path.of(dir).toAbsolutePath().normalize().toUri().toString();
    }

    /** Checkpoints in {@code directory}, retained when the job is cancelled (or its process dies). */
    private static Configuration checkpointStorage(String directory) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, directory);
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        return conf;
    }

    /** See the class javadoc: a continuous job always checkpoints; {@code job.checkpoint-dir} applies everywhere. */
    private void configureCheckpoints(StreamExecutionEnvironment env) {
        String name = required("source.name");
        boolean continuous = config.getOrDefault("source.mode", "continuous").equals("continuous");
        if (has("job.checkpoint-interval")) {
            Duration interval = duration("job.checkpoint-interval");
            if (interval.toMillis() > 0) {
                env.enableCheckpointing(interval.toMillis());
            } else if (continuous) {
                throw new IllegalArgumentException("sync job '" + name + "': job.checkpoint-interval is "
                        + config.get("job.checkpoint-interval") + ", but a continuous sync moves its sync position (and the point"
                        + " a restarted job resumes from) only when a checkpoint completes; set job.checkpoint-interval to e.g. "
                        + "30 s, or leave it out for the default (" + TimeUtils.formatWithHighestUnit(DEFAULT_CHECKPOINT_INTERVAL) + ")");
            }
        } else if (continuous && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            LOG.info("sync job '{}' checkpoints every {} (neither job.checkpoint-interval nor execution.checkpointing.interval is set)",
                    name, TimeUtils.formatWithHighestUnit(DEFAULT_CHECKPOINT_INTERVAL));
            env.enableCheckpointing(DEFAULT_CHECKPOINT_INTERVAL.toMillis());
        }
        if (has("job.checkpoint-dir")) env.configure(checkpointStorage(checkpointDirectory()));
    }

    /** Adds the job's operators to {@code env} (which should carry {@link #flinkConfiguration()}). */
    public void addTo(StreamExecutionEnvironment env) {
        String name = required("source.name");
        if (has("job.parallelism")) env.setParallelism(Integer.parseInt(required("job.parallelism")));
        configureCheckpoints(env);

        boolean runningPass = Boolean.parseBoolean(config.getOrDefault("pass.in-running-job", "false"));
        FullSyncPass pass = runningPass ? runningPass() : null;
        HttpSyncSource<RawRecord> source = source(tenants(), null, null, runningPass || has("jdbc.url"));
        SingleOutputStreamOperator<RawRecord> records = wire(env.fromSource(source, source.watermarkStrategy(), name + " source")
                .uid(name + "-source"), runningPass ? Landing.RUNNING_PASS : Landing.SYNC, pass);
        if (has("jdbc.url")) positionTable().write(records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS), name, jdbcConnection());
    }

    /** {@code jdbc.positions-table} ({@value #DEFAULT_POSITIONS_TABLE} by default) in the job's database. */
    public SyncPositionTable positionTable() {
        return new SyncPositionTable(dialect(), config.getOrDefault("jdbc.positions-table", DEFAULT_POSITIONS_TABLE));
    }

    /** The pass a continuous job starts with ({@code pass.in-running-job}), checked against the rest of the file. */
    private FullSyncPass runningPass() {
        String mode = config.getOrDefault("source.mode", "continuous");
        if (!mode.equals("continuous")) {
            throw new IllegalArgumentException("pass.in-running-job needs source.mode=continuous, was '" + mode
                    + "'; run a bounded pass with the full-pass command");
        }
        if (snapshots()) throw new IllegalArgumentException("pass.in-running-job marks deletions; it cannot publish snapshots");
        required("jdbc.url");   // a continuous job always checkpoints (configureCheckpoints), so positions, hence completion, advance
        return FullSyncPass.of(required("pass.id"), instant("source.start").toEpochMilli(), instant("pass.end").toEpochMilli());
    }

    /**
     * Runs a full pass of every configured tenant (see the class javadoc), each round's job on a new environment from
     * {@code environments}, and returns how it ended. Needs {@code jdbc.url}, {@code jdbc.table} and
     * {@code jdbc.events-table}.
     */
    public FullSyncPass.Result runFullPass(Supplier<StreamExecutionEnvironment> environments) throws Exception {
        required("jdbc.url");
        String eventsTable = eventsTable();
        createTables();
        Duration lag = lag();
        long end = System.currentTimeMillis() - lag.toMillis();
        FullSyncPass pass = FullSyncPass.create(instant("source.start").toEpochMilli(), end)
                .withCatchUp(integer("pass.catch-up-rounds", 1), lag);
        PassCompletion completion = snapshots() ? snapshotTable() : new DeletionMarker(dialect(), required("jdbc.table"), maxDeleteRatio());
        FullSyncPass.Result result;
        try (Connection c = connect()) {
            result = pass.runAndComplete((p, from, to) -> {
                StreamExecutionEnvironment env = environments.get();
                addPassRoundTo(env, p, from, to);
                return env;
            }, jobName() + " full pass", c, completion, eventsTable, tenantIds());
        }
        if (has("kafka.bootstrap-servers") && result.completed()) {
            KafkaRecordSink.writeTombstones(environments.get(), result.tombstones(System.currentTimeMillis()),
                    kafkaRecords(DeliveryGuarantee.AT_LEAST_ONCE, required("source.name") + "-tombstones"),
                    jobName() + " full pass tombstones");
        }
        return result;
    }

    /** Adds one round of a full pass: every tenant, bounded to {@code [fromMillis, toMillis)}, landed with the pass id. */
    void addPassRoundTo(StreamExecutionEnvironment env, FullSyncPass pass, long fromMillis, long toMillis) {
        String name = required("source.name");
        if (has("job.parallelism")) env.setParallelism(Integer.parseInt(required("job.parallelism")));
        HttpSyncSource<RawRecord> source = source(tenants(), Instant.ofEpochMilli(fromMillis), Instant.ofEpochMilli(toMillis), false);
        wire(env.fromSource(source, source.watermarkStrategy(), name + " pass source").uid(name + "-pass-source"), Landing.PASS_ROUND, pass);
    }

    /**
     * Adds a job that re-syncs exactly {@code windows} (e.g. {@link FailedWindows#read the failed ones}): one bounded
     * source per window and tenant, landed through the same dedupe and sinks. Uids: {@code <name>-replay-<i>}.
     */
    public void addReplayTo(StreamExecutionEnvironment env, List<FailedWindows.Window> windows) {
        if (windows.isEmpty()) throw new IllegalArgumentException("no windows to replay");
        String name = required("source.name");
        if (has("job.parallelism")) env.setParallelism(Integer.parseInt(required("job.parallelism")));
        Map<String, Tenant> tenants = new HashMap<>();
        tenants().forEach(t -> tenants.put(t.id(), t));
        DataStream<SyncElement<RawRecord>> all = null;
        for (int i = 0; i < windows.size(); i++) {
            FailedWindows.Window w = windows.get(i);
            Tenant tenant = tenants.get(w.tenant());
            if (tenant == null) throw new IllegalArgumentException("window " + w + " belongs to a tenant not in source.tenants");
            HttpSyncSource<RawRecord> source = source(List.of(tenant), Instant.ofEpochMilli(w.start()), Instant.ofEpochMilli(w.end()), false);
            DataStream<SyncElement<RawRecord>> one = env.fromSource(source, source.watermarkStrategy(), name + " replay " + w)
                    .uid(name + "-replay-" + i);
            all = all == null ? one : all.union(one);
        }
        wire(all, Landing.SYNC, null);
    }

    /** How a job lands its records: a plain sync, a round of a bounded full pass, or a continuous job that starts with a pass. */
    private enum Landing { SYNC, PASS_ROUND, RUNNING_PASS }

    /**
     * Lands {@code elements}: records deduped (except in a pass's round, which must stamp every row it reads) and
     * stamped with {@code pass}'s id if there is one, events stored; a running pass's completion wired behind them.
     * Returns the records split off the elements, whose side outputs carry the events and the tenant positions.
     */
    private SingleOutputStreamOperator<RawRecord> wire(DataStream<SyncElement<RawRecord>> elements, Landing landing,
                                                       @Nullable FullSyncPass pass) {
        String name = required("source.name");
        if (landing != Landing.PASS_ROUND && snapshots()) {
            throw new IllegalArgumentException("sync job '" + name + "': with pass.completion=snapshot, jdbc.table '"
                    + config.get("jdbc.table") + "' is a snapshot table that only full passes write; run the continuous"
                    + " job (or a replay) from a config whose jdbc.table is a record table");
        }
        SingleOutputStreamOperator<RawRecord> records = HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), name);
        DataStream<ExceptionEvent> events = records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
        DataStream<RawRecord> landed = landing != Landing.PASS_ROUND && Boolean.parseBoolean(config.getOrDefault("dedupe.enabled", "true"))
                ? Dedupe.records(records, has("dedupe.ttl") ? duration("dedupe.ttl") : null, name)
                : records;

        // a pass's rounds are bounded jobs without checkpoints: they write at least once, which a compacted topic absorbs
        DeliveryGuarantee guarantee = landing == Landing.PASS_ROUND ? DeliveryGuarantee.AT_LEAST_ONCE : kafkaGuarantee();
        String prefix = config.getOrDefault("kafka.transactional-id-prefix", name);
        JdbcConnectionOptions connection = null;
        if (has("jdbc.url")) {
            connection = jdbcConnection();
            JdbcRecordSink sink = pass == null ? JdbcRecordSink.builder(dialect(), required("jdbc.table"))
                    : snapshots() ? snapshotTable().sink(pass.id())
                    : JdbcRecordSink.builder(dialect(), required("jdbc.table")).setPassId(pass.id());
            landed.sinkTo(sink.build(connection)).uid(name + "-jdbc").name(name + " -> " + config.get("jdbc.table"));
            if (has("jdbc.events-table")) {
                events.sinkTo(ExceptionEventJdbcSink.insertInto(config.get("jdbc.events-table"), connection))
                        .uid(name + "-events-jdbc").name(name + " events -> " + config.get("jdbc.events-table"));
            }
        }
        if (has("kafka.bootstrap-servers")) {
            landed.sinkTo(kafkaRecords(guarantee, prefix)).uid(name + "-kafka").name(name + " -> kafka " + config.get("kafka.topic"));
            if (has("kafka.events-topic")) {
                events.sinkTo(KafkaRecordSink.exceptionEvents(required("kafka.bootstrap-servers"), config.get("kafka.events-topic"),
                        guarantee, prefix + "-events", new Properties())).uid(name + "-events-kafka").name(name + " events -> kafka");
            }
        }
        if (!has("jdbc.url") && !has("kafka.bootstrap-servers")) {
            throw new IllegalArgumentException("sync job '" + name + "' has no sink: set jdbc.url and/or kafka.bootstrap-servers");
        }
        if (landing == Landing.RUNNING_PASS) {
            SingleOutputStreamOperator<RawRecord> tombstones = RunningFullPass.markDeletions(
                    records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS), pass,
                    new DeletionMarker(dialect(), required("jdbc.table"), maxDeleteRatio()), connection, name);
            if (has("kafka.bootstrap-servers")) {
                tombstones.sinkTo(kafkaRecords(guarantee, prefix + "-tombstones")).uid(name + "-tombstones-kafka")
                        .name(name + " tombstones -> kafka").setParallelism(1);
            }
            if (has("jdbc.events-table")) {
                tombstones.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                        .sinkTo(ExceptionEventJdbcSink.insertInto(config.get("jdbc.events-table"), connection))
                        .uid(name + "-refusals-jdbc").name(name + " refusals -> " + config.get("jdbc.events-table")).setParallelism(1);
            }
        }
        return records;
    }

    private JdbcConnectionOptions jdbcConnection() {
        return new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(required("jdbc.url")).withUsername(config.get("jdbc.username")).withPassword(config.get("jdbc.password"))
                .withDriverName(dialect() == SqlDialect.POSTGRES ? "org.postgresql.Driver" : "org.mariadb.jdbc.Driver")
                .build();
    }

    private Sink<RawRecord> kafkaRecords(DeliveryGuarantee guarantee, String transactionalIdPrefix) {
        return KafkaRecordSink.records(required("kafka.bootstrap-servers"), required("kafka.topic"), guarantee,
                transactionalIdPrefix, new Properties());
    }

    private DeliveryGuarantee kafkaGuarantee() {
        String g = config.getOrDefault("kafka.guarantee", "at-least-once");
        return switch (g) {
            case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
            case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
            default -> throw new IllegalArgumentException("kafka.guarantee must be 'at-least-once' or 'exactly-once', was '" + g + "'");
        };
    }

    /** {@code pass.completion} is {@code snapshot} (else {@code mark-deletions}, the default). */
    private boolean snapshots() {
        String c = config.getOrDefault("pass.completion", "mark-deletions");
        return switch (c) {
            case "mark-deletions" -> false;
            case "snapshot" -> true;
            default -> throw new IllegalArgumentException("pass.completion must be 'mark-deletions' or 'snapshot', was '" + c + "'");
        };
    }

    private SnapshotTable snapshotTable() {
        return new SnapshotTable(dialect(), required("jdbc.table"), maxDeleteRatio()).retainingLast(integer("pass.snapshot-retain", 0));
    }

    private double maxDeleteRatio() {
        String v = config.getOrDefault("pass.max-delete-ratio", "0.2");
        try {
            double ratio = Double.parseDouble(v);
            if (ratio >= 0 && ratio <= 1) return ratio;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("sync job setting 'pass.max-delete-ratio' must be a number in [0, 1], was '" + v + "'");
    }

    private int integer(String key, int defaultValue) {
        String v = config.get(key);
        if (v == null || v.isBlank()) return defaultValue;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("sync job setting '" + key + "' must be a whole number >= 0, was '" + v + "'");
    }

    /** How late the platform may list a change: {@code source.lag}, 30 s by default. */
    private Duration lag() {
        return has("source.lag") ? duration("source.lag") : Duration.ofSeconds(30);
    }

    /** A connection to {@code jdbc.url}, for the tables around the job (events, progress). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(required("jdbc.url"), config.get("jdbc.username"), config.get("jdbc.password"));
    }

    /** {@code jdbc.events-table}, required. */
    public String eventsTable() {
        return required("jdbc.events-table");
    }

    public String jobName() {
        return config.getOrDefault("job.name", "httpsync " + required("source.name"));
    }

    /** The configured source for {@code tenants}; bounded to {@code [from, to)} if given, else as {@code source.mode} says. */
    private HttpSyncSource<RawRecord> source(List<Tenant> tenants, @Nullable Instant from, @Nullable Instant to, boolean emitTenantPositions) {
        Map<String, String> endpoint = new HashMap<>();
        config.forEach((k, v) -> {
            if (k.startsWith("source.endpoint.")) endpoint.put(k.substring("source.endpoint.".length()), v);
        });
        HttpSyncSourceBuilder<RawRecord> builder = HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(endpoint))
                .setTenants(tenants)
                .setDeserializer(RecordDeserializer.raw());
        String mode = from != null ? "range" : config.getOrDefault("source.mode", "continuous");
        switch (mode) {
            case "range" -> builder.setBounded(from, to, lag());
            case "bounded" -> builder.setBounded(instant("source.start"), instant("source.end"), lag());
            case "continuous" -> builder.setContinuous(instant("source.start"), lag(),
                    has("source.discovery-interval") ? duration("source.discovery-interval") : Duration.ofSeconds(10));
            default -> throw new IllegalArgumentException("source.mode must be 'continuous' or 'bounded', was '" + mode + "'");
        }
        if (has("source.window-step")) builder.setWindowStep(duration("source.window-step"));
        if (has("source.failed-window.retry-delay")) builder.setFailedWindowRetryDelay(duration("source.failed-window.retry-delay"));
        if (has("source.failed-window.max-failures")) builder.setMaxWindowFailures(integer("source.failed-window.max-failures", 0));
        if (has("source.exception-policy")) {
            builder.setExceptionPolicy(ExceptionPolicy.valueOf(required("source.exception-policy").toUpperCase(Locale.ROOT).replace('-', '_')));
        }
        return builder.setEmitTenantPositions(emitTenantPositions).build();
    }

    /** The ids in {@code source.tenants}. */
    public List<String> tenantIds() {
        return tenants().stream().map(Tenant::id).toList();
    }

    private List<Tenant> tenants() {
        List<Tenant> tenants = new ArrayList<>();
        for (String id : Arrays.stream(required("source.tenants").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
            String prefix = "source.tenant." + id + ".";
            Map<String, String> properties = new HashMap<>();
            config.forEach((k, v) -> {
                if (k.startsWith(prefix)) properties.put(k.substring(prefix.length()), v);
            });
            tenants.add(Tenant.of(id, properties));
        }
        return tenants;
    }

    private SqlDialect dialect() {
        String d = config.getOrDefault("jdbc.dialect", "postgres");
        return switch (d) {
            case "postgres", "postgresql" -> SqlDialect.POSTGRES;
            case "mysql", "mariadb" -> SqlDialect.MYSQL;
            default -> throw new IllegalArgumentException("jdbc.dialect must be 'postgres' or 'mysql', was '" + d + "'");
        };
    }

    private boolean has(String key) {
        String v = config.get(key);
        return v != null && !v.isBlank();
    }

    private String required(String key) {
        if (!has(key)) throw new IllegalArgumentException("sync job setting '" + key + "' is required");
        return config.get(key);
    }

    private Duration duration(String key) {
        try {
            return TimeUtils.parseDuration(required(key));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sync job setting '" + key + "' is not a duration (e.g. '30 s'): " + config.get(key), e);
        }
    }

    private Instant instant(String key) {
        try {
            return Instant.parse(required(key));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("sync job setting '" + key + "' is not an ISO instant (e.g. 2026-01-01T00:00:00Z): "
                    + config.get(key), e);
        }
    }
}
