package io.httpsync.connector.sink;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Stores {@link ExceptionEvent}s in a table with their full context (endpoint, tenant, window, page
 * position, last HTTP status and platform code, kind, attempts, message, time), one row each, so
 * failures can be inspected and their windows re-synced. Append-only, at-least-once: a replay may
 * store an event twice, which is harmless for a log of failures (the window is re-synced once
 * either way).
 */
@PublicEvolving
public final class ExceptionEventJdbcSink {
    private static final String COLUMNS =
            "endpoint, tenant, window_start, window_end, position, http_status, platform_code, "
                    + "kind, attempts, message, event_time";

    private ExceptionEventJdbcSink() {}

    public static String createTable(SqlDialect dialect, String table) {
        String text = dialect == SqlDialect.MYSQL ? "varchar(191)" : "text";
        String longText = dialect == SqlDialect.MYSQL ? "longtext" : "text";
        return "CREATE TABLE IF NOT EXISTS "
                + SqlDialect.checkedIdentifier(table)
                + " (endpoint "
                + text
                + " NOT NULL, tenant "
                + text
                + " NOT NULL, window_start bigint NOT NULL, window_end bigint NOT NULL, position "
                + longText
                + ", http_status int NOT NULL, platform_code "
                + text
                + ", kind "
                + text
                + " NOT NULL, attempts int NOT NULL, message "
                + longText
                + ", event_time bigint NOT NULL)"
                + dialect.tableOptions();
    }

    public static Sink<ExceptionEvent> insertInto(String table, JdbcConnectionOptions connection) {
        return WriterOnlySink.of(
                JdbcSink.<ExceptionEvent>builder()
                        .withQueryStatement(insert(table), ExceptionEventJdbcSink::bind)
                        .withExecutionOptions(
                                JdbcExecutionOptions.builder()
                                        .withBatchSize(100)
                                        .withBatchIntervalMs(200)
                                        .withMaxRetries(3)
                                        .build())
                        .buildAtLeastOnce(connection));
    }

    /** Stores events outside a Flink job, e.g. a {@link DeletionMarker} refusal. */
    public static void insert(Connection connection, String table, Iterable<ExceptionEvent> events)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(insert(table))) {
            for (ExceptionEvent e : events) {
                bind(ps, e);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static String insert(String table) {
        return "INSERT INTO "
                + SqlDialect.checkedIdentifier(table)
                + " ("
                + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    }

    private static void bind(PreparedStatement ps, ExceptionEvent e) throws SQLException {
        ps.setString(1, e.endpoint());
        ps.setString(2, e.tenantId());
        ps.setLong(3, e.windowStart());
        ps.setLong(4, e.windowEnd());
        ps.setString(5, e.position());
        ps.setInt(6, e.httpStatus());
        if (e.platformCode() == null) ps.setNull(7, Types.VARCHAR);
        else ps.setString(7, e.platformCode());
        ps.setString(8, e.kind().name());
        ps.setInt(9, e.attempts());
        ps.setString(10, e.message());
        ps.setLong(11, e.timeMillis());
    }
}
