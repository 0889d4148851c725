package io.httpsync.connector.table;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SqlTables;

import org.apache.flink.table.api.TableEnvironment;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink SQL alone syncs the simulated Kuaishou cursor API (signed, tokens from its OAuth endpoint)
 * into a real PostgreSQL table through the JDBC connector, and the table then equals the platform's
 * ground truth.
 */
class HttpSyncSqlITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();
    private static KuaishouSimulatorFixture fixture;

    @BeforeAll
    static void startSimulator() {
        fixture = new KuaishouSimulatorFixture(400);
    }

    @AfterAll
    static void stopSimulator() {
        fixture.close();
    }

    @Test
    void insertIntoJdbcTableFromHttpSyncTableEqualsGroundTruth() throws Exception {
        long now = fixture.sim.clock().now();
        long start = now - 7 * DAY;
        long end = now - TimeUnit.MINUTES.toMillis(1);
        POSTGRES.execute(
                "CREATE TABLE ks_orders (oid BIGINT PRIMARY KEY, status INT, update_time BIGINT, total_fee BIGINT,"
                        + " buyer TEXT, tenant TEXT, window_start TIMESTAMP, window_end TIMESTAMP, fetch_time TIMESTAMP)");

        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        // the JDBC connector has no TIMESTAMP_LTZ: the metadata times are stored as UTC timestamps
        tEnv.getConfig().setLocalTimeZone(java.time.ZoneOffset.UTC);
        tEnv.executeSql(
                "CREATE TABLE orders (\n"
                        + "  oid BIGINT, status INT, updateTime BIGINT, totalFee BIGINT, buyerNick STRING,\n"
                        + "  tenant STRING METADATA VIRTUAL,\n"
                        + "  window_start TIMESTAMP_LTZ(3) METADATA FROM 'window-start' VIRTUAL,\n"
                        + "  window_end TIMESTAMP_LTZ(3) METADATA FROM 'window-end' VIRTUAL,\n"
                        + "  fetch_time TIMESTAMP_LTZ(3) METADATA FROM 'fetch-time' VIRTUAL,\n"
                        + "  PRIMARY KEY (oid) NOT ENFORCED\n"
                        + ") "
                        + SqlTables.with(SqlTables.kuaishouOrders(fixture, start, end)));
        tEnv.executeSql(
                "CREATE TABLE pg_orders (\n"
                        + "  oid BIGINT, status INT, update_time BIGINT, total_fee BIGINT, buyer STRING, tenant STRING,\n"
                        + "  window_start TIMESTAMP(3), window_end TIMESTAMP(3), fetch_time TIMESTAMP(3),\n"
                        + "  PRIMARY KEY (oid) NOT ENFORCED\n"
                        + ") "
                        + SqlTables.with(
                                Map.of(
                                        "connector",
                                        "jdbc",
                                        "url",
                                        POSTGRES.jdbcUrl(),
                                        "table-name",
                                        "ks_orders",
                                        "username",
                                        "postgres",
                                        "password",
                                        "")));

        tEnv.executeSql(
                        "INSERT INTO pg_orders SELECT oid, status, updateTime, totalFee, buyerNick, tenant,"
                                + " CAST(window_start AS TIMESTAMP(3)), CAST(window_end AS TIMESTAMP(3)), CAST(fetch_time AS TIMESTAMP(3))"
                                + " FROM orders")
                .await(2, TimeUnit.MINUTES);

        Map<Long, String> expected = fixture.truthOrderRows(start, end);
        assertThat(expected).hasSizeGreaterThan(100);
        assertThat(postgresRows(POSTGRES)).isEqualTo(expected);
        assertThat(metadataIsConsistent())
                .as("every row's update time lies in its window, fetched after it")
                .isTrue();
    }

    /**
     * The rows of {@code ks_orders} in {@code postgres} as {@link
     * KuaishouSimulatorFixture#orderRow} writes them.
     */
    static Map<Long, String> postgresRows(PostgresExtension postgres) throws Exception {
        try (Connection c = postgres.connect()) {
            return KuaishouSimulatorFixture.orderRows(c, "ks_orders");
        }
    }

    private static boolean metadataIsConsistent() throws Exception {
        try (Connection c = POSTGRES.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT count(*) FROM ks_orders WHERE NOT ("
                                        + " extract(epoch FROM window_start) * 1000 <= update_time AND update_time < extract(epoch FROM window_end) * 1000"
                                        + " AND fetch_time >= window_start)")) {
            rs.next();
            return rs.getLong(1) == 0;
        }
    }
}
