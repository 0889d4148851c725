package io.httpsync.local;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs a SQL script on the cluster it is submitted to, for clusters without Flink's SQL client:
 * {@code flink run -d -c io.httpsync.local.SqlRunner httpsync-sql-runner.jar -f job.sql}.
 *
 * <p>The statements run in order in one streaming {@link TableEnvironment}, as the SQL client runs
 * them: {@code SET 'key' = 'value'} sets a configuration option for the statements after it (e.g.
 * {@code parallelism.default}, {@code execution.checkpointing.interval}, {@code pipeline.name}),
 * {@code RESET} is refused, every {@code INSERT} is submitted as its own job, and {@code BEGIN
 * STATEMENT SET; INSERT ...; INSERT ...; END;} submits its inserts as one job. Other statements
 * ({@code CREATE TABLE}, {@code CREATE VIEW}, ...) go to {@link TableEnvironment#executeSql}. The
 * runner carries no connector: connectors and formats come from the cluster's {@code lib/} folder.
 * It prints what each statement does ({@link SqlScript#summary}), never a statement's options: they
 * may hold secrets.
 */
@PublicEvolving
public final class SqlRunner {
    private SqlRunner() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !args[0].equals("-f")) {
            System.err.println(
                    "usage: flink run -c "
                            + SqlRunner.class.getName()
                            + " httpsync-sql-runner.jar -f <script.sql>");
            System.exit(2);
        }
        Path script = Path.of(args[1]);
        run(
                SqlScript.statements(Files.readString(script)),
                TableEnvironment.create(EnvironmentSettings.inStreamingMode()));
    }

    /**
     * Runs {@code statements} in {@code tEnv}, printing each statement's outcome; returns after
     * submitting the jobs.
     */
    static void run(List<String> statements, TableEnvironment tEnv) {
        StatementSet set = null;
        for (String statement : statements) {
            String head = statement.replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
            Optional<String[]> setting = SqlScript.setting(statement);
            if (setting.isPresent()) {
                tEnv.getConfig().set(setting.get()[0], setting.get()[1]);
                System.out.println("[INFO] set " + setting.get()[0]);
            } else if (head.startsWith("SET") || head.startsWith("RESET")) {
                throw new IllegalArgumentException(
                        "only SET 'key' = 'value' is supported, not: "
                                + SqlScript.summary(statement));
            } else if (head.equals("BEGIN STATEMENT SET")) {
                if (set != null)
                    throw new IllegalArgumentException(
                            "BEGIN STATEMENT SET inside a statement set");
                set = tEnv.createStatementSet();
            } else if (head.equals("END")) {
                if (set == null)
                    throw new IllegalArgumentException("END without BEGIN STATEMENT SET");
                submitted(set.execute(), "statement set");
                set = null;
            } else if (set != null) {
                if (!head.startsWith("INSERT"))
                    throw new IllegalArgumentException(
                            "a statement set holds INSERTs only, not: "
                                    + SqlScript.summary(statement));
                set.addInsertSql(statement);
            } else {
                TableResult result = tEnv.executeSql(statement);
                if (result.getJobClient().isPresent())
                    submitted(result, SqlScript.summary(statement));
                else System.out.println("[INFO] " + SqlScript.summary(statement));
            }
        }
        if (set != null) throw new IllegalArgumentException("BEGIN STATEMENT SET without END");
    }

    private static void submitted(TableResult result, String what) {
        System.out.println(
                "[INFO] submitted job "
                        + result.getJobClient().orElseThrow().getJobID()
                        + ": "
                        + what);
    }
}
