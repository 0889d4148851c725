package io.httpsync.connector.sink;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.internal.executor.JdbcBatchStatementExecutor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch of guarded upserts that holds one version per (tenant, record id): the newest by update
 * time, and of two with the same update time the later one (platforms change content without
 * touching the update time, and the table's guard takes that one too). The table would end the same
 * either way; what this buys is that a driver may rewrite the batch into one multi-row {@code
 * INSERT} (PostgreSQL's {@code reWriteBatchedInserts}), which PostgreSQL refuses when two rows of
 * it update the same row ({@code ON CONFLICT DO UPDATE command cannot affect row a second time}),
 * and that no row is written twice in a batch.
 *
 * <p>Like flink-connector-jdbc's own simple executor it keeps the records until {@link
 * #executeBatch} succeeds, so the output format's retry (after reconnecting) binds them again.
 *
 * <p>A batch is one transaction: the connection leaves auto-commit, and {@link #executeBatch}
 * commits once (or rolls back, so that the retry starts clean). In auto-commit MariaDB's driver
 * sends the batch as one statement per row, each committed and flushed to disk on its own (seen in
 * the server's counters: a commit and nearly an fsync per row, 1.3 to 2.9 thousand rows/s); one
 * commit per batch also means a failed batch leaves none of its rows behind.
 *
 * <p>Thread contract: not thread-safe; flink-connector-jdbc's output format calls it under its own
 * lock (from the task thread, or its flush timer).
 */
@Internal
final class NewestPerKeyBatch implements JdbcBatchStatementExecutor<RawRecord> {
    private final String sql;
    private final JdbcStatementBuilder<RawRecord> binder;
    private final Map<String, RawRecord> batch = new LinkedHashMap<>();
    private transient PreparedStatement statement;
    private transient Connection connection;

    NewestPerKeyBatch(String sql, JdbcStatementBuilder<RawRecord> binder) {
        this.sql = sql;
        this.binder = binder;
    }

    @Override
    public void prepareStatements(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        this.connection = connection;
        statement = connection.prepareStatement(sql);
    }

    @Override
    public void addToBatch(RawRecord record) {
        batch.merge(
                record.tenant + '\u001f' + record.id,
                record,
                (held, next) -> next.updateTime >= held.updateTime ? next : held);
    }

    @Override
    public void executeBatch() throws SQLException {
        if (batch.isEmpty()) return;
        for (RawRecord record : batch.values()) {
            binder.accept(statement, record);
            statement.addBatch();
        }
        try {
            statement.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            statement.clearBatch();
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                // the connection is likely gone: the output format reconnects before its retry
                e.addSuppressed(rollback);
            }
            throw e;
        }
        batch.clear();
    }

    @Override
    public void closeStatements() throws SQLException {
        if (statement != null) {
            statement.close();
            statement = null;
        }
    }

    /** The versions held for the next batch, in arrival order of their keys. */
    Collection<RawRecord> pending() {
        return batch.values();
    }
}
