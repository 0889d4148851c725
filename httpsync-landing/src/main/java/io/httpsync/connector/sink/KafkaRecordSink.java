package io.httpsync.connector.sink;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.apache.kafka.clients.producer.ProducerRecord;

import javax.annotation.Nullable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Lands {@link RawRecord}s in a Kafka topic through flink-connector-kafka's {@link KafkaSink}, for
 * a compacted topic that holds the latest value per record:
 *
 * <ul>
 *   <li>key: {@code {"tenant":"…","id":"…"}} (JSON, so no separator can be ambiguous), so every
 *       version of a record lands in one partition, in order;
 *   <li>value: {@code {"tenant":…,"id":…,"updateTime":…,"windowStart":…,"payload":<the platform's
 *       JSON>}}; record timestamp: the update time;
 *   <li>a {@link #tombstone deletion} is a record with a null value (a tombstone), which compaction
 *       turns into the key's removal.
 * </ul>
 *
 * {@link DeliveryGuarantee#EXACTLY_ONCE} writes in Kafka transactions committed with Flink's
 * checkpoints (needs checkpointing, a transactional id prefix unique per job, and consumers with
 * {@code isolation.level=read_committed}); Unless the producer properties say otherwise,
 * transactions time out after 15 minutes, the brokers' default maximum. {@link
 * DeliveryGuarantee#AT_LEAST_ONCE} flushes on checkpoints and may repeat a version after a failure,
 * which a compacted topic absorbs; it is the Kafka sink's writer alone ({@link WriterOnlySink}).
 * Exception events go to their own topic through {@link #exceptionEvents}.
 */
@PublicEvolving
public final class KafkaRecordSink {
    private static final JsonFactory JSON = new JsonFactory();

    private KafkaRecordSink() {}

    /** A deletion of a record: lands as a tombstone. */
    public static RawRecord tombstone(String tenant, String id, long deletedAtMillis) {
        RawRecord r = new RawRecord();
        r.tenant = tenant;
        r.id = id;
        r.updateTime = deletedAtMillis;
        r.json = null;
        return r;
    }

    /**
     * Writes {@code tombstones} (e.g. a completed {@link FullSyncPass.Result#tombstones pass's}) to
     * {@code sink} in a small bounded job on {@code env}, and waits for it; nothing if there are
     * none.
     */
    public static void writeTombstones(
            StreamExecutionEnvironment env,
            List<RawRecord> tombstones,
            Sink<RawRecord> sink,
            String jobName)
            throws Exception {
        if (tombstones.isEmpty()) return;
        env.fromData(tombstones, Types.POJO(RawRecord.class))
                .uid("tombstones")
                .name("tombstones")
                .sinkTo(sink)
                .uid("tombstones-kafka")
                .name("tombstones -> kafka");
        env.execute(jobName);
    }

    /**
     * @param transactionalIdPrefix required for exactly-once: unique per job (and stable across its
     *     restarts)
     */
    public static Sink<RawRecord> records(
            String bootstrapServers,
            String topic,
            DeliveryGuarantee guarantee,
            @Nullable String transactionalIdPrefix,
            Properties producerProperties) {
        return sink(
                bootstrapServers,
                guarantee,
                transactionalIdPrefix,
                producerProperties,
                (r, context, timestamp) ->
                        new ProducerRecord<>(
                                topic,
                                null,
                                r.updateTime,
                                key(r.tenant, r.id),
                                r.json == null ? null : value(r)));
    }

    /** Exception events as JSON, keyed by tenant, with all their context. */
    public static Sink<ExceptionEvent> exceptionEvents(
            String bootstrapServers,
            String topic,
            DeliveryGuarantee guarantee,
            @Nullable String transactionalIdPrefix,
            Properties producerProperties) {
        return sink(
                bootstrapServers,
                guarantee,
                transactionalIdPrefix,
                producerProperties,
                (e, context, timestamp) ->
                        new ProducerRecord<>(
                                topic,
                                null,
                                e.timeMillis(),
                                bytes(g -> g.writeString(e.tenantId())),
                                value(e)));
    }

    private static <T> Sink<T> sink(
            String bootstrapServers,
            DeliveryGuarantee guarantee,
            @Nullable String transactionalIdPrefix,
            Properties producerProperties,
            KafkaRecordSerializationSchema<T> schema) {
        Properties producer = new Properties();
        producer.putAll(producerProperties);
        // Flink's default (1 h) exceeds brokers' default transaction.max.timeout.ms (15 min): every
        // producer would be refused
        producer.putIfAbsent(
                "transaction.timeout.ms", String.valueOf(TimeUnit.MINUTES.toMillis(15)));
        var builder =
                KafkaSink.<T>builder()
                        .setBootstrapServers(bootstrapServers)
                        .setKafkaProducerConfig(producer)
                        .setDeliveryGuarantee(guarantee)
                        .setRecordSerializer(schema);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            if (transactionalIdPrefix == null || transactionalIdPrefix.isBlank()) {
                throw new IllegalArgumentException(
                        "exactly-once Kafka delivery needs a transactional id prefix, unique per job");
            }
            builder.setTransactionalIdPrefix(transactionalIdPrefix);
            return builder.build();
        }
        return WriterOnlySink.of(builder.build());
    }

    /** The Kafka key of a record: {@code {"tenant":…,"id":…}}. */
    public static byte[] key(String tenant, String id) {
        return bytes(
                g -> {
                    g.writeStartObject();
                    g.writeStringField("tenant", tenant);
                    g.writeStringField("id", id);
                    g.writeEndObject();
                });
    }

    private static byte[] value(RawRecord r) {
        return bytes(
                g -> {
                    g.writeStartObject();
                    g.writeStringField("tenant", r.tenant);
                    g.writeStringField("id", r.id);
                    g.writeNumberField("updateTime", r.updateTime);
                    g.writeNumberField("windowStart", r.windowStart);
                    g.writeFieldName("payload");
                    g.writeRawValue(r.json); // already JSON: embedded as is, not re-parsed
                    g.writeEndObject();
                });
    }

    private static byte[] value(ExceptionEvent e) {
        return bytes(
                g -> {
                    g.writeStartObject();
                    g.writeStringField("endpoint", e.endpoint());
                    g.writeStringField("tenant", e.tenantId());
                    g.writeNumberField("windowStart", e.windowStart());
                    g.writeNumberField("windowEnd", e.windowEnd());
                    g.writeStringField("position", e.position());
                    g.writeNumberField("httpStatus", e.httpStatus());
                    g.writeStringField("platformCode", e.platformCode());
                    g.writeStringField("kind", e.kind().name());
                    g.writeNumberField("attempts", e.attempts());
                    g.writeStringField("message", e.message());
                    g.writeNumberField("time", e.timeMillis());
                    g.writeEndObject();
                });
    }

    private interface JsonWriter {
        void write(JsonGenerator generator) throws IOException;
    }

    private static byte[] bytes(JsonWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
        return out.toByteArray();
    }
}
