package io.httpsync.e2e;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * httpsync as a user runs it on a real cluster: {@code deploy/local/flink-local.sh} starts a
 * JobManager and two TaskManagers (two slots each, each its own JVM); a SQL job (the {@code -sql}
 * connector jar in the cluster's lib/, submitted through the SQL runner) and a DataStream job (the
 * job jar's {@code run --config}) each sync two Kuaishou-style shops of their own app, whose orders
 * keep changing, into their own PostgreSQL table, with parallelism 2 spread over both TaskManagers
 * and the platform's limits per shop and per app configured. Then one TaskManager is killed with
 * SIGKILL and a new one started; then both jobs are stopped with a savepoint and resubmitted from
 * it.
 *
 * <p>After each phase, once every shop's sync position (the source's {@code syncPosition} metric,
 * read through the REST API) has passed the moment the phase began: every order the platform last
 * updated before the shop's position is in the table with that update time (else it is
 * <em>missing</em> or <em>stale</em>); the simulator refused no request; no limit key's highest
 * count of requests in any one second exceeded its limit; and no page was requested again that had
 * been answered before the checkpoint its job resumed from ({@link RepeatedPages}). Prints one
 * line, {@code E2E RESULT: jobs=2 faults=2 missing=0 stale=0 refused=0 max_rate_over_limit=0} when
 * all is well, where missing and stale are summed over the checks after the phases, refused counts
 * every refused request, and max_rate_over_limit is the largest excess, in requests per second, of
 * any limit key over its limit.
 *
 * <p>{@code -De2e.jobs=datastream} (or {@code sql}) runs one of the jobs alone.
 */
class ClusterEndToEndIT {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final int ORDERS_PER_SHOP = 1500;

    /** The platform's limits, in the simulator and, truthfully, in both jobs' configuration. */
    private static final int SHOP_LIMIT = 5;

    private static final int APP_LIMIT = 8;
    private static final String LIST_API = "kuaishou/" + KuaishouSim.ORDER_LIST;
    private static final long GRACE_MILLIS = 2000;

    /**
     * How long a job may take to run on both TaskManagers: after its submission, a TaskManager's
     * crash, a restore.
     */
    private static final Duration SPREAD_TIMEOUT = Duration.ofSeconds(90);

    /**
     * How long the positions may take to pass the moment the jobs run: the first sync reads three
     * days of orders.
     */
    private static final Duration FIRST_SYNC_TIMEOUT = Duration.ofSeconds(90);

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    private final Path home =
            Path.of(System.getProperty("httpsync.e2e.home", "target/e2e")).toAbsolutePath();
    private final List<String> failures = new ArrayList<>();
    private final long began = System.currentTimeMillis();
    private long missing;
    private long stale;
    private int faults;

    @Test
    void twoJobsKeepTheirTablesEqualToThePlatformThroughATaskManagerCrashAndASavepointRestore()
            throws Exception {
        Files.createDirectories(home);
        String selected = System.getProperty("e2e.jobs", "sql,datastream");
        long start = System.currentTimeMillis() - 3 * DAY - 60_000;
        long refused = 0;
        int maxOver = 0;
        List<SyncJob> jobs = new ArrayList<>();
        try (Simulator sim = new Simulator(7);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            KuaishouSim kuaishou = sim.add(KuaishouSim::new);
            kuaishou.latency(20, 20);
            kuaishou.limits()
                    .set(LimitRule.perSecond("app-api-qps", LimitScope.APP_API, APP_LIMIT));
            kuaishou.limits()
                    .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, SHOP_LIMIT));
            sim.start(0);
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
            String base = sim.baseUrl("kuaishou");
            if (selected.contains("sql")) jobs.add(sqlJob(base, jdbcUrl, start));
            if (selected.contains("datastream")) jobs.add(dataStreamJob(base, jdbcUrl, start));
            int seed = 1;
            for (SyncJob job : jobs) {
                for (String shop : job.shops) {
                    kuaishou.addTenant(
                            shop,
                            KuaishouSim.credentials(
                                    job.app, job.app + "-secret", job.app + "-sign"),
                            DataSpec.of(ORDERS_PER_SHOP, 3 * DAY)
                                    .seed(seed++)
                                    .timeResolutionMillis(1));
                    kuaishou.mutateContinuously(shop, new MutationRates(5, 1, 0.5));
                }
            }

            List<Path> libs = new ArrayList<>();
            if (selected.contains("sql")) {
                libs.add(artifact("httpsync.sql.jar"));
                try (Stream<Path> jdbc = Files.list(artifact("httpsync.sql-job-lib"))) {
                    libs.addAll(jdbc.toList());
                }
            } else {
                libs.add(jdbcDriver()); // the job jar leaves the driver to the cluster's lib/
            }
            LocalFlinkCluster cluster =
                    new LocalFlinkCluster(
                            artifact("httpsync.flink-local.script"), home.resolve("cluster"));
            Thread stopOnExit =
                    new Thread(
                            cluster::close); // a build killed while this runs leaves no Flink JVMs
            // behind
            Runtime.getRuntime().addShutdownHook(stopOnExit);
            try (cluster;
                    CheckpointHistory history = new CheckpointHistory(cluster)) {
                // one slot per job on each TaskManager: every job must spread over both, also after
                // a failover
                cluster.start(2, jobs.size(), libs);
                for (SyncJob job : jobs) {
                    job.jobId = cluster.submit(Optional.empty(), job.submitArgs);
                    history.watch(job.name, job.jobId);
                }

                boolean ok =
                        phase(
                                "first sync",
                                jobs,
                                cluster,
                                history,
                                sim,
                                jdbcUrl,
                                SPREAD_TIMEOUT,
                                FIRST_SYNC_TIMEOUT);

                if (ok) {
                    cluster.killTaskManager("2");
                    cluster.startTaskManager("3");
                    faults++;
                    ok =
                            phase(
                                    "after tm-2 was killed (SIGKILL) and tm-3 started",
                                    jobs,
                                    cluster,
                                    history,
                                    sim,
                                    jdbcUrl,
                                    SPREAD_TIMEOUT,
                                    SYNC_TIMEOUT);
                }

                if (ok) {
                    for (SyncJob job : jobs) {
                        String savepoint = cluster.stopWithSavepoint(job.jobId);
                        history.pollNow(job.jobId);
                        job.jobId = cluster.submit(Optional.of(savepoint), job.submitArgs);
                        history.watch(job.name, job.jobId);
                    }
                    faults++;
                    ok =
                            phase(
                                    "after stop-with-savepoint and resubmission from it",
                                    jobs,
                                    cluster,
                                    history,
                                    sim,
                                    jdbcUrl,
                                    SPREAD_TIMEOUT,
                                    SYNC_TIMEOUT);
                    if (ok) {
                        for (SyncJob job : jobs) {
                            boolean fromSavepoint =
                                    history.restores(job.name).stream()
                                            .anyMatch(
                                                    r ->
                                                            r.jobId().equals(job.jobId)
                                                                    && r.savepoint());
                            if (!fromSavepoint)
                                failures.add(
                                        job.name
                                                + ": the resubmitted job "
                                                + job.jobId
                                                + " was not restored from the savepoint");
                        }
                    }
                }
                if (!ok) System.out.println("cluster logs: " + cluster.logDir());
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
                writeRequestLog(sim.accounting(), home.resolve("simulator-requests.log"));
                refused = sim.accounting().totalRefused();
                maxOver = maxRateOverLimit(sim.accounting(), false);
                System.out.printf(
                        "E2E RESULT: jobs=%d faults=%d missing=%d stale=%d refused=%d max_rate_over_limit=%d%n",
                        jobs.size(), faults, missing, stale, refused, maxOver);
            }
        }
        assertThat(failures).as("failures").isEmpty();
        assertThat(jobs).as("jobs").hasSize(selected.split(",").length);
        assertThat(faults).as("faults").isEqualTo(2);
        assertThat(missing).as("missing").isZero();
        assertThat(stale).as("stale").isZero();
        assertThat(refused).as("refused").isZero();
        assertThat(maxOver).as("max_rate_over_limit").isZero();
    }

    /**
     * Waits until every job runs with both source subtasks on two different TaskManagers (at most
     * {@code spreadTimeout}), then until every shop's sync position has passed that moment (at most
     * {@code syncTimeout}), then checks the tables, the simulator's accounting and its request log.
     * False if a wait timed out: a shop whose position did not pass is then compared up to the
     * moment it should have passed, and the run ends after this phase.
     */
    private boolean phase(
            String name,
            List<SyncJob> jobs,
            LocalFlinkCluster cluster,
            CheckpointHistory history,
            Simulator sim,
            String jdbcUrl,
            Duration spreadTimeout,
            Duration syncTimeout)
            throws Exception {
        System.out.printf(
                "== phase: %s (%d s into the test)%n",
                name, (System.currentTimeMillis() - began) / 1000);
        boolean ok =
                awaitSpread(cluster, jobs, System.currentTimeMillis() + spreadTimeout.toMillis());
        long target = System.currentTimeMillis();
        Map<String, Long> reached =
                awaitPositions(cluster, jobs, target, target + syncTimeout.toMillis());
        Map<String, Long> positions = new LinkedHashMap<>();
        for (SyncJob job : jobs) {
            for (String shop : job.shops) {
                Long position = reached.get(shop);
                if (position == null || position < target) {
                    ok = false;
                    failures.add(
                            name
                                    + ": "
                                    + job.name
                                    + " job "
                                    + job.jobId
                                    + ": the sync position of "
                                    + shop
                                    + " is "
                                    + (position == null
                                            ? "not reported"
                                            : Instant.ofEpochMilli(position).toString())
                                    + ", not past "
                                    + Instant.ofEpochMilli(target)
                                    + " within "
                                    + syncTimeout.toSeconds()
                                    + " s; state "
                                    + cluster.state(job.jobId)
                                    + "; recent exceptions: "
                                    + cluster.exceptions(job.jobId));
                    positions.put(shop, target);
                } else {
                    positions.put(shop, position);
                }
            }
        }
        long phaseMissing = 0;
        long phaseStale = 0;
        for (SyncJob job : jobs) {
            for (String shop : job.shops) {
                long[] ms =
                        compareWithPlatform(
                                jdbcUrl,
                                job.table,
                                shop,
                                positions.get(shop),
                                (KuaishouSim) sim.platform(KuaishouSim.NAME));
                System.out.printf(
                        "  %-10s %-12s position %s: %d orders updated before it, %d missing, %d stale%n",
                        job.name,
                        shop,
                        Instant.ofEpochMilli(positions.get(shop)),
                        ms[0],
                        ms[1],
                        ms[2]);
                phaseMissing += ms[1];
                phaseStale += ms[2];
            }
        }
        missing += phaseMissing;
        stale += phaseStale;
        Map<String, String> lineageOfShop = new HashMap<>();
        jobs.forEach(j -> j.shops.forEach(s -> lineageOfShop.put(s, j.name)));
        RepeatedPages.Result pages =
                RepeatedPages.find(
                        sim.accounting().requests(),
                        LIST_API,
                        t -> Optional.ofNullable(lineageOfShop.get(t)),
                        history,
                        GRACE_MILLIS);
        pages.repeats().stream().limit(5).forEach(r -> System.out.println("  repeated: " + r));
        if (!pages.repeats().isEmpty()) {
            failures.add(
                    name
                            + ": "
                            + pages.repeats().size()
                            + " pages requested again that were answered before the checkpoint their job resumed from");
        }
        System.out.printf(
                "  checked %d s into the test; refused so far %d, max rate over limit so far %d, pages requested again"
                        + " although answered before the restored checkpoint %d (re-read after it as they should: %d), checkpoints seen %s, restores %s%n",
                (System.currentTimeMillis() - began) / 1000,
                sim.accounting().totalRefused(),
                maxRateOverLimit(sim.accounting(), true),
                pages.repeats().size(),
                pages.reRequestedAfterRestore(),
                jobs.stream().map(j -> j.name + "=" + history.completed(j.name)).toList(),
                jobs.stream().map(j -> j.name + "=" + history.restores(j.name).size()).toList());
        return ok;
    }

    /**
     * Waits until every job runs with its source's two subtasks on two different TaskManagers,
     * neither of them one that was killed; false if one does not.
     */
    private boolean awaitSpread(LocalFlinkCluster cluster, List<SyncJob> jobs, long deadline)
            throws InterruptedException {
        Map<SyncJob, List<String>> placements = new LinkedHashMap<>();
        List<SyncJob> waiting = new ArrayList<>(jobs);
        while (!waiting.isEmpty() && System.currentTimeMillis() < deadline) {
            for (SyncJob job : List.copyOf(waiting)) {
                try {
                    List<String> placement = cluster.runningSourceSubtasks(job.jobId);
                    placements.put(job, placement);
                    if (placement.size() == 2
                            && !placement.contains(null)
                            && new HashSet<>(placement).size() == 2
                            && placement.stream()
                                    .noneMatch(cluster.killedTaskManagers()::contains)) {
                        System.out.println(
                                "  "
                                        + job.name
                                        + " job "
                                        + job.jobId
                                        + " runs its source on "
                                        + placement);
                        waiting.remove(job);
                    }
                } catch (RuntimeException e) {
                    // the JobManager is busy with a failover; ask again
                }
            }
            if (!waiting.isEmpty()) Thread.sleep(1000);
        }
        for (SyncJob job : waiting) {
            failures.add(
                    job.name
                            + " job "
                            + job.jobId
                            + ": source subtasks not running on two TaskManagers: "
                            + placements.getOrDefault(job, List.of())
                            + "; recent exceptions: "
                            + cluster.exceptions(job.jobId));
        }
        return waiting.isEmpty();
    }

    /**
     * Waits until every shop's sync position has passed {@code target}; returns the last positions
     * read, by shop.
     */
    private static Map<String, Long> awaitPositions(
            LocalFlinkCluster cluster, List<SyncJob> jobs, long target, long deadline)
            throws InterruptedException {
        Map<String, Long> positions = new HashMap<>();
        while (true) {
            for (SyncJob job : jobs) {
                for (String shop : job.shops) {
                    try {
                        cluster.sourceMetric(job.jobId, "tenant." + shop + ".syncPosition")
                                .ifPresent(p -> positions.put(shop, p));
                    } catch (RuntimeException e) {
                        // asked during a failover; ask again
                    }
                }
            }
            boolean all =
                    jobs.stream()
                            .flatMap(j -> j.shops.stream())
                            .allMatch(s -> positions.getOrDefault(s, Long.MIN_VALUE) >= target);
            if (all || System.currentTimeMillis() >= deadline) return positions;
            Thread.sleep(1000);
        }
    }

    /**
     * The shop's orders that the platform last updated before {@code position}, and how many of
     * them the table misses or holds with another update time: {expected, missing, stale}. The
     * position was read first, then the table, then the platform, so an order updated after the
     * position was read is newer than the position and not judged.
     */
    private static long[] compareWithPlatform(
            String jdbcUrl, String table, String shop, long position, KuaishouSim platform)
            throws SQLException {
        Map<String, Long> synced = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT id, update_time FROM " + table + " WHERE tenant = ?")) {
            ps.setString(1, shop);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) synced.put(rs.getString(1), rs.getLong(2));
            }
        }
        long expected = 0;
        long missing = 0;
        long stale = 0;
        for (GroundTruth.TruthRecord r : platform.groundTruth(shop).live()) {
            if (r.updateTime() >= position) continue;
            expected++;
            Long updateTime = synced.get(r.id());
            if (updateTime == null) missing++;
            else if (updateTime != r.updateTime()) stale++;
        }
        return new long[] {expected, missing, stale};
    }

    /**
     * The largest excess of any limit key's highest count of requests within one second over its
     * limit (0: none).
     */
    private static int maxRateOverLimit(Accounting accounting, boolean print) {
        int over = 0;
        for (Map.Entry<String, Accounting.Stats> e : accounting.limitKeys().entrySet()) {
            int limit = e.getKey().startsWith("kuaishou/app-api-qps:") ? APP_LIMIT : SHOP_LIMIT;
            int excess = e.getValue().maxPerSecond() - limit;
            if (excess > 0 && print)
                System.out.println(
                        "  over the limit: "
                                + e.getKey()
                                + " had "
                                + e.getValue().maxPerSecond()
                                + " requests in one second, limit "
                                + limit);
            over = Math.max(over, excess);
        }
        return over;
    }

    /** The simulator's request log as text, one request a line, for reading a failed run. */
    private static void writeRequestLog(Accounting accounting, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Accounting.RequestLogEntry e : accounting.requests()) {
            lines.add(
                    Instant.ofEpochMilli(e.time())
                            + " "
                            + e.endpoint()
                            + " "
                            + e.tenant()
                            + " "
                            + e.position()
                            + " "
                            + e.outcome());
        }
        Files.write(file, lines);
    }

    /** The PostgreSQL driver a user puts into the cluster's lib/ for jobs that write PostgreSQL. */
    static Path jdbcDriver() throws IOException {
        try (Stream<Path> jars = Files.list(artifact("httpsync.sql-job-lib"))) {
            return jars.filter(p -> p.getFileName().toString().startsWith("postgresql-"))
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "no PostgreSQL driver in httpsync.sql-job-lib"));
        }
    }

    static Path artifact(String property) {
        String path = System.getProperty(property);
        if (path == null)
            throw new IllegalStateException(
                    "system property " + property + " is not set (run with mvn verify)");
        Path p = Path.of(path);
        if (!Files.exists(p))
            throw new IllegalStateException(
                    property + ": " + p + " does not exist; build it with mvn package");
        return p;
    }

    // ------------------------------------------------------------------ the two jobs

    /**
     * One job under test: its shops (of one app), its table and its submission arguments; its
     * current job id.
     */
    private static final class SyncJob {
        final String name;
        final String app;
        final List<String> shops;
        final String table;
        final String[] submitArgs;
        String jobId;

        SyncJob(String name, String app, List<String> shops, String table, String... submitArgs) {
            this.name = name;
            this.app = app;
            this.shops = shops;
            this.table = table;
            this.submitArgs = submitArgs;
        }
    }

    /**
     * The endpoint as both jobs describe it: the Kuaishou preset on the simulator, tokens by code
     * grant, and the platform's limits as they are (per app, per shop and API). The platform counts
     * arrivals, which a loaded 2-core machine bunches together (requests granted apart but sent
     * late by a starved I/O thread land together), and at a few requests per second the default
     * utilization (0.97) leaves a few tens of milliseconds of room for that; 0.7 leaves a few
     * hundred (see docs/rate-limiting.md).
     */
    static Map<String, String> endpoint(String base, String namespace) {
        Map<String, String> o = new LinkedHashMap<>(EndpointPresets.kuaishouOrders(base));
        o.putAll(EndpointPresets.kuaishouCodeGrantTokens(base, "${tenant.id}"));
        o.remove("rate-limit.permits-per-second");
        o.remove("rate-limit.burst");
        o.put("rate-limit.utilization", "0.7");
        o.put("rate-limit.namespace", namespace);
        o.put("rate-limit.bucket.app.scope", "app");
        o.put("rate-limit.bucket.app.permits", String.valueOf(APP_LIMIT));
        o.put("rate-limit.bucket.shop.scope", "tenant-api");
        o.put("rate-limit.bucket.shop.permits", String.valueOf(SHOP_LIMIT));
        return o;
    }

    static Map<String, String> tenantProperties(String app) {
        return Map.of("app-key", app, "app-secret", app + "-secret", "sign-secret", app + "-sign");
    }

    private SyncJob sqlJob(String base, String jdbcUrl, long start)
            throws IOException, SQLException {
        List<String> shops = List.of("sql-shop-1", "sql-shop-2");
        execute(
                jdbcUrl,
                "CREATE TABLE sql_orders (tenant text NOT NULL, id text NOT NULL, update_time bigint NOT NULL,"
                        + " status int, total_fee bigint, buyer_nick text, PRIMARY KEY (tenant, id))");
        Map<String, String> source = new LinkedHashMap<>();
        source.put("connector", "httpsync");
        source.putAll(endpoint(base, "sql-app"));
        source.put("tenants", String.join(";", shops));
        for (String shop : shops)
            tenantProperties("sql-app")
                    .forEach((k, v) -> source.put("tenant." + shop + "." + k, v));
        source.put("format", "json");
        source.put("record.pointer", "/orderBaseInfo");
        source.put("scan.mode", "continuous");
        source.put("scan.start", Instant.ofEpochMilli(start).toString());
        source.put("scan.lag", "3 s");
        source.put("scan.discovery-interval", "2 s");
        source.put("scan.window.step", "6 h");
        Map<String, String> sink =
                Map.of(
                        "connector",
                        "jdbc",
                        "url",
                        jdbcUrl,
                        "table-name",
                        "sql_orders",
                        "username",
                        "postgres",
                        "password",
                        "");
        String script =
                String.join(
                        "\n",
                        "SET 'pipeline.name' = 'httpsync e2e sql';",
                        "SET 'parallelism.default' = '2';",
                        "SET 'execution.checkpointing.interval' = '2 s';",
                        "CREATE TABLE orders (",
                        "  oid BIGINT, status INT, updateTime BIGINT, totalFee BIGINT, buyerNick STRING,",
                        "  tenant STRING METADATA VIRTUAL",
                        ") " + with(source) + ";",
                        "CREATE TABLE pg_orders (",
                        "  tenant STRING, id STRING, update_time BIGINT, status INT, total_fee BIGINT, buyer_nick STRING,",
                        "  PRIMARY KEY (tenant, id) NOT ENFORCED",
                        ") " + with(sink) + ";",
                        "INSERT INTO pg_orders SELECT tenant, CAST(oid AS STRING), updateTime, status, totalFee, buyerNick FROM orders;",
                        "");
        Path file = home.resolve("sql-job.sql");
        Files.writeString(file, script);
        return new SyncJob(
                "sql",
                "sql-app",
                shops,
                "sql_orders",
                "-c",
                "io.httpsync.local.SqlRunner",
                artifact("httpsync.sql-runner.jar").toString(),
                "-f",
                file.toString());
    }

    private SyncJob dataStreamJob(String base, String jdbcUrl, long start) throws IOException {
        List<String> shops = List.of("ds-shop-1", "ds-shop-2");
        Properties p =
                dataStreamJobConfig(
                        "httpsync e2e datastream",
                        "ds-orders",
                        endpoint(base, "ds-app"),
                        shops,
                        tenantProperties("ds-app"),
                        start,
                        jdbcUrl,
                        "ds_orders");
        p.setProperty("job.parallelism", "2");
        Path file = home.resolve("datastream-job.properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "the e2e DataStream job: HttpSyncCli run --config");
        }
        return new SyncJob(
                "datastream",
                "ds-app",
                shops,
                "ds_orders",
                "-c",
                "io.httpsync.jobs.HttpSyncCli",
                artifact("httpsync.job.jar").toString(),
                "run",
                "--config",
                file.toString());
    }

    /**
     * The config file of a continuous {@code run --config} job that lands the shops' orders in
     * {@code table}.
     */
    static Properties dataStreamJobConfig(
            String jobName,
            String sourceName,
            Map<String, String> endpoint,
            List<String> shops,
            Map<String, String> tenantProperties,
            long start,
            String jdbcUrl,
            String table) {
        Properties p = new Properties();
        p.setProperty("job.name", jobName);
        p.setProperty("job.checkpoint-interval", "2 s");
        p.setProperty("source.name", sourceName);
        endpoint.forEach((k, v) -> p.setProperty("httpsync." + k, v));
        p.setProperty("httpsync.tenants", String.join(";", shops));
        for (String shop : shops)
            tenantProperties.forEach(
                    (k, v) -> p.setProperty("httpsync.tenant." + shop + "." + k, v));
        p.setProperty("httpsync.scan.mode", "continuous");
        p.setProperty("httpsync.scan.start", Instant.ofEpochMilli(start).toString());
        p.setProperty("httpsync.scan.lag", "3 s");
        p.setProperty("httpsync.scan.discovery-interval", "2 s");
        p.setProperty("httpsync.scan.window.step", "6 h");
        p.setProperty("jdbc.url", jdbcUrl);
        p.setProperty("jdbc.username", "postgres");
        p.setProperty("jdbc.password", "");
        p.setProperty("jdbc.table", table);
        p.setProperty("jdbc.create-tables", "true");
        return p;
    }

    /** {@code WITH ('k' = 'v', ...)}, quotes doubled. */
    static String with(Map<String, String> options) {
        return options.entrySet().stream()
                .map(
                        e ->
                                "'"
                                        + e.getKey().replace("'", "''")
                                        + "' = '"
                                        + e.getValue().replace("'", "''")
                                        + "'")
                .collect(Collectors.joining(",\n  ", "WITH (\n  ", ")"));
    }

    private static void execute(String jdbcUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
