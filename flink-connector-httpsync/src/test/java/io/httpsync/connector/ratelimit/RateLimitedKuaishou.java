package io.httpsync.connector.ratelimit;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_KEY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.APP_SECRET;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SIGN_SECRET;

/**
 * The Kuaishou simulator with skewed tenants (one big shop, {@code shop-1}, and several small ones,
 * all under one app key) and its limits set to an app limit and a per-shop limit, and the
 * connector's options with the same limits as buckets, in a namespace of their own so that tests
 * never share buckets by accident.
 */
final class RateLimitedKuaishou implements AutoCloseable {
    final KuaishouSimulatorFixture fixture;
    final List<Tenant> tenants = new ArrayList<>();
    final String namespace = "test-" + UUID.randomUUID();
    final int appLimit;
    final int shopLimit;

    RateLimitedKuaishou(
            int bigRecords, int smallShops, int smallRecords, int appLimit, int shopLimit) {
        this.appLimit = appLimit;
        this.shopLimit = shopLimit;
        fixture = new KuaishouSimulatorFixture(bigRecords);
        tenants.add(fixture.tenant());
        for (int i = 1; i <= smallShops; i++) {
            String id = "small-" + i;
            fixture.kuaishou.addTenant(
                    id,
                    KuaishouSim.credentials(APP_KEY, APP_SECRET, SIGN_SECRET),
                    DataSpec.of(smallRecords, 6 * DAY).timeResolutionMillis(1).seed(i));
            tenants.add(
                    Tenant.of(
                            id,
                            Map.of(
                                    "app-key",
                                    APP_KEY,
                                    "app-secret",
                                    APP_SECRET,
                                    "sign-secret",
                                    SIGN_SECRET)));
        }
        fixture.kuaishou.limits().clear();
        fixture.kuaishou
                .limits()
                .set(LimitRule.perSecond("app-api-qps", LimitScope.APP_API, appLimit));
        fixture.kuaishou
                .limits()
                .set(LimitRule.perSecond("user-api-qps", LimitScope.TENANT_API, shopLimit));
    }

    /**
     * The connector's options: the simulator's two limits as an app bucket and a tenant-api bucket.
     */
    Map<String, String> options() {
        return options(0.97);
    }

    /**
     * The options with {@code rate-limit.utilization}: the limiter never grants more than that
     * share of a limit per period, but the platform counts arrivals, which the machine's scheduling
     * can bunch together; tests that must see zero refusals on a loaded 2-core CI machine leave a
     * little more room than the default.
     */
    Map<String, String> options(double utilization) {
        Map<String, String> o = fixture.options();
        o.put("rate-limit.utilization", Double.toString(utilization));
        o.remove("rate-limit.permits-per-second");
        o.remove("rate-limit.burst");
        o.put("rate-limit.namespace", namespace);
        o.put("rate-limit.bucket.app.scope", "app");
        o.put("rate-limit.bucket.app.permits", String.valueOf(appLimit));
        o.put("rate-limit.bucket.shop.scope", "tenant-api");
        o.put("rate-limit.bucket.shop.permits", String.valueOf(shopLimit));
        return o;
    }

    /** The accounting of the app limit's key (all shops' list requests). */
    Accounting.Stats appStats() {
        return fixture.sim
                .accounting()
                .limitKey("kuaishou/app-api-qps:" + APP_KEY + "/" + KuaishouSim.ORDER_LIST);
    }

    /** When the platform refused list requests under the app limit (epoch millis, oldest first). */
    List<Long> refusalTimes() {
        return fixture.sim
                .accounting()
                .refusalTimes("kuaishou/app-api-qps:" + APP_KEY + "/" + KuaishouSim.ORDER_LIST);
    }

    long totalRefused() {
        return fixture.sim.accounting().totalRefused();
    }

    /**
     * Syncs every shop's {@code [start, end)} in day-wide windows through a bounded job at {@code
     * parallelism}, with the endpoint {@code options}; returns the distinct records collected
     * (tenant and id), to compare with {@link #liveRecords}.
     */
    long syncDistinctRecords(Map<String, String> options, long start, long end, int parallelism)
            throws Exception {
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(options))
                        .setTenants(tenants)
                        .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                        .setWindowStep(Duration.ofDays(1))
                        .setDeserializer(RecordDeserializer.raw())
                        .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        CollectingSink<RawRecord> records = new CollectingSink<>("records-" + UUID.randomUUID());
        DataStream<SyncElement<RawRecord>> elements =
                env.fromSource(source, source.watermarkStrategy(), "source");
        HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "test").sinkTo(records);
        env.execute("rate-limited sync");
        return records.collected().stream().map(r -> r.tenant + "/" + r.id).distinct().count();
    }

    /** The live records of all shops updated in {@code [start, end)}. */
    long liveRecords(long start, long end) {
        return tenants.stream()
                .flatMap(t -> fixture.kuaishou.groundTruth(t.id()).live().stream())
                .filter(r -> r.updateTime() >= start && r.updateTime() < end)
                .count();
    }

    @Override
    public void close() {
        fixture.close();
    }
}
