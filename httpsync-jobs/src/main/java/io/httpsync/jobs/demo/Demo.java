package io.httpsync.jobs.demo;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.PostgresRecordSink;
import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.connector.sink.SyncPositionTable;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo behind README's first command: a Kuaishou-style shop whose orders keep changing (the
 * simulator), the httpsync source in a local Flink, an upsert into an embedded PostgreSQL; progress
 * every few seconds, then a comparison of the table with the platform's ground truth up to the sync
 * position.
 */
public final class Demo {
    private static final String APP_KEY = "demo-app-key";
    private static final String APP_SECRET = "demo-app-secret";
    private static final String SIGN_SECRET = "demo-sign-secret";
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String STREAM = "kuaishou-orders";

    /** The table of sync positions, as a config-file job names it by default. */
    private static final SyncPositionTable POSITIONS =
            new SyncPositionTable(SqlDialect.POSTGRES, "sync_positions");

    private Demo() {}

    /** Runs the demo; true if the table equals the platform up to the sync position. */
    public static boolean run(Map<String, String> options) throws Exception {
        int seconds = Integer.parseInt(options.getOrDefault("duration-seconds", "40"));
        int shops = Integer.parseInt(options.getOrDefault("shops", "2"));
        int orders = Integer.parseInt(options.getOrDefault("orders", "3000"));
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));

        try (Simulator sim = new Simulator(42);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.latency(20, 20);
            List<Tenant> tenants = new ArrayList<>();
            for (int i = 1; i <= shops; i++) {
                String shop = "shop-" + i;
                kuaishou.addTenant(
                        shop,
                        KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                        DataSpec.of(orders, 3 * DAY).seed(i).timeResolutionMillis(1));
                // a live shop: 5 updates, 1 new order and 0.5 deleted orders per second
                kuaishou.mutateContinuously(shop, new MutationRates(5, 1, 0.5));
                tenants.add(
                        Tenant.of(
                                shop,
                                Map.of(
                                        "app-key",
                                        APP_KEY,
                                        "app-secret",
                                        APP_SECRET,
                                        "sign-secret",
                                        SIGN_SECRET)));
            }
            sim.start(0);
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
            execute(jdbcUrl, PostgresRecordSink.createTable("orders"));
            execute(jdbcUrl, POSITIONS.createTable());
            System.out.printf(
                    "simulator: %s (%d shops, %d orders each, changing live)%npostgres:  %s%n",
                    sim.baseUrl("kuaishou"), shops, orders, jdbcUrl);

            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            // checkpoints in files, as every job httpsync builds: never the JobManager's heap
            Path checkpoints = Files.createTempDirectory("httpsync-demo-checkpoints");
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(parallelism);
            env.enableCheckpointing(2000);

            long now = System.currentTimeMillis();
            HttpSyncSource<RawRecord> source =
                    HttpSyncSource.<RawRecord>builder()
                            .setEndpoint(endpoint(sim.baseUrl("kuaishou")))
                            .setTenants(tenants)
                            .setContinuous(
                                    Instant.ofEpochMilli(now - 3 * DAY - 60_000),
                                    Duration.ofSeconds(3),
                                    Duration.ofSeconds(2))
                            .setWindowStep(Duration.ofHours(6))
                            .setRateLimit(50, 10)
                            .setDeserializer(RecordDeserializer.raw())
                            .setEmitTenantPositions(true)
                            .build();
            JdbcConnectionOptions connection =
                    new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                            .withUrl(jdbcUrl)
                            .withDriverName("org.postgresql.Driver")
                            .withUsername("postgres")
                            .build();

            DataStream<SyncElement<RawRecord>> elements =
                    env.fromSource(source, source.watermarkStrategy(), "kuaishou orders")
                            .uid("kuaishou-orders-source");
            SingleOutputStreamOperator<RawRecord> records =
                    HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), STREAM);
            records.sinkTo(PostgresRecordSink.upsertInto("orders", connection))
                    .uid("orders-postgres")
                    .name("orders -> postgres");
            records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                    .print("exception event")
                    .uid("exception-events-print");
            POSITIONS.write(
                    records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS), STREAM, connection);

            JobClient job = env.executeAsync("httpsync demo: kuaishou orders -> postgres");
            long deadline = System.currentTimeMillis() + seconds * 1000L;
            while (System.currentTimeMillis() < deadline) {
                Thread.sleep(5000);
                long position =
                        positions(jdbcUrl).values().stream()
                                .mapToLong(Long::longValue)
                                .min()
                                .orElse(-1);
                System.out.printf(
                        "records in table: %6d   sync position: %s   lag: %s%n",
                        count(jdbcUrl),
                        position < 0 ? "-" : Instant.ofEpochMilli(position),
                        position < 0
                                ? "-"
                                : Duration.ofMillis(System.currentTimeMillis() - position)
                                                .toSeconds()
                                        + " s");
            }
            job.cancel().get();
            FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
            return summarize(jdbcUrl, kuaishou, shops);
        }
    }

    private static EndpointSpec endpoint(String base) {
        return EndpointSpec.fromOptions(kuaishouSimulatorOptions(base));
    }

    /**
     * The Kuaishou preset pointed at the simulator, with access tokens from its OAuth endpoint
     * (code = shop id).
     */
    public static Map<String, String> kuaishouSimulatorOptions(String base) {
        Map<String, String> options = new HashMap<>(EndpointPresets.kuaishouOrders(base));
        options.putAll(EndpointPresets.kuaishouCodeGrantTokens(base, "${tenant.id}"));
        return options;
    }

    /**
     * Compares the table with ground truth for every record the platform last updated before its
     * shop's sync position.
     */
    private static boolean summarize(String jdbcUrl, KuaishouSim kuaishou, int shops)
            throws SQLException {
        Map<String, Long> positions = positions(jdbcUrl);
        if (positions.size() < shops) {
            System.out.println(
                    "the sync position never advanced for "
                            + (shops - positions.size())
                            + " shops: no window finished and checkpointed");
            return false;
        }
        long expected = 0;
        long missing = 0;
        long stale = 0;
        long deletedStillInTable = 0;
        for (int i = 1; i <= shops; i++) {
            String shop = "shop-" + i;
            long position = positions.get(shop);
            GroundTruth truth = kuaishou.groundTruth(shop);
            Map<String, Long> table = updateTimes(jdbcUrl, shop);
            for (GroundTruth.TruthRecord r : truth.live()) {
                if (r.updateTime() >= position) continue;
                expected++;
                Long synced = table.get(r.id());
                if (synced == null) missing++;
                else if (synced != r.updateTime()) stale++;
            }
            for (String id : truth.deletedIds()) if (table.containsKey(id)) deletedStillInTable++;
        }
        System.out.printf(
                "%nsync positions %s: %d orders on the platform were last updated before their shop's; in the table: %d missing, %d stale%n",
                positions.entrySet().stream()
                        .map(e -> e.getKey() + " " + Instant.ofEpochMilli(e.getValue()))
                        .toList(),
                expected,
                missing,
                stale);
        System.out.printf(
                "%d orders deleted on the platform are still in the table (list APIs never report deletions; a full sync marks them)%n",
                deletedStillInTable);
        boolean equal = missing == 0 && stale == 0;
        System.out.println(
                equal
                        ? "RESULT: the table equals the platform up to the sync position"
                        : "RESULT: MISMATCH between the table and the platform");
        return equal;
    }

    private static void execute(String jdbcUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long count(String jdbcUrl) throws SQLException {
        return single(jdbcUrl, "SELECT count(*) FROM orders");
    }

    private static Map<String, Long> positions(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            return POSITIONS.read(c, STREAM);
        }
    }

    private static long single(String jdbcUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, Long> updateTimes(String jdbcUrl, String tenant)
            throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var ps =
                        c.prepareStatement("SELECT id, update_time FROM orders WHERE tenant = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
