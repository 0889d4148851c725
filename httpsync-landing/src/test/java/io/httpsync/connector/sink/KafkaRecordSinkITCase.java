package io.httpsync.connector.sink;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordMeta;
import io.httpsync.connector.testutil.KafkaExtension;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Records, tombstones and exception events into a real (in-process KRaft) Kafka, at-least-once and
 * exactly-once.
 */
class KafkaRecordSinkITCase {
    @RegisterExtension
    @Order(1)
    static final KafkaExtension KAFKA = new KafkaExtension();

    @RegisterExtension
    @Order(2)
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final ObjectMapper JSON = new ObjectMapper();

    private static RawRecord record(String tenant, String id, long updateTime, String value) {
        return new RawRecord(
                new RecordMeta(tenant, id, updateTime, 0, 1000, 1),
                "{\"id\":\"" + id + "\",\"value\":\"" + value + "\"}");
    }

    private static final List<RawRecord> VERSIONS_AND_A_DELETION =
            List.of(
                    record("s1", "a", 10, "a1"),
                    record("s1", "b", 10, "b1"),
                    record("s2", "a", 10, "other shop"),
                    record("s1", "a", 20, "a2"),
                    KafkaRecordSink.tombstone("s1", "b", 30));

    /**
     * key (as text) -> the last value on the topic (null for a tombstone), as compaction would
     * leave it.
     */
    private static Map<String, JsonNode> latestPerKey(String topic) throws Exception {
        Map<String, JsonNode> latest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.readAll(topic)) {
            latest.put(
                    new String(r.key(), StandardCharsets.UTF_8),
                    r.value() == null ? null : JSON.readTree(r.value()));
        }
        return latest;
    }

    private void land(List<RawRecord> records, String topic, DeliveryGuarantee guarantee)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY,
                "none"); // fail the test, not retry forever
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1); // one writer: the order of versions per key is the input order
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) env.enableCheckpointing(200);
        env.fromData(records, Types.POJO(RawRecord.class))
                .sinkTo(
                        KafkaRecordSink.records(
                                KAFKA.bootstrapServers(),
                                topic,
                                guarantee,
                                "httpsync-test-" + topic,
                                new Properties()));
        env.execute("kafka " + guarantee);
    }

    private void assertLatestValuesAndTombstone(String topic) throws Exception {
        Map<String, JsonNode> latest = latestPerKey(topic);
        assertThat(latest)
                .containsOnlyKeys(
                        "{\"tenant\":\"s1\",\"id\":\"a\"}",
                        "{\"tenant\":\"s1\",\"id\":\"b\"}",
                        "{\"tenant\":\"s2\",\"id\":\"a\"}");
        JsonNode a = latest.get("{\"tenant\":\"s1\",\"id\":\"a\"}");
        assertThat(a.get("updateTime").asLong()).isEqualTo(20);
        assertThat(a.get("payload").get("value").asText()).isEqualTo("a2");
        assertThat(latest.get("{\"tenant\":\"s1\",\"id\":\"b\"}"))
                .as("deleted record: tombstone")
                .isNull();
        assertThat(
                        latest.get("{\"tenant\":\"s2\",\"id\":\"a\"}")
                                .get("payload")
                                .get("value")
                                .asText())
                .isEqualTo("other shop");
    }

    @Test
    void atLeastOnceLandsVersionsKeyedByTenantAndIdWithTombstones() throws Exception {
        land(VERSIONS_AND_A_DELETION, "records-alo", DeliveryGuarantee.AT_LEAST_ONCE);
        assertLatestValuesAndTombstone("records-alo");
        assertThat(KAFKA.readAll("records-alo")).hasSize(VERSIONS_AND_A_DELETION.size());
    }

    @Test
    void exactlyOnceCommitsTheRecordsInTransactions() throws Exception {
        land(VERSIONS_AND_A_DELETION, "records-eo", DeliveryGuarantee.EXACTLY_ONCE);
        assertLatestValuesAndTombstone(
                "records-eo"); // read_committed: only committed transactions are visible
    }

    @Test
    void exactlyOnceWithoutATransactionalIdPrefixIsRefused() {
        assertThatThrownBy(
                        () ->
                                KafkaRecordSink.records(
                                        KAFKA.bootstrapServers(),
                                        "t",
                                        DeliveryGuarantee.EXACTLY_ONCE,
                                        null,
                                        new Properties()))
                .hasMessageContaining("transactional id prefix");
    }

    @Test
    void exceptionEventsLandWithTheirContext() throws Exception {
        ExceptionEvent event =
                new ExceptionEvent(
                        "kuaishou-orders",
                        "s1",
                        1000,
                        2000,
                        "{\"cursor\":\"abc\"}",
                        429,
                        "E429",
                        ResponseKind.RATE_LIMITED,
                        7,
                        "too many requests",
                        1234);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromData(List.of(event), TypeInformation.of(ExceptionEvent.class))
                .sinkTo(
                        KafkaRecordSink.exceptionEvents(
                                KAFKA.bootstrapServers(),
                                "events",
                                DeliveryGuarantee.AT_LEAST_ONCE,
                                null,
                                new Properties()));
        env.execute("events");

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.readAll("events");
        assertThat(records).hasSize(1);
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("\"s1\"");
        assertThat(JSON.readTree(records.get(0).value()))
                .isEqualTo(
                        JSON.readTree(
                                "{\"endpoint\":\"kuaishou-orders\",\"tenant\":\"s1\","
                                        + "\"windowStart\":1000,\"windowEnd\":2000,\"position\":\"{\\\"cursor\\\":\\\"abc\\\"}\",\"httpStatus\":429,"
                                        + "\"platformCode\":\"E429\",\"kind\":\"RATE_LIMITED\",\"attempts\":7,\"message\":\"too many requests\",\"time\":1234}"));
    }
}
