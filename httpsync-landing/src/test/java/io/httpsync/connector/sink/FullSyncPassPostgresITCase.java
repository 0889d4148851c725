package io.httpsync.connector.sink;

import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Full passes with deletion marking on a real PostgreSQL. */
class FullSyncPassPostgresITCase extends FullSyncPassContract {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @Override
    SqlDatabase db() {
        return POSTGRES;
    }
}
