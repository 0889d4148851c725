package io.httpsync.connector.sink;

import io.httpsync.connector.testutil.KafkaExtension;
import io.httpsync.connector.testutil.KuaishouFullPass;
import io.httpsync.connector.testutil.KuaishouSimulatorFixture;
import io.httpsync.connector.testutil.PostgresExtension;
import io.httpsync.connector.testutil.SqlDatabase;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.MutationRates;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.DAY;
import static io.httpsync.connector.testutil.KuaishouSimulatorFixture.SHOP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Full passes against the Kuaishou simulator landing in PostgreSQL (the pass's bookkeeping) and in
 * a Kafka topic, with records updated, created and deleted between passes and while a pass reads:
 * the topic ends with the latest value of every live record and a tombstone for every deleted one,
 * as a compacted topic keeps them. The contract's checked passes (under 50 updates/s, overlapping,
 * a crashed holder's lease) run here with their records and tombstones in a topic of their own,
 * which must hold no tombstone for a record the platform holds; the contract's other cases are the
 * databases' alone.
 */
class FullSyncPassKafkaITCase extends FullSyncPassContract {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

    private static int topics;
    private String checkedTopic;

    @Override
    SqlDatabase db() {
        return POSTGRES;
    }

    @BeforeEach
    void newTopic() {
        checkedTopic = "checked-orders-" + ++topics; // the simulator's ids repeat from test to test
    }

    @Override
    void alsoTo(KuaishouFullPass pass) {
        pass.alsoTo(
                records ->
                        records.sinkTo(
                                        KafkaRecordSink.records(
                                                KAFKA.bootstrapServers(),
                                                checkedTopic,
                                                DeliveryGuarantee.AT_LEAST_ONCE,
                                                null,
                                                new Properties()))
                                .uid("orders-kafka"));
    }

    @Override
    void sendTombstones(FullSyncPass.Result result) throws Exception {
        KafkaRecordSink.writeTombstones(
                StreamExecutionEnvironment.getExecutionEnvironment(),
                result.tombstones(System.currentTimeMillis()),
                KafkaRecordSink.records(
                        KAFKA.bootstrapServers(),
                        checkedTopic,
                        DeliveryGuarantee.AT_LEAST_ONCE,
                        null,
                        new Properties()),
                "tombstones");
    }

    @Override
    Set<String> tombstonedIds() throws Exception {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.readAll(checkedTopic)) {
            if (r.value() == null) ids.add(JSON.readTree(r.key()).get("id").asText());
        }
        return ids;
    }

    @Test
    @Override
    @Disabled("the databases' case: the topic adds nothing to it")
    void aCompletedPassLeavesTheTableEqualToThePlatformWithDeletionsMarked() {}

    @Test
    @Override
    @Disabled(
            "the databases' case; the topic's is theTopicHoldsTheLatestValuePerKeyAndTombstonesForDeletions")
    void aPassWhileThePlatformChangesCatchesUpWithTheRecordsThatMovedAndMarksOnlyTheDeletedOnes() {}

    @Test
    @Override
    @Disabled("the databases' case: the topic adds nothing to it")
    void anInterruptedPassMarksNothing() {}

    @Test
    @Override
    @Disabled("the databases' case: the topic adds nothing to it")
    void theDeleteRatioGuardRefusesAndRecordsAnEvent() {}

    @Test
    @Override
    @Disabled("the databases' case: the topic adds nothing to it")
    void ofTwoPassesRacingForAFreeLeaseExactlyOneGetsIt() {}

    private static final String TABLE = "kafka_pass_orders";
    private static final String EVENTS = "kafka_pass_events";
    private static final String TOPIC = "orders";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KuaishouSimulatorFixture platform = new KuaishouSimulatorFixture(300);

    @AfterEach
    void closePlatform() {
        platform.close();
    }

    private FullSyncPass.Result pass(long start) throws Exception {
        return pass(start, (round, from, to) -> {});
    }

    private FullSyncPass.Result pass(long start, KuaishouFullPass.RoundListener beforeRound)
            throws Exception {
        FullSyncPass.Result result =
                KuaishouFullPass.of(platform, start, POSTGRES)
                        .beforeRound(beforeRound)
                        .landing(
                                pass ->
                                        JdbcRecordSink.builder(SqlDialect.POSTGRES, TABLE)
                                                .setPassId(pass.id()),
                                new DeletionMarker(SqlDialect.POSTGRES, TABLE, 0.2),
                                EVENTS)
                        .alsoTo(
                                records ->
                                        records.sinkTo(
                                                        KafkaRecordSink.records(
                                                                KAFKA.bootstrapServers(),
                                                                TOPIC,
                                                                DeliveryGuarantee.AT_LEAST_ONCE,
                                                                null,
                                                                new Properties()))
                                                .uid("orders-kafka"))
                        .run();
        // the deletions a completed pass found go to the topic as tombstones
        KafkaRecordSink.writeTombstones(
                StreamExecutionEnvironment.getExecutionEnvironment(),
                result.tombstones(System.currentTimeMillis()),
                KafkaRecordSink.records(
                        KAFKA.bootstrapServers(),
                        TOPIC,
                        DeliveryGuarantee.AT_LEAST_ONCE,
                        null,
                        new Properties()),
                "tombstones");
        return result;
    }

    @Test
    void theTopicHoldsTheLatestValuePerKeyAndTombstonesForDeletions() throws Exception {
        POSTGRES.execute(SqlDialect.POSTGRES.createRecordTable(TABLE));
        POSTGRES.execute(ExceptionEventJdbcSink.createTable(SqlDialect.POSTGRES, EVENTS));
        long start = System.currentTimeMillis() - 6 * DAY - 60_000;
        assertThat(pass(start).completed()).isTrue();
        platform.change(20, 5, 12);
        // the second pass runs while the shop changes: every page served updates 3 orders of its
        // window, deletes one and
        // creates one, until the catch-up round
        platform.kuaishou.mutatePerPage(SHOP, new MutationRates(3, 1, 1));
        FullSyncPass.Result second =
                pass(
                        start,
                        (round, from, to) -> {
                            if (round == 1)
                                platform.kuaishou.mutatePerPage(SHOP, MutationRates.NONE);
                        });
        assertThat(second.completed()).isTrue();
        // an order deleted after the second pass read it was seen alive: the third pass marks it
        FullSyncPass.Result third = pass(start);
        assertThat(third.completed()).isTrue();

        GroundTruth truth = platform.kuaishou.groundTruth(SHOP);
        Map<String, JsonNode> latest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.readAll(TOPIC)) {
            latest.put(
                    new String(r.key(), StandardCharsets.UTF_8),
                    r.value() == null ? null : JSON.readTree(r.value()));
        }
        assertThat(truth.deletedIds()).hasSizeGreaterThan(12);
        assertThat(latest).hasSize(truth.live().size() + truth.deletedIds().size());
        for (GroundTruth.TruthRecord r : truth.live()) {
            JsonNode value =
                    latest.get(
                            new String(KafkaRecordSink.key(SHOP, r.id()), StandardCharsets.UTF_8));
            assertThat(value).as("latest value of live record %s", r.id()).isNotNull();
            assertThat(value.get("updateTime").asLong())
                    .as("version of %s", r.id())
                    .isEqualTo(r.updateTime());
        }
        for (String id : truth.deletedIds()) {
            String key = new String(KafkaRecordSink.key(SHOP, id), StandardCharsets.UTF_8);
            assertThat(latest).containsKey(key);
            assertThat(latest.get(key)).as("deleted record %s ends with a tombstone", id).isNull();
        }
    }
}
