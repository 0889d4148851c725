package io.httpsync.connector.table;

import io.httpsync.connector.source.RecordDecodingException;
import io.httpsync.connector.source.RecordMeta;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonRowDataDeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A table's records become rows inside the source: the pointed part through the format, metadata
 * appended.
 */
class RowDataRecordDeserializerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RowType ROW =
            (RowType)
                    DataTypes.ROW(
                                    DataTypes.FIELD("oid", DataTypes.BIGINT()),
                                    DataTypes.FIELD("fee", DataTypes.INT()))
                            .getLogicalType();
    private static final RecordMeta META =
            new RecordMeta(
                    "shop-1",
                    "42",
                    1_700_000_000_123L,
                    1_700_000_000_000L,
                    1_700_000_060_000L,
                    1_700_000_100_000L);

    private final SimpleCounter skipped = new SimpleCounter();

    private RowDataRecordDeserializer deserializer(List<ReadableMetadata> metadata)
            throws Exception {
        return deserializer(
                new JsonRowDataDeserializationSchema(
                        ROW, InternalTypeInfo.of(ROW), false, false, TimestampFormat.ISO_8601),
                metadata);
    }

    private RowDataRecordDeserializer deserializer(
            DeserializationSchema<RowData> format, List<ReadableMetadata> metadata)
            throws Exception {
        RowDataRecordDeserializer d =
                new RowDataRecordDeserializer(
                        "orders", "/order", format, metadata, InternalTypeInfo.of(ROW));
        d.open(
                new DeserializationSchema.InitializationContext() {
                    @Override
                    public MetricGroup getMetricGroup() {
                        return new UnregisteredMetricsGroup() {
                            @Override
                            public SimpleCounter counter(String name) {
                                assertThat(name).isEqualTo("numSkippedRecords");
                                return skipped;
                            }
                        };
                    }

                    @Override
                    public UserCodeClassLoader getUserCodeClassLoader() {
                        return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
                    }
                });
        return d;
    }

    @Test
    void decodesThePointedPartAndAppendsTheMetadataColumns() throws Exception {
        RowData row =
                deserializer(List.of(ReadableMetadata.TENANT, ReadableMetadata.UPDATE_TIME))
                        .deserialize(
                                JSON.readTree("{\"order\":{\"oid\":42,\"fee\":990},\"other\":1}"),
                                META);

        assertThat(row.getArity()).isEqualTo(4);
        assertThat(row.getLong(0)).isEqualTo(42L);
        assertThat(row.getInt(1)).isEqualTo(990);
        assertThat(row.getString(2).toString()).isEqualTo("shop-1");
        assertThat(row.getTimestamp(3, 3).getMillisecond()).isEqualTo(META.updateTimeMillis());
    }

    @Test
    void aRecordTheFormatCannotDecodeFailsTheJobNamingTheRecord() throws Exception {
        RowDataRecordDeserializer d = deserializer(List.of());

        assertThatThrownBy(
                        () ->
                                d.deserialize(
                                        JSON.readTree("{\"order\":{\"oid\":\"forty-two\"}}"), META))
                .isInstanceOf(RecordDecodingException.class)
                .hasMessageContaining(
                        "Table orders: the format cannot decode record '42' of tenant 'shop-1'"
                                + " (window [1700000000000, 1700000060000))");
    }

    @Test
    void aRecordWithoutThePointedPartIsAnErrorOfTheExceptionPolicy() throws Exception {
        RowDataRecordDeserializer d = deserializer(List.of());

        assertThatThrownBy(() -> d.deserialize(JSON.readTree("{\"other\":1}"), META))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(RecordDecodingException.class)
                .hasMessageContaining("record '42' of tenant 'shop-1' has nothing at");
    }

    @Test
    void aRecordTheFormatSkipsIsCountedAndLeftOut() throws Exception {
        RowDataRecordDeserializer d = deserializer(new SkipsEverything(), List.of());

        assertThat(d.deserialize(JSON.readTree("{\"order\":{\"oid\":1}}"), META)).isNull();
        assertThat(skipped.getCount()).isEqualTo(1);
    }

    /**
     * A format that skips every record, as a format told to ignore what it cannot parse does with a
     * bad one.
     */
    private static final class SkipsEverything implements DeserializationSchema<RowData> {
        @Override
        public RowData deserialize(byte[] message) {
            return null;
        }

        @Override
        public boolean isEndOfStream(RowData nextElement) {
            return false;
        }

        @Override
        public org.apache.flink.api.common.typeinfo.TypeInformation<RowData> getProducedType() {
            return InternalTypeInfo.of(ROW);
        }
    }
}
