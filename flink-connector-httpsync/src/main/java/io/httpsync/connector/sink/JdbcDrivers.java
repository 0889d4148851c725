package io.httpsync.connector.sink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.util.UserCodeClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;

/**
 * Deregisters the JDBC drivers of a job's class loader when Flink releases it.
 *
 * <p><b>Why.</b> A JDBC driver registers itself with {@link DriverManager} when its class is loaded, and
 * {@code DriverManager} lives in the JVM's own class loader for ever. A driver shipped in a job jar (the httpsync job
 * jar carries PostgreSQL's and MariaDB's) therefore keeps the job's class loader, and every class of the job, alive in
 * a session cluster's TaskManager after the job ended: each submission of the job leaked a few thousand classes. Flink
 * runs release hooks when it drops a job's class loader; this one hands the drivers back.
 *
 * <p>Thread-safe: the hook runs once, on the thread that releases the class loader.
 */
@Internal
public final class JdbcDrivers {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcDrivers.class);
    private static final String HOOK = "httpsync-deregister-jdbc-drivers";

    private JdbcDrivers() {}

    /** Registers (once per class loader) the hook that deregisters the drivers loaded by {@code loader}. */
    public static void deregisterOnRelease(UserCodeClassLoader loader) {
        ClassLoader jobLoader = loader.asClassLoader();
        loader.registerReleaseHookIfAbsent(HOOK, () -> {
            int count = deregisterLoadedBy(jobLoader);
            if (count > 0) LOG.info("The job ended: deregistered its {} JDBC driver(s), so that its classes can be unloaded", count);
        });
    }

    /** Deregisters every registered driver whose class was loaded by {@code jobLoader} or a loader below it. */
    static int deregisterLoadedBy(ClassLoader jobLoader) {
        int count = 0;
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (!loadedBelow(driver.getClass().getClassLoader(), jobLoader)) continue;
            try {
                DriverManager.deregisterDriver(driver);
                count++;
            } catch (SQLException | SecurityException e) {
                LOG.warn("could not deregister the JDBC driver {}: the job's classes stay loaded", driver.getClass().getName(), e);
            }
        }
        return count;
    }

    private static boolean loadedBelow(ClassLoader driverLoader, ClassLoader jobLoader) {
        for (ClassLoader l = driverLoader; l != null; l = l.getParent()) {
            if (l == jobLoader) return true;
        }
        return false;
    }
}
