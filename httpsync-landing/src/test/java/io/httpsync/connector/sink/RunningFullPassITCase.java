package io.httpsync.connector.sink;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.connector.testutil.KuaishouFullPass;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.simulator.data.DataSpec;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;
import io.httpsync.simulator.platform.kuaishou.KuaishouSim;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A continuous job that starts with a full pass, against the Kuaishou simulator and a real
 * PostgreSQL: the shop's pass completes inside the running job as soon as its position has caught
 * up, while the shop keeps changing, and marks exactly the deleted orders (Kafka-ready tombstones
 * first); a second shop whose requests are all refused (a wrong signing secret) holds nobody back
 * and has nothing marked.
 */
class RunningFullPassITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final String TABLE = "running_orders";
    private static final String EVENTS = "running_events";
    private static final String BROKEN_SHOP = "shop-2";

    @Test
    void eachTenantsPassCompletesInTheRunningJobAndAnUnreadableTenantHoldsNobodyBack()
            throws Exception {
        POSTGRES.execute(SqlDialect.POSTGRES.createRecordTable(TABLE));
        POSTGRES.execute(ExceptionEventJdbcSink.createTable(SqlDialect.POSTGRES, EVENTS));
        try (KuaishouSimulatorFixture platform = new KuaishouSimulatorFixture(300)) {
            long start = System.currentTimeMillis() - 6 * DAY - 60_000;
            platform.kuaishou.addTenant(
                    BROKEN_SHOP,
                    KuaishouSim.credentials("ks-app-2", "AppSecret-2", "SignSecret-2"),
                    DataSpec.of(50, 6 * DAY).timeResolutionMillis(1));
            // an earlier sync landed both shops
            FullSyncPass.Result earlier =
                    KuaishouFullPass.of(platform, start, POSTGRES)
                            .landing(
                                    p ->
                                            JdbcRecordSink.builder(SqlDialect.POSTGRES, TABLE)
                                                    .setPassId(p.id()),
                                    new DeletionMarker(SqlDialect.POSTGRES, TABLE, 0.2),
                                    EVENTS)
                            .run();
            assertThat(earlier.completed()).as("earlier pass: %s", earlier.interruption()).isTrue();
            landBrokenShop(platform, earlier.passId());

            platform.change(20, 5, 12);
            Set<String> deleted = Set.copyOf(platform.kuaishou.groundTruth(SHOP).deletedIds());
            // while the job reads, every page served updates 3 orders of the window it queried and
            // creates one
            platform.kuaishou.mutatePerPage(SHOP, new MutationRates(3, 1, 0));

            String run = UUID.randomUUID().toString();
            CollectingSink<RawRecord> tombstones = new CollectingSink<>("tombstones-" + run);
            CollectingSink<ExceptionEvent> refusals = new CollectingSink<>("refusals-" + run);
            CollectingSink<ExceptionEvent> failures = new CollectingSink<>("failures-" + run);
            FullSyncPass pass = FullSyncPass.create(start, System.currentTimeMillis());
            HttpSyncSource<RawRecord> source =
                    HttpSyncSource.<RawRecord>builder()
                            .setEndpoint(EndpointSpec.fromOptions(platform.options()))
                            .setTenants(
                                    List.of(
                                            platform.tenant(),
                                            Tenant.of(
                                                    BROKEN_SHOP,
                                                    Map.of(
                                                            "app-key",
                                                            "ks-app-2",
                                                            "app-secret",
                                                            "AppSecret-2",
                                                            "sign-secret",
                                                            "not-the-secret"))))
                            .setContinuous(
                                    Instant.ofEpochMilli(start),
                                    Duration.ofSeconds(1),
                                    Duration.ofMillis(300))
                            .setEmitTenantPositions(true)
                            .setExceptionPolicy(ExceptionPolicy.RECORD_AND_RETRY)
                            .setDeserializer(RecordDeserializer.raw())
                            .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(300);
            DataStream<SyncElement<RawRecord>> elements =
                    env.fromSource(source, source.watermarkStrategy(), "source").uid("source");
            SingleOutputStreamOperator<RawRecord> records =
                    HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
            records.sinkTo(
                            JdbcRecordSink.builder(SqlDialect.POSTGRES, TABLE)
                                    .setPassId(pass.id())
                                    .build(POSTGRES.connectionOptions()))
                    .uid("orders-jdbc");
            records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                    .sinkTo(failures)
                    .uid("failures");
            SingleOutputStreamOperator<RawRecord> marked =
                    RunningFullPass.markDeletions(
                            records.getSideOutput(HttpSyncStreams.TENANT_POSITIONS),
                            pass,
                            new DeletionMarker(SqlDialect.POSTGRES, TABLE, 0.2),
                            POSTGRES.connectionOptions(),
                            "orders");
            marked.sinkTo(tombstones).uid("tombstones").setParallelism(1);
            marked.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                    .sinkTo(refusals)
                    .uid("refusals")
                    .setParallelism(1);

            JobClient job = env.executeAsync("running full pass");
            try {
                long deadline = System.currentTimeMillis() + 90_000;
                while (!markedIn(SHOP).equals(deleted) && System.currentTimeMillis() < deadline)
                    Thread.sleep(200);
            } finally {
                platform.kuaishou.mutatePerPage(SHOP, MutationRates.NONE);
                job.cancel().get();
            }

            GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
            assertThat(
                            truth.live().stream()
                                    .filter(r -> r.updateTime() >= pass.endMillis())
                                    .count())
                    .as("orders that changed while the pass read them")
                    .isPositive();
            assertThat(markedIn(SHOP))
                    .as("marked deleted in %s", SHOP)
                    .containsExactlyInAnyOrderElementsOf(deleted);
            assertThat(
                            tombstones.collected().stream()
                                    .filter(t -> t.tenant.equals(SHOP))
                                    .map(t -> t.id)
                                    .collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(deleted);
            assertThat(failures.collected())
                    .as("the broken shop's requests failed")
                    .anyMatch(e -> e.tenantId().equals(BROKEN_SHOP));
            assertThat(markedIn(BROKEN_SHOP))
                    .as("nothing marked for the shop that could not be read")
                    .isEmpty();
            assertThat(refusals.collected()).isEmpty();
        }
    }

    private static Set<String> markedIn(String tenant) throws Exception {
        return POSTGRES.column(TABLE, "id", tenant, "deleted_at IS NOT NULL").keySet();
    }

    /**
     * The broken shop's orders as an earlier sync landed them (read with the right secret, back
     * then).
     */
    private static void landBrokenShop(KuaishouSimulatorFixture platform, String passId)
            throws Exception {
        for (GroundTruth.TruthRecord r : platform.kuaishou.groundTruth(BROKEN_SHOP).live()) {
            POSTGRES.upsertRecord(
                    TABLE, BROKEN_SHOP, r.id(), r.updateTime(), r.content().toString(), passId);
        }
    }
}
