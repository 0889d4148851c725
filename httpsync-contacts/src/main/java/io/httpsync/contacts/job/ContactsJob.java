package io.httpsync.contacts.job;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.contacts.ContactsSync;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The contacts sync as a Flink job. Corps are the unit of work: a source of corp run requests
 * (bounded: each configured corp once; continuous: each corp again every {@code
 * contacts.interval}), keyed by corp, into an async operator ({@link CorpRunFunction}) that runs
 * the plain per-corp driver ({@link ContactsSync#syncCorp}: fetch, then write in dependency order).
 * Many corps run in parallel across the operator's subtasks ({@code contacts.parallelism}) and
 * threads ({@code contacts.corp-concurrency} per subtask), while all of one corp's runs happen on
 * one subtask, one at a time. The outcomes are the job's output; their exception events go to
 * {@code jdbc.events-table} ({@link ExceptionEventJdbcSink}, the table the other jobs use).
 *
 * <p>Configuration: {@link ContactsSync}'s keys, and
 *
 * <pre>
 * contacts.mode = bounded | continuous        (bounded: the default)
 * contacts.interval = 1 h                     (continuous: how often each corp is synced again)
 * contacts.checkpoint-interval = 30 s         (continuous, unless Flink's configuration sets one)
 * contacts.parallelism = 2                    (subtasks running corps; the environment's by default)
 * contacts.run-timeout = 6 h                  (a run longer than this is reported FAILED)
 * contacts.run-prefix = run                   (run ids are &lt;prefix&gt;-&lt;round&gt;-&lt;start epoch millis&gt;)
 * contacts.verify = false                     (compare the tables with the directory fetched after each run)
 * jdbc.events-table = sync_events             (where the runs' exception events go)
 * </pre>
 *
 * <p>Checkpoints hold two things: the source's position in the request sequence (which corp and
 * round comes next) and the async operator's requests in flight. Restoring re-issues those, so a
 * corp run that was half done when the job failed is simply run again: a run compares what the
 * tables hold with the directory and continues, each committed transaction having left the tables
 * consistent; it gets a new run id, so its sync log counts each entity once. Nothing else is kept:
 * the tables are the state.
 *
 * <p>Thread contract: built and wired on one thread; the operators follow Flink's threading.
 */
@PublicEvolving
public final class ContactsJob {
    public static final String DEFAULT_EVENTS_TABLE = "sync_events";
    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    private static final List<String> KEYS =
            List.of(
                    "contacts.mode",
                    "contacts.interval",
                    "contacts.checkpoint-interval",
                    "contacts.parallelism",
                    "contacts.run-timeout",
                    "contacts.run-prefix",
                    "contacts.verify",
                    "jdbc.events-table",
                    "jdbc.url",
                    "jdbc.user",
                    "jdbc.password",
                    "contacts.corps",
                    "contacts.table-prefix",
                    "contacts.concurrency",
                    "contacts.batch-size",
                    "contacts.corp-concurrency",
                    "contacts.soft-delete",
                    "contacts.max-delete-ratio",
                    ContactsSync.REQUESTS_PER_CORP,
                    ContactsSync.LEASE);

    private final Map<String, String> config;
    private final List<String> corpIds;
    private final boolean continuous;

    /**
     * The job a configuration describes; {@code source} names it in error messages. Unknown keys
     * are refused.
     */
    public ContactsJob(Map<String, String> config, String source) {
        this.config = new TreeMap<>(config);
        for (String key : this.config.keySet()) {
            if (!KEYS.contains(key)
                    && !key.startsWith("contacts.corp.")
                    && !key.startsWith(ContactsSync.CAP_PREFIX)
                    && !key.startsWith(ContactsSync.ENDPOINT_PREFIX)) {
                throw new IllegalArgumentException(
                        source
                                + ": unknown contacts setting '"
                                + key
                                + "'; known: "
                                + KEYS
                                + ", contacts.corp.<id>.*, "
                                + ContactsSync.CAP_PREFIX
                                + "<platform>, "
                                + ContactsSync.ENDPOINT_PREFIX
                                + "*");
            }
        }
        String mode = this.config.getOrDefault("contacts.mode", "bounded");
        if (!mode.equals("bounded") && !mode.equals("continuous")) {
            throw new IllegalArgumentException(
                    source + ": contacts.mode is bounded or continuous, not '" + mode + "'");
        }
        this.continuous = mode.equals("continuous");
        if (continuous && !this.config.containsKey("contacts.interval")) {
            throw new IllegalArgumentException(
                    source
                            + ": contacts.mode = continuous needs contacts.interval (how often each corp is synced again, e.g. 1 h)");
        }
        if (continuous && duration("contacts.interval", null).toMillis() <= 0) {
            throw new IllegalArgumentException(
                    source
                            + ": contacts.interval must be positive, was "
                            + this.config.get("contacts.interval"));
        }
        // the driver's own checks (corps, platforms, credentials, numbers), on the submitting
        // machine
        try (ContactsSync sync = ContactsSync.fromProperties(properties(), source)) {
            this.corpIds = sync.corps().stream().map(ContactsSync.Corp::corpId).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ContactsJob fromFile(Path file) throws IOException {
        return fromFile(file, Map.of());
    }

    /** The job a file describes, with {@code defaults} for the keys it does not set. */
    public static ContactsJob fromFile(Path file, Map<String, String> defaults) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> map = new TreeMap<>(defaults);
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k).trim()));
        return new ContactsJob(map, file.toString());
    }

    private Properties properties() {
        Properties p = new Properties();
        p.putAll(config);
        return p;
    }

    /** The driver of this configuration, e.g. to create the tables or read them back; close it. */
    public ContactsSync sync() {
        return ContactsSync.fromProperties(properties(), "the contacts job's configuration");
    }

    public boolean continuous() {
        return continuous;
    }

    public List<String> corpIds() {
        return corpIds;
    }

    public String eventsTable() {
        return config.getOrDefault("jdbc.events-table", DEFAULT_EVENTS_TABLE);
    }

    public String jobName() {
        return "contacts sync ("
                + (continuous ? "every " + config.get("contacts.interval") : "bounded")
                + ") of "
                + corpIds.size()
                + " corps";
    }

    /** Creates the contacts tables and the events table that do not exist yet. */
    public void createTables() throws SQLException, IOException {
        try (ContactsSync sync = sync()) {
            sync.createTables();
            try (Connection c = sync.connect();
                    Statement s = c.createStatement()) {
                s.execute(
                        ExceptionEventJdbcSink.createTable(sync.schema().dialect(), eventsTable()));
            }
        }
    }

    /**
     * Adds the job to {@code env} and returns the corps' outcomes (a stream the caller may print,
     * collect or ignore). A continuous job checkpoints every {@code contacts.checkpoint-interval}
     * unless the environment already does.
     */
    public DataStream<CorpRunOutcome> addTo(
            StreamExecutionEnvironment env, CorpRunFunction.Progress progress) {
        int threads =
                Integer.parseInt(config.getOrDefault("contacts.corp-concurrency", "2").trim());
        long count = corpIds.size();
        RateLimiterStrategy<?> rate = RateLimiterStrategy.noOp();
        if (continuous) {
            if (!env.getCheckpointConfig().isCheckpointingEnabled()) {
                env.enableCheckpointing(
                        duration("contacts.checkpoint-interval", DEFAULT_CHECKPOINT_INTERVAL)
                                .toMillis());
            }
            count = Long.MAX_VALUE;
            rate =
                    RateLimiterStrategy.perSecond(
                            corpIds.size()
                                    * 1000.0
                                    / duration("contacts.interval", null).toMillis());
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        DataGeneratorSource<CorpRunRequest> source =
                new DataGeneratorSource<>(
                        new CorpRunRequests(corpIds),
                        count,
                        (RateLimiterStrategy) rate,
                        TypeInformation.of(CorpRunRequest.class));
        // one reader: the requests' order (corp after corp, round after round) is the sequence's
        DataStream<CorpRunRequest> requests =
                env.fromSource(
                                source,
                                WatermarkStrategy.noWatermarks(),
                                "contacts corp run requests")
                        .uid("contacts-corp-run-requests")
                        .setParallelism(1);
        CorpRunFunction function =
                new CorpRunFunction(
                        config,
                        config.getOrDefault("contacts.run-prefix", "run"),
                        Boolean.parseBoolean(config.getOrDefault("contacts.verify", "false")),
                        threads,
                        duration("contacts.run-timeout", Duration.ofHours(6)),
                        progress);
        SingleOutputStreamOperator<CorpRunOutcome> outcomes =
                AsyncDataStream.unorderedWait(
                                requests.keyBy(CorpRunRequest::corpId),
                                function,
                                duration("contacts.run-timeout", Duration.ofHours(6)).toMillis(),
                                TimeUnit.MILLISECONDS,
                                threads)
                        .uid("contacts-corp-runs")
                        .name("contacts sync per corp");
        if (config.containsKey("contacts.parallelism"))
            outcomes.setParallelism(Integer.parseInt(config.get("contacts.parallelism").trim()));
        outcomes.flatMap(
                        (CorpRunOutcome o, org.apache.flink.util.Collector<ExceptionEvent> out) ->
                                o.events().forEach(out::collect))
                .returns(TypeInformation.of(ExceptionEvent.class))
                .uid("contacts-exception-events")
                .name("contacts exception events")
                .sinkTo(ExceptionEventJdbcSink.insertInto(eventsTable(), jdbcConnection()))
                .uid("contacts-events-jdbc")
                .name("contacts events -> " + eventsTable());
        return outcomes;
    }

    private JdbcConnectionOptions jdbcConnection() {
        String url = config.get("jdbc.url");
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder b =
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(url)
                        .withUsername(config.getOrDefault("jdbc.user", ""))
                        .withPassword(config.getOrDefault("jdbc.password", ""));
        if (url.startsWith("jdbc:postgresql:")) b.withDriverName("org.postgresql.Driver");
        if (url.startsWith("jdbc:mariadb:")) b.withDriverName("org.mariadb.jdbc.Driver");
        return b.build();
    }

    private Duration duration(String key, Duration fallback) {
        String v = config.get(key);
        if (v == null) return fallback;
        try {
            return TimeUtils.parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    key + " is a duration (e.g. 30 s, 1 h), not '" + v + "'", e);
        }
    }
}
