package io.httpsync.connector.table;

import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.RecordMeta;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.IOException;

/**
 * Keeps the part of each record at {@link HttpSyncConnectorOptions#RECORD_POINTER} (or the whole
 * record) as JSON text; the table's format decodes it downstream, where it can be opened with a
 * runtime context. A record without that part is an error handled by the source's exception policy,
 * never a silently empty row.
 */
@Internal
final class PointedRecordDeserializer implements RecordDeserializer<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Nullable private final String pointer;
    @Nullable private transient JsonPointer compiled;

    PointedRecordDeserializer(@Nullable String pointer) {
        this.pointer = pointer;
    }

    /** Called on the reader's mailbox thread. */
    @Override
    public RawRecord deserialize(JsonNode record, RecordMeta meta) throws IOException {
        if (pointer == null) return new RawRecord(meta, record);
        if (compiled == null) compiled = JsonPointer.compile(pointer);
        JsonNode part = record.at(compiled);
        if (part.isMissingNode() || part.isNull()) {
            throw new IOException(
                    "record '"
                            + meta.id()
                            + "' of tenant '"
                            + meta.tenant()
                            + "' has nothing at '"
                            + HttpSyncConnectorOptions.RECORD_POINTER.key()
                            + "' "
                            + pointer);
        }
        return new RawRecord(meta, part);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return Types.POJO(RawRecord.class);
    }
}
