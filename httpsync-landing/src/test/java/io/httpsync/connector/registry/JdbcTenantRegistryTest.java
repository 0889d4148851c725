package io.httpsync.connector.registry;

import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The JDBC registry on a real PostgreSQL. */
class JdbcTenantRegistryTest extends JdbcTenantRegistryContract {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @Override
    SqlDatabase db() {
        return POSTGRES;
    }
}
