package io.httpsync.connector.table;

import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lookup join enriches the synced orders with the simulated Kuaishou detail API ({@code
 * open.order.detail}): every order gets its own detail, the detail API's per-shop limit is never
 * exceeded, and the partial cache answers repeated keys (each order is looked up twice: the orders
 * are read by two branches of a UNION ALL).
 */
class HttpSyncLookupITCase {
    private static final int DETAIL_QPS_LIMIT = 100;
    private static KuaishouSimulatorFixture fixture;

    @BeforeAll
    static void startSimulator() {
        fixture = new KuaishouSimulatorFixture(150);
        fixture.kuaishou
                .limits()
                .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, DETAIL_QPS_LIMIT));
    }

    @AfterAll
    static void stopSimulator() {
        fixture.close();
    }

    @Test
    void lookupJoinEnrichesOrdersUnderTheRateLimitWithCacheHits() throws Exception {
        long now = fixture.sim.clock().now();
        long start = now - 7 * DAY;
        long end = now - TimeUnit.MINUTES.toMillis(1);
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.getConfig().set("parallelism.default", "1");
        // one lookup at a time, so the second lookup of a key finds the first one's answer in the
        // cache
        tEnv.getConfig().set("table.exec.async-lookup.buffer-capacity", "1");
        Map<String, String> listOptions = SqlTables.kuaishouOrders(fixture, start, end);
        listOptions.put("rate-limit.permits-per-second", "50");
        tEnv.executeSql(
                "CREATE TABLE orders (oid BIGINT, updateTime BIGINT, proc AS PROCTIME()) "
                        + SqlTables.with(listOptions));
        tEnv.executeSql(
                "CREATE TABLE order_details (oid BIGINT, createTime BIGINT, payTime BIGINT, buyerNick STRING,"
                        + " PRIMARY KEY (oid) NOT ENFORCED) "
                        + SqlTables.with(
                                SqlTables.kuaishouOrderDetails(fixture, DETAIL_QPS_LIMIT * 0.6)));

        List<Row> joined = new ArrayList<>();
        try (CloseableIterator<Row> rows =
                tEnv.executeSql(
                                "SELECT o.oid, d.createTime, d.payTime, d.buyerNick FROM"
                                        + " (SELECT oid, proc FROM orders UNION ALL SELECT oid, proc FROM orders) AS o"
                                        + " JOIN order_details FOR SYSTEM_TIME AS OF o.proc AS d ON o.oid = d.oid")
                        .collect()) {
            rows.forEachRemaining(joined::add);
        }

        Map<Long, String> truth = new HashMap<>();
        for (GroundTruth.TruthRecord r :
                fixture.kuaishou.groundTruth(KuaishouSimulatorFixture.SHOP).live()) {
            if (r.updateTime() < start || r.updateTime() >= end) continue;
            JsonNode base = r.content().path("orderBaseInfo");
            truth.put(
                    Long.parseLong(r.id()),
                    detail(
                            base.path("createTime").asLong(),
                            base.path("payTime").asLong(),
                            base.path("buyerNick").asText()));
        }
        assertThat(truth).hasSizeGreaterThan(50);
        assertThat(joined).hasSize(2 * truth.size());
        for (Row row : joined) {
            assertThat(
                            detail(
                                    (Long) row.getField(1),
                                    (Long) row.getField(2),
                                    (String) row.getField(3)))
                    .as("detail of order %s", row.getField(0))
                    .isEqualTo(truth.get((Long) row.getField(0)));
        }

        Accounting.Stats details =
                fixture.sim
                        .accounting()
                        .endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL);
        assertThat(details.refused())
                .as("detail requests refused by the platform's limit")
                .isZero();
        assertThat(details.maxPerSecond()).isLessThanOrEqualTo(DETAIL_QPS_LIMIT);
        double hitRate = 1 - (double) details.served() / joined.size();
        System.out.printf(
                "lookup cache hit rate: %.2f (%d lookups, %d detail requests, max %d/s)%n",
                hitRate, joined.size(), details.served(), details.maxPerSecond());
        assertThat(details.served())
                .as("one detail request per distinct order")
                .isEqualTo(truth.size());
        assertThat(hitRate).isEqualTo(0.5);
    }

    private static String detail(long createTime, long payTime, String buyer) {
        return createTime + "|" + payTime + "|" + buyer;
    }
}
