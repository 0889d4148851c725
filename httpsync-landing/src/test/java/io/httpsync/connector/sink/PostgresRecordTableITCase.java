package io.httpsync.connector.sink;

import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SqlDatabase;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The record table contract on a real PostgreSQL. */
class PostgresRecordTableITCase extends RecordTableContract {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @Override
    SqlDatabase db() {
        return POSTGRES;
    }
}
