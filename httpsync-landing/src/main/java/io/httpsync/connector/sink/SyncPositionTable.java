package io.httpsync.connector.sink;

import io.httpsync.connector.source.HttpSyncSourceBuilder;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.TenantPosition;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A table that holds each tenant's sync position, so that anyone with access to the database can
 * see how far a job has synced. One row per (stream, tenant):
 *
 * <pre>
 * stream      the stream's name (a config-file job's source.name)      part of the primary key
 * tenant      the tenant id                                            part of the primary key
 * position    epoch millis: every record of the tenant updated before it is in the job's sinks
 * updated_at  when the job last moved the position (database time)
 * </pre>
 *
 * The positions come from the source ({@link HttpSyncSourceBuilder#setEmitTenantPositions}, split
 * off to {@link HttpSyncStreams#TENANT_POSITIONS}), which emits a position only once the checkpoint
 * that covers it has completed, so the sinks that flush on checkpoints already hold the records it
 * promises:
 *
 * <pre>{@code
 * SyncPositionTable positions = new SyncPositionTable(SqlDialect.POSTGRES, "sync_positions");
 * positions.create(connection);
 * positions.write(records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS), "orders", jdbcConnectionOptions);
 * }</pre>
 *
 * The upsert only moves a position forward: each reader emits it (up to parallelism times), a
 * replay after a failure repeats it, and a job restored from an older savepoint starts behind it;
 * none of these sets it back. (The older savepoint's job re-reads the records in between and the
 * record tables' guard keeps their newest versions, so the stored position stays true.)
 */
@PublicEvolving
public final class SyncPositionTable {
    private final SqlDialect dialect;
    private final String table;

    public SyncPositionTable(SqlDialect dialect, String table) {
        this.dialect = dialect;
        this.table = SqlDialect.checkedIdentifier(table);
    }

    public String table() {
        return table;
    }

    /** {@code CREATE TABLE IF NOT EXISTS} for the table. */
    public String createTable() {
        return "CREATE TABLE IF NOT EXISTS "
                + table
                + " (stream "
                + dialect.keyType()
                + " NOT NULL, tenant "
                + dialect.keyType()
                + " NOT NULL, position bigint NOT NULL, updated_at "
                + dialect.timestampType()
                + ", PRIMARY KEY (stream, tenant))"
                + dialect.tableOptions();
    }

    /** Creates the table if it does not exist. */
    public void create(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(createTable());
        }
    }

    /** The upsert that only moves a position forward; parameters: stream, tenant, position. */
    String upsert() {
        String forward = dialect.incoming("position") + " > " + dialect.current(table, "position");
        // MySQL assigns left to right: updated_at is decided before position changes
        return "INSERT INTO "
                + table
                + " (stream, tenant, position, updated_at) VALUES (?, ?, ?, "
                + dialect.now()
                + ")"
                + dialect.onConflict(
                        "stream, tenant",
                        List.of(
                                dialect.assign(table, "updated_at", forward),
                                dialect.assign(table, "position", forward)),
                        forward);
    }

    /**
     * A sink of {@code stream}'s tenant positions into the table (at least once, batched for 200
     * ms).
     */
    public Sink<TenantPosition> sink(String stream, JdbcConnectionOptions connection) {
        String upsert = upsert();
        return WriterOnlySink.of(
                JdbcSink.<TenantPosition>builder()
                        .withQueryStatement(
                                upsert,
                                (ps, p) -> {
                                    ps.setString(1, stream);
                                    ps.setString(2, p.tenant());
                                    ps.setLong(3, p.positionMillis());
                                })
                        .withExecutionOptions(
                                JdbcExecutionOptions.builder()
                                        .withBatchSize(100)
                                        .withBatchIntervalMs(200)
                                        .withMaxRetries(3)
                                        .build())
                        .buildAtLeastOnce(connection));
    }

    /**
     * Writes {@code positions} (the source's {@link HttpSyncStreams#TENANT_POSITIONS}) into the
     * table as {@code stream}'s, from one task; uid {@code <stream>-positions-jdbc}.
     */
    public DataStreamSink<TenantPosition> write(
            DataStream<TenantPosition> positions, String stream, JdbcConnectionOptions connection) {
        return positions
                .sinkTo(sink(stream, connection))
                .uid(stream + "-positions-jdbc")
                .name(stream + " positions -> " + table)
                .setParallelism(1);
    }

    /** Stores one position outside a job, under the same rule (only forward). */
    public void write(Connection connection, String stream, String tenant, long positionMillis)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(upsert())) {
            ps.setString(1, stream);
            ps.setString(2, tenant);
            ps.setLong(3, positionMillis);
            ps.executeUpdate();
        }
    }

    /** {@code stream}'s positions by tenant (none for a tenant whose position never advanced). */
    public Map<String, Long> read(Connection connection, String stream) throws SQLException {
        Map<String, Long> positions = new TreeMap<>();
        try (PreparedStatement ps =
                connection.prepareStatement(
                        "SELECT tenant, position FROM " + table + " WHERE stream = ?")) {
            ps.setString(1, stream);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) positions.put(rs.getString(1), rs.getLong(2));
            }
        }
        return positions;
    }
}
