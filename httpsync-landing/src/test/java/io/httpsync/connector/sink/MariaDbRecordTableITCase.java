package io.httpsync.connector.sink;

import io.httpsync.connector.testutil.MariaDbExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The record table contract on a real MariaDB (the MySQL dialect). */
class MariaDbRecordTableITCase extends RecordTableContract {
    @RegisterExtension static final MariaDbExtension MARIADB = new MariaDbExtension();

    @Override
    SqlDatabase db() {
        return MARIADB;
    }
}
