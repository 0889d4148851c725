package io.httpsync.connector.table;

import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.SyncElement;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.RuntimeContextInitializationContextAdapters;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.util.Collector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Turns the source's elements into table rows: each record's JSON through the table's format, followed by the
 * declared metadata columns in the planner's order.
 *
 * <p>A SQL table has no side output, so exception events (the source emits them only under policy
 * record-and-retry) are counted in {@code numExceptionEvents} and logged, the first of each window at WARN and the
 * rest summed up ({@link ExceptionEventLog}), so that a window of undecodable records does not flood the log. A record
 * the format cannot decode fails the job: retrying its window would not change it. A format told to skip bad
 * records ({@code json.ignore-parse-errors}) returns null; those are counted in {@code numSkippedRecords}.
 *
 * <p>All methods run on the task thread.
 */
@Internal
final class RecordRowDecoder extends ProcessFunction<SyncElement<RawRecord>, RowData> {
    private static final long serialVersionUID = 1L;

    private final String tableName;
    private final DeserializationSchema<RowData> format;
    private final List<ReadableMetadata> metadata;
    private final Duration summaryInterval;
    private transient Counter exceptionEvents;
    private transient Counter skippedRecords;
    private transient ExceptionEventLog eventLog;

    RecordRowDecoder(String tableName, DeserializationSchema<RowData> format, List<ReadableMetadata> metadata,
                     Duration summaryInterval) {
        this.tableName = tableName;
        this.summaryInterval = summaryInterval;
        this.format = format;
        this.metadata = List.copyOf(metadata);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        format.open(RuntimeContextInitializationContextAdapters.deserializationAdapter(getRuntimeContext()));
        exceptionEvents = getRuntimeContext().getMetricGroup().counter("numExceptionEvents");
        skippedRecords = getRuntimeContext().getMetricGroup().counter("numSkippedRecords");
        eventLog = new ExceptionEventLog(tableName, summaryInterval);
    }

    @Override
    public void processElement(SyncElement<RawRecord> element, Context ctx, Collector<RowData> out) throws IOException {
        if (element.isPosition()) return;   // the table source does not ask for positions; nothing to decode either way
        if (element.isException()) {
            exceptionEvents.inc();
            eventLog.log(element.exception(), System.currentTimeMillis());
            return;
        }
        RawRecord record = element.record();
        RowData physical = decode(record);
        if (physical == null) {
            skippedRecords.inc();
            return;
        }
        out.collect(metadata.isEmpty() ? physical : withMetadata(physical, record));
    }

    private RowData decode(RawRecord record) throws IOException {
        try {
            return format.deserialize(record.json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            // the record's content stays out of the message: it is the tenant's data, not ours to log
            throw new IOException("Table " + tableName + ": the format cannot decode record '" + record.id + "' of tenant '"
                    + record.tenant + "' (window [" + record.windowStart + ", " + record.windowEnd + ")): " + e.getMessage(), e);
        }
    }

    private RowData withMetadata(RowData physical, RawRecord record) {
        GenericRowData meta = new GenericRowData(metadata.size());
        for (int i = 0; i < metadata.size(); i++) meta.setField(i, metadata.get(i).extractor.read(record));
        return new JoinedRowData(physical.getRowKind(), physical, meta);
    }
}
