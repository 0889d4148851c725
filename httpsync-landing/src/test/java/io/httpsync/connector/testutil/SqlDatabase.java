package io.httpsync.connector.testutil;

import io.httpsync.connector.sink.SqlDialect;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** A real database server a test lands records in; the same tests run against each dialect. */
public interface SqlDatabase {
    SqlDialect dialect();

    JdbcConnectionOptions connectionOptions();

    Connection connect() throws SQLException;

    default void execute(String sql) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    default long single(String sql) throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Writes one row through the record table's own guarded upsert, as a sync (stamping {@code
     * passId}, if not null) would have landed it; the content hash is derived from the payload.
     */
    default void upsertRecord(
            String table,
            String tenant,
            String id,
            long updateTime,
            String payload,
            @Nullable String passId)
            throws SQLException {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(dialect().upsertRecord(table))) {
            ps.setString(1, tenant);
            ps.setString(2, id);
            ps.setLong(3, updateTime);
            ps.setLong(4, 0);
            ps.setString(5, payload);
            ps.setLong(6, payload.hashCode());
            ps.setString(7, passId);
            ps.executeUpdate();
        }
    }

    /** id -> one column (as text) of every row of a tenant matching {@code condition}. */
    default Map<String, String> column(String table, String column, String tenant, String condition)
            throws SQLException {
        Map<String, String> out = new HashMap<>();
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT id, "
                                        + column
                                        + " FROM "
                                        + table
                                        + " WHERE tenant = '"
                                        + tenant.replace("'", "''")
                                        + "' AND "
                                        + condition)) {
            while (rs.next()) out.put(rs.getString(1), rs.getString(2));
        }
        return out;
    }

    /** id -> update_time of every row of a tenant in a record table. */
    default Map<String, Long> updateTimes(String table, String tenant) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        column(table, "update_time", tenant, "1 = 1")
                .forEach((id, time) -> out.put(id, Long.parseLong(time)));
        return out;
    }
}
