package io.httpsync.connector.testutil;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointPresets;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.DetailApiCheck;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import com.fasterxml.jackson.databind.JsonNode;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real simulator on a free port with one Kuaishou shop, and the connector's options for it: the
 * Kuaishou preset pointed at the simulator, tokens from its OAuth endpoint (its convention: the
 * authorization code is the shop id), and short backoffs so that tests of retries stay fast.
 */
public final class KuaishouSimulatorFixture implements AutoCloseable {
    public static final String SHOP = "shop-1";
    public static final String APP_KEY = "ks-app-1";
    public static final String APP_SECRET = "AppSecret-0123456789";
    public static final String SIGN_SECRET = "SignSecret-9876543210";
    public static final long DAY = TimeUnit.DAYS.toMillis(1);

    public final Simulator sim;
    public final KuaishouSim kuaishou;
    public final String base;

    public KuaishouSimulatorFixture(int records) {
        sim = new Simulator(7);
        kuaishou = sim.add(KuaishouSim::new);
        kuaishou.addTenant(
                SHOP,
                KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                DataSpec.of(records, 6 * DAY).timeResolutionMillis(1));
        sim.start(0);
        base = sim.baseUrl("kuaishou");
    }

    public Tenant tenant() {
        return Tenant.of(
                SHOP,
                Map.of("app-key", APP_KEY, "app-secret", APP_SECRET, "sign-secret", SIGN_SECRET));
    }

    /**
     * The Kuaishou order preset against a simulator at {@code base}, with tokens from its OAuth
     * endpoint (the simulator's convention: the authorization code is the shop id). A mutable copy,
     * for tests to add to.
     */
    public static Map<String, String> presetAgainst(String base) {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrders(base));
        o.putAll(EndpointPresets.kuaishouCodeGrantTokens(base, "${tenant.id}"));
        return o;
    }

    /**
     * The preset against this fixture's simulator, with short backoffs and a generous rate limit.
     */
    public Map<String, String> options() {
        Map<String, String> o = presetAgainst(base);
        o.put("retry.initial-backoff", "10 ms");
        o.put("retry.max-backoff", "50 ms");
        o.put("retry.rate-limited-wait", "300 ms");
        o.put("request.timeout", "2 s");
        o.put("rate-limit.permits-per-second", "1000");
        o.put("rate-limit.burst", "100");
        return o;
    }

    /**
     * The simulator's {@code open.order.detail} as a full pass's {@link DetailApiCheck}: one signed
     * request per unseen row, a deleted order answered with business error 2001 "订单不存在".
     */
    public DetailApiCheck detailCheck() {
        return new DetailApiCheck(
                EndpointSpec.fromOptions(detailOptions()),
                List.of(tenant()),
                Set.of("2001"),
                "订单不存在");
    }

    /**
     * The endpoint options of {@link #detailCheck}, as a SQL table or a config file gives them
     * under {@code pass.check.endpoint.}.
     */
    public Map<String, String> detailOptions() {
        Map<String, String> o = new HashMap<>(EndpointPresets.kuaishouOrderDetail(base));
        o.putAll(EndpointPresets.kuaishouCodeGrantTokens(base, "${tenant.id}"));
        o.put("retry.initial-backoff", "10 ms");
        o.put("retry.max-backoff", "50 ms");
        o.put("rate-limit.permits-per-second", "1000");
        o.put("rate-limit.burst", "100");
        return o;
    }

    /** The ids of the shop's live orders whose update time lies in {@code [start, end)}. */
    public List<String> truthIds(long start, long end) {
        GroundTruth truth = kuaishou.groundTruth(SHOP);
        return truth.live().stream()
                .filter(r -> r.updateTime() >= start && r.updateTime() < end)
                .map(GroundTruth.TruthRecord::id)
                .toList();
    }

    /**
     * The shop's live orders whose update time lies in {@code [start, end)}, by oid, each as {@link
     * #orderRow} of the columns the SQL tests select: status, update time, total fee, buyer,
     * tenant.
     */
    public Map<Long, String> truthOrderRows(long start, long end) {
        Map<Long, String> rows = new HashMap<>();
        for (GroundTruth.TruthRecord r : kuaishou.groundTruth(SHOP).live()) {
            if (r.updateTime() < start || r.updateTime() >= end) continue;
            JsonNode base = r.content().path("orderBaseInfo");
            rows.put(
                    Long.parseLong(r.id()),
                    orderRow(
                            base.path("status").asInt(),
                            r.updateTime(),
                            base.path("totalFee").asLong(),
                            base.path("buyerNick").asText(),
                            SHOP));
        }
        return rows;
    }

    /** One order's columns as {@link #truthOrderRows} writes them. */
    public static String orderRow(
            Object status, Object updateTime, Object totalFee, Object buyer, Object tenant) {
        return status + "|" + updateTime + "|" + totalFee + "|" + buyer + "|" + tenant;
    }

    /**
     * The rows of a sink table of the orders in the database of {@code c} (columns oid, status,
     * update_time, total_fee, buyer, tenant), by oid, each as {@link #orderRow} writes them.
     */
    public static Map<Long, String> orderRows(Connection c, String table) throws SQLException {
        Map<Long, String> rows = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT oid, status, update_time, total_fee, buyer, tenant FROM "
                                        + table)) {
            while (rs.next())
                rows.put(
                        rs.getLong(1),
                        orderRow(
                                rs.getInt(2),
                                rs.getLong(3),
                                rs.getLong(4),
                                rs.getString(5),
                                rs.getString(6)));
        }
        return rows;
    }

    /** Changes the shop between two syncs: random updates, new orders, random deletions. */
    public void change(int updates, int inserts, int deletes) {
        var data = kuaishou.tenant(SHOP);
        for (int i = 0; i < updates; i++) data.updateRandom();
        for (int i = 0; i < inserts; i++) data.insert();
        for (int i = 0; i < deletes; i++) data.deleteRandom();
    }

    @Override
    public void close() {
        sim.close();
    }
}
