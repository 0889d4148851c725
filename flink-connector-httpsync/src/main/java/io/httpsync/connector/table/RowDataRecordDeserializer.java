package io.httpsync.connector.table;

import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDecodingException;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.RecordMeta;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;

import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes a table's records into rows inside the source's reader: the part of each record at {@link
 * HttpSyncConnectorOptions#RECORD_POINTER} (or the whole record) through the table's format,
 * followed by the declared metadata columns in the planner's order.
 *
 * <p>A record without the pointed part is an error handled by the source's exception policy (its
 * window fails, or the job). A record the format cannot decode fails the job ({@link
 * RecordDecodingException}): reading its window again would not change it. A format told to skip
 * bad records ({@code json.ignore-parse-errors}) returns null; those are counted in {@code
 * numSkippedRecords} and left out.
 *
 * <p>Opened once per reader; runs on the reader's mailbox thread.
 */
@Internal
final class RowDataRecordDeserializer implements RecordDeserializer<RowData> {
    private static final long serialVersionUID = 1L;

    private final String tableName;
    private final PointedRecordDeserializer json;
    private final DeserializationSchema<RowData> format;
    private final List<ReadableMetadata> metadata;
    private final TypeInformation<RowData> producedType;
    @Nullable private transient Counter skippedRecords;

    RowDataRecordDeserializer(
            String tableName,
            @Nullable String recordPointer,
            DeserializationSchema<RowData> format,
            List<ReadableMetadata> metadata,
            TypeInformation<RowData> producedType) {
        this.tableName = tableName;
        this.json = new PointedRecordDeserializer(recordPointer);
        this.format = format;
        this.metadata = List.copyOf(metadata);
        this.producedType = producedType;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) throws Exception {
        format.open(context);
        skippedRecords = context.getMetricGroup().counter("numSkippedRecords");
    }

    @Override
    @Nullable
    public RowData deserialize(JsonNode record, RecordMeta meta) throws IOException {
        RawRecord raw = json.deserialize(record, meta);
        RowData physical;
        try {
            physical = format.deserialize(raw.json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // named by id, tenant and window; the format's own message follows (and may quote the
            // record)
            throw new RecordDecodingException(
                    "Table "
                            + tableName
                            + ": the format cannot decode record '"
                            + raw.id
                            + "' of tenant '"
                            + raw.tenant
                            + "' (window ["
                            + raw.windowStart
                            + ", "
                            + raw.windowEnd
                            + ")): "
                            + e.getMessage(),
                    e);
        }
        if (physical == null) {
            skippedRecords.inc();
            return null;
        }
        return metadata.isEmpty() ? physical : withMetadata(physical, raw);
    }

    private RowData withMetadata(RowData physical, RawRecord record) {
        GenericRowData meta = new GenericRowData(metadata.size());
        for (int i = 0; i < metadata.size(); i++)
            meta.setField(i, metadata.get(i).extractor.read(record));
        return new JoinedRowData(physical.getRowKind(), physical, meta);
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return producedType;
    }
}
