package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.SinkAssertions;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.limit.LimitRule;
import io.httpsync.simulator.limit.LimitScope;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders → order details per order against the simulated Kuaishou, whose app may send at most
 * {@value #APP_LIMIT} requests per second over all its APIs together (the simulator enforces it
 * across the list and the detail API, over any one-second window). The source and the dependent
 * endpoint both declare that limit as an app bucket, with the default {@code job} backend, at
 * parallelism 2: the source's two readers and the child's two instances share one budget, so the
 * platform never sees more than the limit and refuses nothing, while the list and the details run
 * at the same time. Small list pages keep the list busy while the details are fetched.
 *
 * <p>Without the sharing (each of the child's instances at a fixed half of the bucket beside the
 * readers' whole bucket, as before) this test fails: the busiest second saw 38 requests and the
 * platform refused 8. With it: 21 at most, none refused. The timeout turns a budget answer that
 * never reaches a waiting instance (a deadlock) into a failure.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DependentEndpointSharedBudgetITCase {
    private static final int APP_LIMIT = 30;
    private static final int ORDERS = 160;

    @Test
    void theSourcesReadersAndTheChildsInstancesTogetherStayWithinAnAppLimitBothDeclare()
            throws Exception {
        try (KuaishouSimulatorFixture fixture = new KuaishouSimulatorFixture(ORDERS)) {
            fixture.kuaishou.limits().clear();
            fixture.kuaishou
                    .limits()
                    .set(LimitRule.perSecond("app-qps", LimitScope.APP, APP_LIMIT));
            String namespace = "shared-" + UUID.randomUUID();
            // a bounded sync ends before now minus the lag ('scan.lag', 1 min)
            long end = System.currentTimeMillis() - 2 * 60_000;
            long start = end - 7 * DAY;

            Map<String, String> list = fixture.options();
            // small pages: the listing runs long enough to overlap with the details
            list.put("pagination.page-size", "2");
            list.put("pagination.max-page-size", "2");
            HttpSyncSource<RawRecord> source =
                    HttpSyncSource.<RawRecord>builder()
                            .setEndpoint(EndpointSpec.fromOptions(appBucket(list, namespace)))
                            .setTenants(List.of(fixture.tenant()))
                            .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end))
                            .setWindowStep(Duration.ofDays(1))
                            .setDeserializer(RecordDeserializer.raw())
                            .build();
            Map<String, String> detail = fixture.detailOptions();
            detail.put("response.record.id-path", "/orderBaseInfo/oid");
            detail.put("response.record.time-path", "/orderBaseInfo/updateTime");
            DependentEndpoint details =
                    DependentEndpoint.detailPerId(
                                    EndpointSpec.fromOptions(appBucket(detail, namespace)),
                                    "/orderBaseInfo/oid")
                            .build();

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            DataStream<SyncElement<RawRecord>> elements =
                    env.fromSource(source, source.watermarkStrategy(), "orders").uid("orders");
            SingleOutputStreamOperator<RawRecord> orders =
                    HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
            SingleOutputStreamOperator<RawRecord> fetched =
                    HttpSyncStreams.dependent(orders, details, source, "details");
            CollectingSink<RawRecord> orderSink = new CollectingSink<>("budget-orders");
            CollectingSink<RawRecord> detailSink = new CollectingSink<>("budget-details");
            CollectingSink<ExceptionEvent> events = new CollectingSink<>("budget-events");
            orders.sinkTo(orderSink).uid("orders-sink");
            fetched.sinkTo(detailSink).uid("details-sink");
            orders.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                    .union(fetched.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS))
                    .sinkTo(events)
                    .uid("events-sink");
            env.execute("orders and details under one app limit");

            Accounting accounting = fixture.sim.accounting();
            Accounting.Stats app =
                    accounting.limitKey("kuaishou/app-qps:" + KuaishouSimulatorFixture.APP_KEY);
            Accounting.Stats listed =
                    accounting.endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_LIST);
            Accounting.Stats detailed =
                    accounting.endpoint(KuaishouSim.NAME + "/" + KuaishouSim.ORDER_DETAIL);
            System.out.printf(
                    "shared app budget: app %s, list %s, details %s%n", app, listed, detailed);
            assertThat(listed.served()).as("list requests").isGreaterThanOrEqualTo(ORDERS / 2);
            assertThat(detailed.served()).as("detail requests").isEqualTo(ORDERS);
            assertThat(app.refused()).as("requests refused by the app limit").isZero();
            assertThat(accounting.totalRefused()).as("requests refused by any limit").isZero();
            assertThat(app.maxPerSecond())
                    .as("requests of both APIs within any one second")
                    .isLessThanOrEqualTo(APP_LIMIT);
            assertThat(events.collected()).as("exception events").isEmpty();

            SinkAssertions.assertEqualsTruthWithin(
                    updateTimes(orderSink.collected()),
                    fixture.kuaishou.groundTruth(SHOP),
                    start,
                    end);
            SinkAssertions.assertEqualsTruthWithin(
                    updateTimes(detailSink.collected()),
                    fixture.kuaishou.groundTruth(SHOP),
                    start,
                    end);
        }
    }

    /**
     * The endpoint's options with the platform's app limit as the one bucket, in a namespace of
     * this test's own (source and child share it, as one app key does).
     */
    private static Map<String, String> appBucket(Map<String, String> options, String namespace) {
        Map<String, String> o = new HashMap<>(options);
        o.remove("rate-limit.permits-per-second");
        o.remove("rate-limit.burst");
        o.put("rate-limit.namespace", namespace);
        o.put("rate-limit.bucket.app.scope", "app");
        o.put("rate-limit.bucket.app.permits", Integer.toString(APP_LIMIT));
        o.put("rate-limit.utilization", "0.9");
        return o;
    }

    private static Map<String, Long> updateTimes(List<RawRecord> records) {
        Map<String, Long> out = new HashMap<>();
        for (RawRecord r : records) out.merge(r.id, r.updateTime, Math::max);
        return out;
    }
}
