package io.httpsync.connector.registry;

import io.httpsync.connector.testutil.MariaDbExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The JDBC registry on a real MariaDB (its MySQL dialect, with MariaDB's driver). */
class MariaDbJdbcTenantRegistryTest extends JdbcTenantRegistryContract {
    @RegisterExtension static final MariaDbExtension MARIADB = new MariaDbExtension();

    @Override
    SqlDatabase db() {
        return MARIADB;
    }
}
