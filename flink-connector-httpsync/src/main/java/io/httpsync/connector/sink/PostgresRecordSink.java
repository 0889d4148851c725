package io.httpsync.connector.sink;

import io.httpsync.connector.source.RawRecord;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.util.regex.Pattern;

/**
 * Lands {@link RawRecord}s in a PostgreSQL table through flink-connector-jdbc: one row per (tenant, id), upserted,
 * and guarded so that an older version never overwrites a newer one (the update times are compared inside the
 * statement, so the guard holds whatever order batches arrive in).
 *
 * <p>Table: {@code (tenant text, id text, update_time bigint, window_start bigint, payload jsonb, synced_at timestamptz,
 * primary key (tenant, id))}.
 */
public final class PostgresRecordSink {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private PostgresRecordSink() {}

    public static String createTable(String table) {
        return "CREATE TABLE IF NOT EXISTS " + checked(table) + " (tenant text NOT NULL, id text NOT NULL, update_time bigint NOT NULL, "
                + "window_start bigint NOT NULL, payload jsonb NOT NULL, synced_at timestamptz NOT NULL DEFAULT now(), "
                + "PRIMARY KEY (tenant, id))";
    }

    static String upsert(String table) {
        String t = checked(table);
        return "INSERT INTO " + t + " (tenant, id, update_time, window_start, payload, synced_at) VALUES (?, ?, ?, ?, ?::jsonb, now()) "
                + "ON CONFLICT (tenant, id) DO UPDATE SET update_time = EXCLUDED.update_time, window_start = EXCLUDED.window_start, "
                + "payload = EXCLUDED.payload, synced_at = EXCLUDED.synced_at "
                + "WHERE " + t + ".update_time <= EXCLUDED.update_time";
    }

    public static JdbcSink<RawRecord> upsertInto(String table, JdbcConnectionOptions connection) {
        return JdbcSink.<RawRecord>builder()
                .withQueryStatement(upsert(table), (ps, r) -> {
                    ps.setString(1, r.tenant);
                    ps.setString(2, r.id);
                    ps.setLong(3, r.updateTime);
                    ps.setLong(4, r.windowStart);
                    ps.setString(5, r.json);
                })
                .withExecutionOptions(JdbcExecutionOptions.builder().withBatchSize(500).withBatchIntervalMs(200).withMaxRetries(3).build())
                .buildAtLeastOnce(connection);
    }

    private static String checked(String table) {
        if (!IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("table name '" + table + "' must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)");
        }
        return table;
    }
}
