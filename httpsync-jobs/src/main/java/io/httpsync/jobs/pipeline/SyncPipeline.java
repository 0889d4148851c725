package io.httpsync.jobs.pipeline;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.dedupe.Dedupe;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.ExceptionEvent;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.KafkaRecordSink;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;

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
import java.util.Properties;
import java.util.TreeMap;

/**
 * A sync job described by a properties file: the httpsync source, optionally the dedupe operator, and a JDBC table
 * and/or a Kafka topic for records and exception events. Every operator has a stable uid derived from
 * {@code source.name}, and the job runs with {@code pipeline.auto-generate-uids=false}, so a missing uid fails the
 * build instead of silently breaking savepoint compatibility later.
 *
 * <pre>
 * job.name=kuaishou orders                 job.parallelism=2            job.checkpoint-interval=10 s
 * source.name=kuaishou-orders              (uids: kuaishou-orders-source, -records, -dedupe, -jdbc, -kafka, ...)
 * source.endpoint.&lt;option&gt;=...            (the flat endpoint options, see EndpointOptions)
 * source.tenants=shop-1,shop-2             source.tenant.shop-1.app-key=...   (tenant properties, secrets included)
 * source.mode=continuous|bounded           source.start=2026-01-01T00:00:00Z   source.end=... (bounded)
 * source.lag=30 s  source.discovery-interval=10 s  source.window-step=6 h  source.exception-policy=record-and-retry
 * dedupe.enabled=true                      dedupe.ttl=30 d
 * jdbc.url=jdbc:postgresql://...  jdbc.dialect=postgres|mysql  jdbc.username  jdbc.password  jdbc.table=orders
 * jdbc.events-table=sync_events            jdbc.create-tables=true
 * kafka.bootstrap-servers=...  kafka.topic=orders  kafka.events-topic=sync-events
 * kafka.guarantee=at-least-once|exactly-once  kafka.transactional-id-prefix=...
 * </pre>
 * Unknown keys are refused with their name, so a typo does not silently turn a feature off.
 */
public final class SyncPipeline {
    private static final List<String> KEYS = List.of("job.name", "job.parallelism", "job.checkpoint-interval", "source.name",
            "source.tenants", "source.mode", "source.start", "source.end", "source.lag", "source.discovery-interval",
            "source.window-step", "source.exception-policy", "dedupe.enabled", "dedupe.ttl", "jdbc.url", "jdbc.dialect",
            "jdbc.username", "jdbc.password", "jdbc.table", "jdbc.events-table", "jdbc.create-tables", "kafka.bootstrap-servers",
            "kafka.topic", "kafka.events-topic", "kafka.guarantee", "kafka.transactional-id-prefix");

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

    /** Creates the tables the config names, if {@code jdbc.create-tables} is true. */
    public void createTables() throws SQLException {
        if (!has("jdbc.url") || !Boolean.parseBoolean(config.getOrDefault("jdbc.create-tables", "false"))) return;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(dialect().createRecordTable(required("jdbc.table")));
            if (has("jdbc.events-table")) s.execute(ExceptionEventJdbcSink.createTable(dialect(), config.get("jdbc.events-table")));
        }
    }

    /** Adds the job's operators to {@code env} (which should carry {@link #flinkConfiguration()}). */
    public void addTo(StreamExecutionEnvironment env) {
        String name = required("source.name");
        if (has("job.parallelism")) env.setParallelism(Integer.parseInt(required("job.parallelism")));
        if (has("job.checkpoint-interval")) env.enableCheckpointing(duration("job.checkpoint-interval").toMillis());

        HttpSyncSource<RawRecord> source = source(tenants(), null);
        wire(env.fromSource(source, source.watermarkStrategy(), name + " source").uid(name + "-source"));
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
            HttpSyncSource<RawRecord> source = source(List.of(tenant), w);
            DataStream<SyncElement<RawRecord>> one = env.fromSource(source, source.watermarkStrategy(), name + " replay " + w)
                    .uid(name + "-replay-" + i);
            all = all == null ? one : all.union(one);
        }
        wire(all);
    }

    private void wire(DataStream<SyncElement<RawRecord>> elements) {
        String name = required("source.name");
        SingleOutputStreamOperator<RawRecord> records = HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), name);
        DataStream<ExceptionEvent> events = records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS);
        DataStream<RawRecord> landed = Boolean.parseBoolean(config.getOrDefault("dedupe.enabled", "true"))
                ? Dedupe.records(records, has("dedupe.ttl") ? duration("dedupe.ttl") : null, name)
                : records;

        if (has("jdbc.url")) {
            JdbcConnectionOptions connection = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                    .withUrl(required("jdbc.url")).withUsername(config.get("jdbc.username")).withPassword(config.get("jdbc.password"))
                    .withDriverName(dialect() == SqlDialect.POSTGRES ? "org.postgresql.Driver" : "org.mariadb.jdbc.Driver")
                    .build();
            landed.sinkTo(JdbcRecordSink.builder(dialect(), required("jdbc.table")).build(connection))
                    .uid(name + "-jdbc").name(name + " -> " + config.get("jdbc.table"));
            if (has("jdbc.events-table")) {
                events.sinkTo(ExceptionEventJdbcSink.insertInto(config.get("jdbc.events-table"), connection))
                        .uid(name + "-events-jdbc").name(name + " events -> " + config.get("jdbc.events-table"));
            }
        }
        if (has("kafka.bootstrap-servers")) {
            DeliveryGuarantee guarantee = DeliveryGuarantee.valueOf(
                    config.getOrDefault("kafka.guarantee", "at-least-once").toUpperCase(Locale.ROOT).replace('-', '_'));
            String servers = required("kafka.bootstrap-servers");
            String prefix = config.getOrDefault("kafka.transactional-id-prefix", name);
            landed.sinkTo(KafkaRecordSink.records(servers, required("kafka.topic"), guarantee, prefix, new Properties()))
                    .uid(name + "-kafka").name(name + " -> kafka " + config.get("kafka.topic"));
            if (has("kafka.events-topic")) {
                events.sinkTo(KafkaRecordSink.exceptionEvents(servers, config.get("kafka.events-topic"), guarantee, prefix + "-events",
                        new Properties())).uid(name + "-events-kafka").name(name + " events -> kafka");
            }
        }
        if (!has("jdbc.url") && !has("kafka.bootstrap-servers")) {
            throw new IllegalArgumentException("sync job '" + name + "' has no sink: set jdbc.url and/or kafka.bootstrap-servers");
        }
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

    /** The configured source for {@code tenants}; bounded to {@code window} if given, else as {@code source.mode} says. */
    private HttpSyncSource<RawRecord> source(List<Tenant> tenants, @Nullable FailedWindows.Window window) {
        Map<String, String> endpoint = new HashMap<>();
        config.forEach((k, v) -> {
            if (k.startsWith("source.endpoint.")) endpoint.put(k.substring("source.endpoint.".length()), v);
        });
        HttpSyncSourceBuilder<RawRecord> builder = HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(endpoint))
                .setTenants(tenants)
                .setDeserializer(RecordDeserializer.raw());
        String mode = window != null ? "replay" : config.getOrDefault("source.mode", "continuous");
        switch (mode) {
            case "replay" -> builder.setBounded(Instant.ofEpochMilli(window.start()), Instant.ofEpochMilli(window.end()));
            case "bounded" -> builder.setBounded(instant("source.start"), instant("source.end"));
            case "continuous" -> builder.setContinuous(instant("source.start"),
                    has("source.lag") ? duration("source.lag") : Duration.ofSeconds(30),
                    has("source.discovery-interval") ? duration("source.discovery-interval") : Duration.ofSeconds(10));
            default -> throw new IllegalArgumentException("source.mode must be 'continuous' or 'bounded', was '" + mode + "'");
        }
        if (has("source.window-step")) builder.setWindowStep(duration("source.window-step"));
        if (has("source.exception-policy")) {
            builder.setExceptionPolicy(ExceptionPolicy.valueOf(required("source.exception-policy").toUpperCase(Locale.ROOT).replace('-', '_')));
        }
        return builder.build();
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
