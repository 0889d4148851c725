package io.httpsync.e2e;

import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.testutil.BeisenOptions;
import io.httpsync.connector.testutil.TicketsApi;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.beisen.BeisenSim;
import io.httpsync.simulator.platform.jdunion.JdUnionSim;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The endpoint model as users run it on a real cluster: the {@code -sql} connector jar (with
 * Flink's JDBC connector and the PostgreSQL driver) in the lib/ of {@code
 * deploy/local/flink-local.sh}'s cluster (a JobManager and a TaskManager, each its own JVM), a SQL
 * script submitted through the SQL runner, its bounded statements landing in an embedded PostgreSQL
 * whose tables are then compared with the platforms' ground truth:
 *
 * <ul>
 *   <li>a one-to-many lookup join ({@code 'lookup.kind' = 'list'}) of a Beisen-style department
 *       list API, scrolled 5 to a page;
 *   <li>a user's {@code response.transformer} and {@code request.signer}, compiled by this test
 *       against the {@code -sql} jar into a jar of their own and added with {@code ADD JAR}, sync a
 *       platform that signs requests and answers in an envelope no option reads; the same script
 *       without {@code ADD JAR} is refused because the cluster has the classes nowhere else;
 *   <li>a JD-Union-style API whose rows, end flag and result code are inside a JSON document
 *       carried as a string ({@code response.json-string-paths}).
 * </ul>
 *
 * The three pipelines run as one job (a statement set), so that Flink's command line and a job's
 * start are paid once; each test checks one table.
 */
class EndpointModelClusterIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final String CORP = "beisen-corp";
    private static final String JD_TENANT = "jd-promoter";
    private static final String JD_APP_KEY = "jd-cluster-key";
    private static final String JD_APP_SECRET = "jd-cluster-secret";
    private static final String TICKETS_APP_ID = "acme-cluster-app";
    private static final String TICKETS_APP_SECRET = "TicketSecret-cluster-0815";
    private static final String TRANSFORMER = "com.acme.tickets.UnwrapTicketEnvelope";
    private static final String SIGNER = "com.acme.tickets.SignTicketRequest";
    private static final DateTimeFormatter GMT8 =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private static final Path HOME =
            Path.of(System.getProperty("httpsync.e2e.home", "target/e2e"))
                    .toAbsolutePath()
                    .resolve("endpoint-model");

    private static Simulator sim;
    private static Directory beisen;
    private static JdUnionSim jd;
    private static TicketsApi tickets;
    private static EmbeddedPostgres postgres;
    private static String jdbcUrl;
    private static LocalFlinkCluster cluster;
    private static Thread stopOnExit;
    private static long jdStart;
    private static long jdEnd;

    /** The ticket pipeline (its tables and its insert), which also runs without the user's jar. */
    private static List<String> ticketStatements;

    /**
     * Starts the platforms, the database and the cluster, and runs one SQL job (a statement set)
     * that lands all three tables, so that Flink's command line and the job's start are paid once.
     */
    @BeforeAll
    static void runTheJobOnACluster() throws Exception {
        Files.createDirectories(HOME);
        sim = new Simulator(17);
        beisen =
                sim.add(BeisenSim::new)
                        .addTenant(
                                CORP,
                                new ContactsPlatformSim.Credentials("beisen-app", "beisen-secret"),
                                DirectorySpec.of(6, 40).multiDepartmentShare(0.3).seed(3));
        jd = sim.add(JdUnionSim::new);
        jd.addTenant(
                JD_TENANT,
                JdUnionSim.credentials(JD_APP_KEY, JD_APP_SECRET),
                DataSpec.of(300, 4 * HOUR).seed(9).timeResolutionMillis(1000));
        sim.start(0);
        long ticketsEnd = System.currentTimeMillis() - Duration.ofMinutes(5).toMillis();
        ticketsEnd -= ticketsEnd % 1000;
        long ticketsStart = ticketsEnd - 3 * HOUR;
        tickets = new TicketsApi(TICKETS_APP_ID, TICKETS_APP_SECRET, ticketsStart, ticketsEnd, 120);
        postgres = EmbeddedPostgres.builder().start();
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        execute(
                "CREATE TABLE beisen_members (department_id bigint, user_id bigint, name text,"
                        + " PRIMARY KEY (department_id, user_id))");
        execute("CREATE TABLE tickets (id text PRIMARY KEY, updated_at bigint, title text)");
        execute("CREATE TABLE jd_order_rows (id text PRIMARY KEY, modify_time text)");

        cluster =
                new LocalFlinkCluster(
                        ClusterEndToEndIT.artifact("httpsync.flink-local.script"),
                        HOME.resolve("cluster"));
        stopOnExit = new Thread(cluster::close); // a build killed meanwhile leaves no Flink JVMs
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        cluster.start(1, 2, SqlJobs.libs());

        ticketStatements = ticketStatements();
        List<String> lookup = listLookupStatements();
        List<String> jdUnion = jdUnionStatements();
        List<String> statements = new ArrayList<>();
        statements.add("ADD JAR '" + compileUserJar(HOME.resolve("user-jar")) + "';");
        // each pipeline's CREATE statements, then their INSERTs as one job
        for (List<String> pipeline : List.of(ticketStatements, lookup, jdUnion))
            statements.addAll(pipeline.subList(0, pipeline.size() - 1));
        statements.add("BEGIN STATEMENT SET;");
        for (List<String> pipeline : List.of(ticketStatements, lookup, jdUnion))
            statements.add(pipeline.get(pipeline.size() - 1));
        statements.add("END;");
        String job =
                cluster.submit(
                        Optional.empty(),
                        runnerArgs(script("endpoint-model", statements.toArray(String[]::new))));
        cluster.awaitFinished(job, JOB_TIMEOUT);
    }

    @AfterAll
    static void stopEverything() throws IOException {
        if (cluster != null) {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
        if (postgres != null) postgres.close();
        if (tickets != null) tickets.close();
        if (sim != null) sim.close();
    }

    @Test
    void aListLookupJoinFromTheSqlJarJoinsEveryEmployeeOfEachDepartmentAcrossPages()
            throws Exception {
        Directory.Snapshot truth = beisen.snapshot();
        TreeSet<String> expected = new TreeSet<>();
        for (Department d : truth.departments())
            for (Employee e : truth.members(d.id())) expected.add(d.id() + "/" + e.id());
        assertThat(truth.departments())
                .as("some department's employees span several pages of 5")
                .anyMatch(d -> truth.members(d.id()).size() > 5);

        TreeSet<String> landed = new TreeSet<>();
        query(
                "SELECT department_id, user_id FROM beisen_members",
                rs -> landed.add(rs.getLong(1) + "/" + rs.getLong(2)));
        assertThat(landed).isEqualTo(expected);
    }

    @Test
    void userClassesAddedWithAddJarSyncAQuirkyPlatformExactlyAndAreFoundNowhereElse()
            throws Exception {
        Map<String, String> landed = new TreeMap<>();
        query(
                "SELECT id, updated_at, title FROM tickets",
                rs -> landed.put(rs.getString(1), rs.getLong(2) + " " + rs.getString(3)));
        Map<String, String> truth = new TreeMap<>();
        tickets.truth().forEach(t -> truth.put(t.id(), t.updatedAt() + " " + t.title()));
        assertThat(landed).isEqualTo(truth);
        assertThat(tickets.refused()).as("requests the platform refused").isZero();

        // the same statements without ADD JAR: the cluster's class path (Flink's jars, its lib/
        // with the -sql jar) holds the classes nowhere, so they came from the user's jar
        int sentBefore = tickets.served() + tickets.refused();
        String refused =
                cluster.submitRefused(
                        runnerArgs(
                                script(
                                        "tickets-without-jar",
                                        ticketStatements.toArray(String[]::new))));
        assertThat(refused)
                .contains("cannot be loaded by the job's class loader")
                .containsAnyOf("class '" + TRANSFORMER + "'", "class '" + SIGNER + "'")
                .doesNotContain(TICKETS_APP_SECRET);
        assertThat(tickets.served() + tickets.refused()).as("requests sent").isEqualTo(sentBefore);
    }

    @Test
    void aPayloadCarriedAsAJsonStringIsSyncedFromTheSqlJarEqualToThePlatform() throws Exception {
        Map<String, Long> landed = new TreeMap<>();
        query(
                "SELECT id, modify_time FROM jd_order_rows",
                rs -> landed.put(rs.getString(1), gmt8(rs.getString(2))));
        GroundTruth truth = jd.groundTruth(JD_TENANT);
        Map<String, Long> expected = new TreeMap<>();
        for (GroundTruth.TruthRecord r : truth.live())
            if (r.updateTime() >= jdStart && r.updateTime() < jdEnd)
                expected.put(r.id(), r.updateTime());
        assertThat(expected).as("rows of the range").hasSizeGreaterThan(150);
        assertThat(landed).isEqualTo(expected);
    }

    // ------------------------------------------------------------------ the three pipelines

    /**
     * A Beisen-style department's employees as a list lookup table, a view of every department id,
     * the sink, and the join.
     */
    private static List<String> listLookupStatements() {
        Map<String, String> employees =
                BeisenOptions.employeesByDepartment(
                        sim.baseUrl(BeisenSim.NAME), "${tenant.lookup.departmentId}");
        employees.put("connector", "httpsync");
        employees.put("format", "json");
        employees.put("lookup.kind", "list");
        employees.put("lookup.cursor-expired-codes", "417");
        employees.put("tenants", CORP);
        employees.put("tenant." + CORP + ".app-key", "beisen-app");
        employees.put("tenant." + CORP + ".app-secret", "beisen-secret");
        return List.of(
                "CREATE TABLE employees (departmentId BIGINT, userID BIGINT, name STRING) "
                        + ClusterEndToEndIT.with(employees)
                        + ";",
                "CREATE TEMPORARY VIEW departments AS SELECT id, PROCTIME() AS proc FROM (VALUES "
                        + beisen.snapshot().departments().stream()
                                .map(d -> "(CAST(" + d.id() + " AS BIGINT))")
                                .collect(Collectors.joining(", "))
                        + ") AS t(id);",
                "CREATE TABLE pg_members (department_id BIGINT, user_id BIGINT, name STRING,"
                        + " PRIMARY KEY (department_id, user_id) NOT ENFORCED) "
                        + jdbcSink("beisen_members")
                        + ";",
                "INSERT INTO pg_members SELECT d.id, e.userID, e.name FROM departments AS d"
                        + " JOIN employees FOR SYSTEM_TIME AS OF d.proc AS e"
                        + " ON e.departmentId = d.id;");
    }

    /** The JD-Union-style order rows (the preset), the sink and the insert. */
    private static List<String> jdUnionStatements() {
        long now = sim.clock().now();
        jdStart = now - 3 * HOUR - 60_000;
        jdEnd = now - 2 * 60_000;
        Map<String, String> source =
                new LinkedHashMap<>(EndpointPresets.jdUnionOrderRows(sim.baseUrl("jdunion")));
        source.put("connector", "httpsync");
        source.put("format", "json");
        source.put("pagination.page-size", "40"); // several narrower windows per hour
        source.put("tenants", JD_TENANT);
        source.put("tenant." + JD_TENANT + ".app-key", JD_APP_KEY);
        source.put("tenant." + JD_TENANT + ".app-secret", JD_APP_SECRET);
        source.put("scan.mode", "bounded");
        source.put("scan.start", Instant.ofEpochMilli(jdStart).toString());
        source.put("scan.end", Instant.ofEpochMilli(jdEnd).toString());
        source.put("scan.window.step", "1 h");
        return List.of(
                "CREATE TABLE jd_rows (id STRING, orderId BIGINT, modifyTime STRING, validCode INT) "
                        + ClusterEndToEndIT.with(source)
                        + ";",
                "CREATE TABLE pg_jd_rows (id STRING, modify_time STRING,"
                        + " PRIMARY KEY (id) NOT ENFORCED) "
                        + jdbcSink("jd_order_rows")
                        + ";",
                "INSERT INTO pg_jd_rows SELECT id, modifyTime FROM jd_rows;");
    }

    /** The ticket platform's table (naming the user's classes), the sink and the insert. */
    private static List<String> ticketStatements() {
        Map<String, String> table = tickets.table();
        table.put("scan.exception-policy", "fail");
        return List.of(
                "CREATE TABLE acme_tickets (id STRING, updated_at BIGINT, title STRING) "
                        + ClusterEndToEndIT.with(table)
                        + ";",
                "CREATE TABLE pg_tickets (id STRING, updated_at BIGINT, title STRING,"
                        + " PRIMARY KEY (id) NOT ENFORCED) "
                        + jdbcSink("tickets")
                        + ";",
                "INSERT INTO pg_tickets SELECT id, updated_at, title FROM acme_tickets;");
    }

    // ------------------------------------------------------------------ the user's jar

    /**
     * The user's jar: the extension classes of docs/extending.md ({@code com.acme.tickets}),
     * compiled as a user would, against the {@code -sql} connector jar alone, and packed into a jar
     * of their own. They are on no class path of the cluster or of Flink's command line.
     */
    private static Path compileUserJar(Path dir) throws IOException {
        Path sources = Path.of(System.getProperty("httpsync.user-extension.sources"));
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--release",
                                "17",
                                "-proc:none",
                                "-nowarn",
                                "-classpath",
                                ClusterEndToEndIT.artifact("httpsync.sql.jar").toString(),
                                "-d",
                                classes.toString()));
        try (Stream<Path> files = Files.list(sources)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, args.toArray(String[]::new)))
                .as("javac %s", args)
                .isZero();
        Path jar = dir.resolve("acme-tickets.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, (OutputStream) out);
                out.closeEntry();
            }
        }
        return jar;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A script of {@code statements} in a file under this test's folder, run with parallelism 1.
     */
    private static Path script(String name, String... statements) throws IOException {
        return SqlJobs.script(HOME, name, 1, List.of(statements));
    }

    private static String[] runnerArgs(Path script) {
        return SqlJobs.runnerArgs(script);
    }

    private static String jdbcSink(String table) {
        return SqlJobs.jdbcSink(jdbcUrl, table);
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** One row of a result set. */
    private interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    private static void query(String sql, RowConsumer row) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) row.accept(rs);
        }
    }

    private static long gmt8(String text) {
        return LocalDateTime.parse(text, GMT8).toInstant(ZoneOffset.ofHours(8)).toEpochMilli();
    }
}
