package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's contract test for serializers ({@link SerializerTestBase}: copies, sequences, reuse,
 * duplicates, snapshot and restore) on every kind of element, with the raw record's POJO serializer
 * inside; and that a source's stream serializes its elements without Kryo.
 */
class SyncElementSerializerTest extends SerializerTestBase<SyncElement<RawRecord>> {

    private static final SyncElementTypeInfo<RawRecord> TYPE =
            new SyncElementTypeInfo<>(RecordDeserializer.raw().getProducedType());

    @Override
    protected TypeSerializer<SyncElement<RawRecord>> createSerializer() {
        return TYPE.createSerializer(new SerializerConfigImpl());
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<SyncElement<RawRecord>> getTypeClass() {
        return TYPE.getTypeClass();
    }

    @SuppressWarnings("unchecked")
    @Override
    protected SyncElement<RawRecord>[] getTestData() {
        RecordMeta meta =
                new RecordMeta(
                        "店铺-1",
                        "order-42",
                        1_700_000_000_123L,
                        1_700_000_000_000L,
                        1_700_000_060_000L,
                        1_700_000_100_000L);
        return new SyncElement[] {
            SyncElement.record(new RawRecord(meta, "{\"id\":\"order-42\",\"buyer\":\"张三\"}")),
            SyncElement.record(
                    new RawRecord(meta, "x".repeat(70_000))), // beyond what writeUTF holds
            SyncElement.exception(
                    new ExceptionEvent(
                            "kuaishou/open.order.cursor.list",
                            "shop-1",
                            0,
                            60_000,
                            "{\"v\":1,\"kind\":\"cursor\",\"cursor\":\"abc\",\"pages\":3}",
                            503,
                            null,
                            ResponseKind.RETRYABLE,
                            8,
                            "retries exhausted; last answer: HTTP 503",
                            1_700_000_000_999L)),
            SyncElement.exception(
                    ExceptionEvent.ofWindow(
                            "orders",
                            "shop-2",
                            -60_000,
                            0,
                            null,
                            "record could not be decoded: amount is no number",
                            42L)),
            SyncElement.exception(
                    new ExceptionEvent(
                            "orders",
                            "shop-3",
                            5,
                            6,
                            "p",
                            200,
                            "31",
                            ResponseKind.FATAL,
                            1,
                            "HTTP 200, code 31: 签名验证失败",
                            7L)),
            SyncElement.position(new TenantPosition("shop-1", 1_700_000_000_000L)),
            SyncElement.marker(
                    new PassMarker(
                            PassMarker.Kind.COMPLETED,
                            "shop-2",
                            1_700_000_000_000L,
                            1_600_000_000_000L,
                            1_699_999_000_000L,
                            1,
                            4)),
        };
    }

    @Test
    void theSourcesElementsAreSerializedWithoutKryo() {
        Instant end = Instant.parse("2026-11-21T12:00:00Z");
        HttpSyncSource<RawRecord> source =
                HttpSyncSourceBuilderTest.builder()
                        .setBounded(end.minus(Duration.ofDays(1)), end, Duration.ZERO)
                        .build();

        TypeSerializer<SyncElement<RawRecord>> serializer =
                source.getProducedType()
                        .createSerializer(
                                StreamExecutionEnvironment.getExecutionEnvironment()
                                        .getConfig()
                                        .getSerializerConfig());

        assertThat(source.getProducedType()).isEqualTo(TYPE);
        assertThat(serializer)
                .isInstanceOf(SyncElementSerializer.class)
                .isNotInstanceOf(KryoSerializer.class);
        assertThat(((SyncElementSerializer<RawRecord>) serializer).recordSerializer())
                .isInstanceOf(PojoSerializer.class);
    }
}
