package io.httpsync.connector.table;

import io.httpsync.connector.testutil.FlinkLib;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.RedisExtension;
import io.httpsync.connector.testutil.SqlStatementsMain;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SQL connector jar built in {@code package} runs as it runs on a cluster, with nothing beside
 * it but what a Flink distribution's {@code lib/} holds ({@link FlinkLib}): a bounded SQL job in a
 * JVM of its own whose class path is just that, reads the simulator's Kuaishou orders, and the rows
 * it collects equal the simulator's ground truth, with the local rate limiter and with the Redis
 * one. The connector and every library it relocates (async-http-client, Netty, Jackson, Bucket4j,
 * Lettuce, Reactor) can only come from the jar, so whatever relocation breaks (a resource, a
 * service file, a library left out) fails here as it would on a cluster.
 *
 * <p>The job runs in its own JVM rather than in a class loader of this one: a job without jars of
 * its own gets the system class loader on the JobManager, which here would be the test's class
 * path.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SqlConnectorJarJobIT {
    @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
    private static final String SHADED = "io.httpsync.shaded.";

    /** The commands Bucket4j's compare-and-swap updates a bucket with: EVAL (SET for a new one). */
    private static final Set<String> BUCKET_UPDATES = Set.of("eval", "evalsha", "set");

    private static Path jar;
    private static KuaishouSimulatorFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        jar =
                Path.of(
                        System.getProperty(
                                "httpsync.sql.jar",
                                "target/flink-connector-httpsync-0.1.0-SNAPSHOT-sql.jar"));
        assertThat(jar).as("the SQL connector jar; build it with 'mvn package'").exists();
        fixture = new KuaishouSimulatorFixture(300);
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) fixture.close();
    }

    @Test
    void withFlinkLibTheJarProvidesTheConnectorAndOnlyRelocatedLibraries() throws Exception {
        try (URLClassLoader lib = FlinkLib.classLoaderWith(jar)) {
            assertThat(origin(lib, HttpSyncDynamicTableFactory.class.getName()))
                    .isEqualTo(jar.toUri());
            assertThat(origin(lib, "org.apache.flink.table.api.TableEnvironment"))
                    .as("Flink's lib/")
                    .isNotEqualTo(jar.toUri());
            for (String library :
                    List.of(
                            "org.asynchttpclient.Dsl",
                            "io.netty.channel.Channel",
                            "com.fasterxml.jackson.databind.ObjectMapper",
                            "io.github.bucket4j.Bucket",
                            "io.lettuce.core.RedisClient",
                            "reactor.core.publisher.Mono",
                            "org.reactivestreams.Publisher")) {
                assertThatThrownBy(() -> Class.forName(library, false, lib))
                        .as(library)
                        .isInstanceOf(ClassNotFoundException.class);
                assertThat(origin(lib, SHADED + library)).isEqualTo(jar.toUri());
            }
        }
    }

    @Test
    void relocatedHttpClientReadsItsRelocatedDefaults() throws Exception {
        try (URLClassLoader lib = FlinkLib.classLoaderWith(jar)) {
            // the call that failed with "NumberFormatException: Cannot parse null string" before
            // the defaults were relocated
            Object builder =
                    Class.forName(SHADED + "org.asynchttpclient.Dsl", true, lib)
                            .getMethod("config")
                            .invoke(null);
            Object config = builder.getClass().getMethod("build").invoke(builder);
            Class<?> type =
                    Class.forName(SHADED + "org.asynchttpclient.AsyncHttpClientConfig", false, lib);
            // async-http-client's defaults file: maxRedirects=5, connectTimeout=PT5S
            assertThat(type.getMethod("getMaxRedirects").invoke(config)).isEqualTo(5);
            assertThat(type.getMethod("getConnectTimeout").invoke(config))
                    .isEqualTo(Duration.ofSeconds(5));
        }
    }

    @Test
    void boundedSqlJobFromTheJarReadsExactlyTheOrdersOfTheWindow() throws Exception {
        assertReadsGroundTruth(new HashMap<>());
    }

    @Test
    void redisBackendFromTheJarTakesEveryPermitFromRedisAndReadsExactlyTheOrders()
            throws Exception {
        Map<String, String> options = new HashMap<>();
        options.put("rate-limit.backend", "redis");
        options.put("rate-limit.redis.uri", REDIS.uri());
        options.put("rate-limit.namespace", "sql-jar-it");
        long servedBefore = listRequestsServed();
        long bucketUpdatesBefore = REDIS.calls(BUCKET_UPDATES);

        assertReadsGroundTruth(options);

        long served = listRequestsServed() - servedBefore;
        assertThat(served).isPositive();
        // each request takes its permit from a bucket in Redis: Bucket4j reads the bucket, then
        // swaps it
        assertThat(REDIS.calls(BUCKET_UPDATES) - bucketUpdatesBefore)
                .as("bucket updates in Redis")
                .isGreaterThanOrEqualTo(served);
    }

    /**
     * A bounded SQL job over the last week, run from the jar with {@code extraOptions}, collects
     * the ground truth.
     */
    private static void assertReadsGroundTruth(Map<String, String> extraOptions) throws Exception {
        long now = fixture.sim.clock().now();
        long start = now - 7 * DAY;
        long end = now - TimeUnit.MINUTES.toMillis(1);
        Map<String, String> options = SqlTables.kuaishouOrders(fixture, start, end);
        options.putAll(extraOptions);
        Map<Long, String> expected = fixture.truthOrderRows(start, end);
        assertThat(expected).hasSizeGreaterThan(100);

        List<List<String>> rows =
                runInFlinkLibJvm(
                        "CREATE TABLE orders (oid BIGINT, status INT, updateTime BIGINT, totalFee BIGINT, buyerNick STRING,"
                                + " tenant STRING METADATA VIRTUAL) "
                                + SqlTables.with(options),
                        "SELECT oid, status, updateTime, totalFee, buyerNick, tenant FROM orders");
        Map<Long, String> read = new HashMap<>();
        List<Long> oids = new ArrayList<>();
        for (List<String> r : rows) {
            long oid = Long.parseLong(r.get(0));
            oids.add(oid);
            read.put(
                    oid,
                    KuaishouSimulatorFixture.orderRow(
                            r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)));
        }
        assertThat(read).isEqualTo(expected);
        assertThat(oids)
                .as("each order read once (nothing changed while it ran)")
                .doesNotHaveDuplicates();
    }

    /**
     * Runs {@link SqlStatementsMain} with {@code statements} in a JVM of Flink's lib/ and the jar:
     * the last one's rows.
     */
    private static List<List<String>> runInFlinkLibJvm(String... statements) throws Exception {
        Path dir = Files.createTempDirectory("sql-jar-job");
        Path rowsFile = dir.resolve("rows.tsv");
        Path log = dir.resolve("jvm.log");
        List<String> args = new ArrayList<>(List.of(rowsFile.toString(), "2"));
        args.addAll(List.of(statements));
        Process jvm = FlinkLib.startJvm(jar, SqlStatementsMain.class, args, log);
        try {
            boolean ended = jvm.waitFor(3, TimeUnit.MINUTES);
            assertThat(ended && jvm.exitValue() == 0)
                    .as("the job's JVM ended well; its output:%n%s", tail(log))
                    .isTrue();
        } finally {
            jvm.destroyForcibly();
        }
        List<List<String>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(rowsFile)) {
            rows.add(
                    Arrays.stream(line.split("\t", -1))
                            .map(f -> URLDecoder.decode(f, StandardCharsets.UTF_8))
                            .toList());
        }
        return rows;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join(
                System.lineSeparator(),
                lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    private static URI origin(ClassLoader loader, String className) throws Exception {
        return Class.forName(className, false, loader)
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI();
    }

    private static long listRequestsServed() {
        return fixture.sim.accounting().endpoint("kuaishou/" + KuaishouSim.ORDER_LIST).served();
    }
}
