package io.httpsync.connector.sink;

import io.httpsync.connector.testutil.MariaDbExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Full passes with deletion marking on a real MariaDB (the MySQL dialect). */
class FullSyncPassMariaDbITCase extends FullSyncPassContract {
    @RegisterExtension static final MariaDbExtension MARIADB = new MariaDbExtension();

    @Override
    SqlDatabase db() {
        return MARIADB;
    }
}
