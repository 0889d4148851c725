package io.httpsync.connector.table;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.SqlTables;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What docs/sql.md says about {@code pipeline.auto-generate-uids: false} (recommended for
 * DataStream jobs, so a savepoint never depends on generated uids): a SQL statement then runs only
 * with {@code table.exec.uid.generation: ALWAYS}, because by default the planner gives uids only to
 * compiled plans.
 */
class SqlUidGenerationITCase {
    private static KuaishouSimulatorFixture fixture;
    private static long start;
    private static long end;

    @BeforeAll
    static void startSimulator() {
        fixture = new KuaishouSimulatorFixture(300);
        long now = fixture.sim.clock().now();
        start = now - 7 * DAY;
        end = now - TimeUnit.MINUTES.toMillis(1);
    }

    @AfterAll
    static void stopSimulator() {
        fixture.close();
    }

    private static TableEnvironment environment(Map<String, String> options) {
        Configuration conf = new Configuration();
        conf.setString("parallelism.default", "2");
        conf.setString("pipeline.auto-generate-uids", "false");
        options.forEach(conf::setString);
        TableEnvironment tEnv =
                TableEnvironment.create(
                        EnvironmentSettings.newInstance()
                                .inStreamingMode()
                                .withConfiguration(conf)
                                .build());
        tEnv.executeSql(
                "CREATE TABLE orders (oid BIGINT, updateTime BIGINT) "
                        + SqlTables.with(SqlTables.kuaishouOrders(fixture, start, end)));
        return tEnv;
    }

    @Test
    void withoutGeneratedUidsAStatementFailsUnlessTableExecUidGenerationIsAlways()
            throws Exception {
        TableEnvironment byDefault = environment(Map.of());
        assertThatThrownBy(
                        () ->
                                byDefault
                                        .executeSql("SELECT oid FROM orders")
                                        .await(2, TimeUnit.MINUTES))
                .hasStackTraceContaining("no UID or hash has been assigned to operator");

        TableEnvironment always = environment(Map.of("table.exec.uid.generation", "ALWAYS"));
        List<String> oids = new ArrayList<>();
        try (CloseableIterator<Row> rows = always.executeSql("SELECT oid FROM orders").collect()) {
            rows.forEachRemaining(r -> oids.add(r.getField(0).toString()));
        }
        assertThat(oids)
                .hasSizeGreaterThan(100)
                .containsExactlyInAnyOrderElementsOf(fixture.truthIds(start, end));
    }
}
