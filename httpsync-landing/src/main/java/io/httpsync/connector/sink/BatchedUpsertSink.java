package io.httpsync.connector.sink;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.connector.jdbc.internal.JdbcOutputFormat;
import org.apache.flink.connector.jdbc.internal.JdbcOutputSerializer;
import org.apache.flink.connector.jdbc.internal.executor.JdbcBatchStatementExecutor;

import java.io.IOException;
import java.util.Properties;

/**
 * At-least-once JDBC sink of guarded upserts: flink-connector-jdbc's output format (batching by
 * size and interval, flushing before every checkpoint barrier, retries that reconnect) around a
 * {@link NewestPerKeyBatch}, on a connection whose driver rewrites batches into multi-row inserts
 * where that is safe ({@link #rewritingBatches}). What flink-connector-jdbc's {@code JdbcSink} does
 * at least once, without a committer (see {@link WriterOnlySink}), except that its batch keeps the
 * newest version per key, which rewritten batches need.
 *
 * <p>Thread contract: Flink calls the writer on the task thread; the output format's flush timer
 * flushes under the format's lock.
 */
@Internal
final class BatchedUpsertSink implements Sink<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final JdbcConnectionOptions connection;
    private final JdbcExecutionOptions execution;
    private final String sql;
    private final JdbcStatementBuilder<RawRecord> binder;

    BatchedUpsertSink(
            JdbcConnectionOptions connection,
            JdbcExecutionOptions execution,
            String sql,
            JdbcStatementBuilder<RawRecord> binder) {
        this.connection = connection;
        this.execution = execution;
        this.sql = sql;
        this.binder = binder;
    }

    /**
     * {@code connection} with the driver property that makes a batch of inserts one multi-row
     * statement, PostgreSQL's {@code reWriteBatchedInserts} (about half the database's work for the
     * guarded upsert), unless the URL or the properties already set it. MySQL/MariaDB connections
     * are left as they are: the MariaDB driver sends batches in its bulk protocol on its own, and
     * its {@code rewriteBatchedStatements} turns the guarded {@code INSERT ... ON DUPLICATE KEY
     * UPDATE} into a statement the server refuses (checked with MariaDB Connector/J 3.5.6).
     */
    static JdbcConnectionOptions rewritingBatches(
            JdbcConnectionOptions connection, SqlDialect dialect) {
        if (dialect != SqlDialect.POSTGRES) return connection;
        String property = "reWriteBatchedInserts";
        Properties properties = connection.getProperties();
        if (properties.containsKey(property)
                || connection.getDbURL().toLowerCase().contains(property.toLowerCase()))
            return connection;
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder builder =
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(connection.getDbURL())
                        .withConnectionCheckTimeoutSeconds(
                                connection.getConnectionCheckTimeoutSeconds());
        if (connection.getDriverName() != null) builder.withDriverName(connection.getDriverName());
        for (String name : properties.stringPropertyNames())
            builder.withProperty(name, properties.getProperty(name));
        return builder.withProperty(property, "true").build();
    }

    @Override
    public SinkWriter<RawRecord> createWriter(WriterInitContext context) throws IOException {
        JdbcOutputFormat<RawRecord, RawRecord, JdbcBatchStatementExecutor<RawRecord>> format =
                new JdbcOutputFormat<>(
                        new SimpleJdbcConnectionProvider(connection),
                        execution,
                        () -> new NewestPerKeyBatch(sql, binder));
        format.open(
                JdbcOutputSerializer.of(
                        context.createInputSerializer(), context.isObjectReuseEnabled()));
        return new SinkWriter<>() {
            @Override
            public void write(RawRecord record, Context ignored) throws IOException {
                format.writeRecord(record);
            }

            @Override
            public void flush(boolean endOfInput) throws IOException {
                format.flush();
            }

            @Override
            public void close() {
                format.close();
            }
        };
    }
}
