package io.httpsync.connector.sink;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

/**
 * Shorthand for {@link JdbcRecordSink} with {@link SqlDialect#POSTGRES}: the guarded upsert of
 * {@link RawRecord}s into a PostgreSQL table created by {@link #createTable}.
 */
@PublicEvolving
public final class PostgresRecordSink {
    private PostgresRecordSink() {}

    public static String createTable(String table) {
        return SqlDialect.POSTGRES.createRecordTable(table);
    }

    public static Sink<RawRecord> upsertInto(String table, JdbcConnectionOptions connection) {
        return JdbcRecordSink.builder(SqlDialect.POSTGRES, table).build(connection);
    }
}
