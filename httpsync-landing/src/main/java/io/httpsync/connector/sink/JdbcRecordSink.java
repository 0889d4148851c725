package io.httpsync.connector.sink;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

import javax.annotation.Nullable;

import java.sql.Types;
import java.time.Duration;

/**
 * Lands {@link RawRecord}s in a PostgreSQL or MySQL/MariaDB table through flink-connector-jdbc's
 * batching output format (at least once, like its {@code JdbcSink}, without a committer): one row
 * per (tenant, id), batched, upserted with the {@link SqlDialect guard} that keeps the newest
 * version and writes nothing for an unchanged one. A batch holds the newest version per key only
 * and goes to PostgreSQL as multi-row inserts ({@code reWriteBatchedInserts}, set on the connection
 * unless it sets it itself; MariaDB's driver sends batches in its bulk protocol anyway); the
 * content hash is the one the record carries ({@link RawRecord#contentHash()}), not computed again.
 * At-least-once: a replay after a failure re-sends batches, which the guard makes harmless.
 *
 * <pre>{@code
 * connection = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder().withUrl(url).withDriverName(driver)...build();
 * records.sinkTo(JdbcRecordSink.builder(SqlDialect.MYSQL, "orders").build(connection)).uid("orders-mysql");
 * }</pre>
 *
 * In a full pass ({@link #setPassId}), every row written carries the pass id, which {@link
 * DeletionMarker} uses to find the rows the pass did not see. A snapshot sink ({@link
 * SnapshotTable#sink}) writes into the pass's own snapshot instead, one row per (pass, tenant, id),
 * never touching another pass's rows.
 */
@PublicEvolving
public final class JdbcRecordSink {
    private final SqlDialect dialect;
    private final String table;
    private final boolean snapshot;
    @Nullable private String passId;
    private int batchSize = 500;
    private Duration batchInterval = Duration.ofMillis(200);
    private int maxRetries = 3;

    private JdbcRecordSink(SqlDialect dialect, String table, boolean snapshot) {
        this.dialect = dialect;
        this.table = SqlDialect.checkedIdentifier(table);
        this.snapshot = snapshot;
    }

    /** Upserts into a record table ({@link SqlDialect#createRecordTable}). */
    public static JdbcRecordSink builder(SqlDialect dialect, String table) {
        return new JdbcRecordSink(dialect, table, false);
    }

    /**
     * Writes into the snapshot of one pass ({@link SqlDialect#createSnapshotTable}); needs {@link
     * #setPassId}.
     */
    static JdbcRecordSink snapshotBuilder(SqlDialect dialect, String table) {
        return new JdbcRecordSink(dialect, table, true);
    }

    /** Stamp every row written with this full pass's id. */
    public JdbcRecordSink setPassId(String passId) {
        if (passId == null || passId.isBlank())
            throw new IllegalArgumentException("pass id must not be blank");
        this.passId = passId;
        return this;
    }

    /** Rows per batch (default 500) and the longest a row waits for its batch (default 200 ms). */
    public JdbcRecordSink setBatching(int batchSize, Duration interval) {
        if (batchSize < 1)
            throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
        this.batchSize = batchSize;
        this.batchInterval = interval;
        return this;
    }

    public JdbcRecordSink setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
        return this;
    }

    /**
     * Binds a record to the parameters of {@link SqlDialect#upsertRecord} (and of {@link
     * SqlDialect#insertSnapshotRecord}), with the record's carried content hash: for a JDBC sink or
     * statement of your own.
     *
     * @param pass the full pass to stamp on the row, or null
     */
    public static JdbcStatementBuilder<RawRecord> binder(@Nullable String pass) {
        return (ps, r) -> {
            ps.setString(1, r.tenant);
            ps.setString(2, r.id);
            ps.setLong(3, r.updateTime);
            ps.setLong(4, r.windowStart);
            ps.setString(5, r.json);
            ps.setLong(6, r.contentHash());
            if (pass == null) ps.setNull(7, Types.VARCHAR);
            else ps.setString(7, pass);
        };
    }

    public Sink<RawRecord> build(JdbcConnectionOptions connection) {
        String pass = passId;
        if (snapshot && pass == null) {
            throw new IllegalStateException(
                    "a snapshot sink into table " + table + " needs the pass id: call setPassId");
        }
        return new BatchedUpsertSink(
                BatchedUpsertSink.rewritingBatches(connection, dialect),
                JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(batchInterval.toMillis())
                        .withMaxRetries(maxRetries)
                        .build(),
                snapshot ? dialect.insertSnapshotRecord(table) : dialect.upsertRecord(table),
                binder(pass));
    }
}
