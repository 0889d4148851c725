package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import com.fasterxml.jackson.databind.JsonNode;

/** See {@link RecordDeserializer#raw()}. */
@Internal
final class RawRecordDeserializer implements RecordDeserializer<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public RawRecord deserialize(JsonNode record, RecordMeta meta) {
        return new RawRecord(meta, record);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return Types.POJO(RawRecord.class);
    }
}
