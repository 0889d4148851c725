package io.httpsync.connector.testutil;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import java.io.BufferedWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A main for a JVM that holds nothing but Flink's {@code lib/} and a connector jar ({@link
 * FlinkLib#startJvm}): runs SQL statements on a local MiniCluster and writes the rows of the last
 * one, a bounded query, to a file. It uses Flink's API alone, so that nothing else needs to be on
 * that class path.
 *
 * <p>Arguments: the rows file, the parallelism, then the statements, one per argument. Each row is
 * one line, its fields URL-encoded and separated by tabs ({@code null} is written as such).
 */
public final class SqlStatementsMain {
    private SqlStatementsMain() {}

    public static void main(String[] args) throws Exception {
        Path rowsFile = Path.of(args[0]);
        Configuration conf = Configuration.fromMap(Map.of("parallelism.default", args[1]));
        TableEnvironment tEnv =
                TableEnvironment.create(
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withConfiguration(conf)
                                .build());
        for (int i = 2; i < args.length - 1; i++) tEnv.executeSql(args[i]);
        try (CloseableIterator<Row> rows = tEnv.executeSql(args[args.length - 1]).collect();
                BufferedWriter out = Files.newBufferedWriter(rowsFile)) {
            while (rows.hasNext()) {
                Row row = rows.next();
                StringBuilder line = new StringBuilder();
                for (int f = 0; f < row.getArity(); f++) {
                    if (f > 0) line.append('\t');
                    line.append(
                            URLEncoder.encode(
                                    String.valueOf(row.getField(f)), StandardCharsets.UTF_8));
                }
                out.write(line.toString());
                out.newLine();
            }
        }
        // the job is done; threads that live as long as the JVM (shared HTTP and Redis clients)
        // must not keep it open
        System.exit(0);
    }
}
