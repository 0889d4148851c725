package io.httpsync.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * SQL jobs as a user submits them to the cluster of {@code deploy/local/flink-local.sh}: the jars a
 * SQL job writing PostgreSQL needs in the cluster's lib/, scripts of statements, and the SQL
 * runner's (or the job jar's) arguments for Flink's command line.
 */
final class SqlJobs {
    private SqlJobs() {}

    /**
     * What a user adds to lib/ for SQL jobs landing in PostgreSQL: the {@code -sql} connector jar,
     * Flink's JDBC connector and the PostgreSQL driver.
     */
    static List<Path> libs() throws IOException {
        List<Path> libs = new ArrayList<>();
        libs.add(ClusterEndToEndIT.artifact("httpsync.sql.jar"));
        try (Stream<Path> jdbc = Files.list(ClusterEndToEndIT.artifact("httpsync.sql-job-lib"))) {
            libs.addAll(jdbc.toList());
        }
        return libs;
    }

    /**
     * A script {@code <dir>/<name>.sql}: the job named after {@code name}, run with {@code
     * parallelism}, then {@code statements}.
     */
    static Path script(Path dir, String name, int parallelism, List<String> statements)
            throws IOException {
        Path file = dir.resolve(name + ".sql");
        List<String> lines = new ArrayList<>();
        lines.add("SET 'pipeline.name' = 'httpsync e2e " + name + "';");
        lines.add("SET 'parallelism.default' = '" + parallelism + "';");
        lines.addAll(statements);
        Files.writeString(file, String.join("\n", lines));
        return file;
    }

    /** The arguments of {@code flink run} that run {@code script} with the SQL runner. */
    static String[] runnerArgs(Path script) {
        return new String[] {
            "-c",
            "io.httpsync.local.SqlRunner",
            ClusterEndToEndIT.artifact("httpsync.sql-runner.jar").toString(),
            "-f",
            script.toString()
        };
    }

    /**
     * The arguments of {@code flink run} that run the job jar's command line ({@code HttpSyncCli})
     * with {@code command}, e.g. {@code run --config <file>}.
     */
    static String[] jobJarArgs(String... command) {
        List<String> args = new ArrayList<>();
        args.add("-c");
        args.add("io.httpsync.jobs.HttpSyncCli");
        args.add(ClusterEndToEndIT.artifact("httpsync.job.jar").toString());
        args.addAll(List.of(command));
        return args.toArray(String[]::new);
    }

    /** The {@code WITH} clause of a JDBC table {@code table} of the database at {@code jdbcUrl}. */
    static String jdbcSink(String jdbcUrl, String table) {
        return ClusterEndToEndIT.with(
                Map.of(
                        "connector", "jdbc",
                        "url", jdbcUrl,
                        "table-name", table,
                        "username", "postgres",
                        "password", ""));
    }
}
