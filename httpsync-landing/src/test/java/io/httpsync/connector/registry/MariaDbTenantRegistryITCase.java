package io.httpsync.connector.registry;

import io.httpsync.connector.testutil.MariaDbExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tenant registry on MariaDB ({@link TenantRegistryContract}): the MySQL dialect of the
 * registry, its token store and the sink, with MariaDB's driver.
 */
class MariaDbTenantRegistryITCase extends TenantRegistryContract {
    @RegisterExtension static final MariaDbExtension MARIADB = new MariaDbExtension();

    @Override
    SqlDatabase db() {
        return MARIADB;
    }
}
