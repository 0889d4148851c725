package io.httpsync.e2e;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One cluster of {@code deploy/local/flink-local.sh} (a JobManager and two TaskManagers of one slot
 * each, every one its own JVM) shared by the IT classes that run continuous SQL and config-file
 * jobs, each test its own job: a cluster start costs tens of seconds on a loaded machine. Its lib/
 * holds what a user adds for such jobs: the {@code -sql} jar, Flink's JDBC connector and the
 * PostgreSQL driver, Flink's Kafka connector and client (upsert-kafka), and httpsync-landing's jar
 * (the tenant registry). Started by the first class that registers it ({@code @RegisterExtension
 * static}), stopped when the whole run ends (JUnit's root store), or by a shutdown hook if the
 * build is killed.
 *
 * <p>Thread contract: JUnit calls it from its thread only; {@link #cluster()} may be read from the
 * test's thread after {@code beforeAll}.
 */
final class SharedSqlCluster implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SharedSqlCluster.class);

    static final Path HOME =
            Path.of(System.getProperty("httpsync.e2e.home", "target/e2e"))
                    .toAbsolutePath()
                    .resolve("sql-cluster");

    private LocalFlinkCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster =
                context.getRoot()
                        .getStore(NAMESPACE)
                        .getOrComputeIfAbsent("cluster", k -> start(), Running.class)
                        .cluster();
    }

    LocalFlinkCluster cluster() {
        return cluster;
    }

    /**
     * The started cluster, stopped (with its shutdown hook removed) when the run's store closes.
     */
    private record Running(LocalFlinkCluster cluster, Thread stopOnExit)
            implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
    }

    private static Running start() {
        try {
            Files.createDirectories(HOME);
            LocalFlinkCluster cluster =
                    new LocalFlinkCluster(
                            ClusterEndToEndIT.artifact("httpsync.flink-local.script"),
                            HOME.resolve("cluster"));
            // a build killed meanwhile leaves no Flink JVMs
            Thread stopOnExit = new Thread(cluster::close);
            Runtime.getRuntime().addShutdownHook(stopOnExit);
            List<Path> libs = new ArrayList<>(SqlJobs.libs());
            try (Stream<Path> kafka =
                    Files.list(ClusterEndToEndIT.artifact("httpsync.kafka-job-lib"))) {
                libs.addAll(kafka.toList());
            }
            libs.add(ClusterEndToEndIT.artifact("httpsync.landing.jar"));
            cluster.start(2, 1, libs);
            return new Running(cluster, stopOnExit);
        } catch (IOException e) {
            throw new IllegalStateException("the shared SQL cluster did not start", e);
        }
    }
}
