package io.httpsync.connector.source.reader;

import com.fasterxml.jackson.databind.JsonNode;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.http.ExceptionEvent;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.RecordMeta;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.split.WindowSplitState;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * Emits a whole page at once and only then advances the split's position, so a checkpoint sees either none or all of
 * a page (runs on the mailbox thread, like every {@link RecordEmitter}). Each record's timestamp is its update time.
 */
@Internal
final class HttpSyncRecordEmitter<T> implements RecordEmitter<FetchedPage, SyncElement<T>, WindowSplitState> {
    private final EndpointSpec endpoint;
    private final RecordDeserializer<T> deserializer;
    private final ExceptionPolicy policy;
    private final SplitOutcomes outcomes;
    private final HttpSyncReaderMetrics metrics;

    HttpSyncRecordEmitter(EndpointSpec endpoint, RecordDeserializer<T> deserializer, ExceptionPolicy policy,
                          SplitOutcomes outcomes, HttpSyncReaderMetrics metrics) {
        this.endpoint = endpoint;
        this.deserializer = deserializer;
        this.policy = policy;
        this.outcomes = outcomes;
        this.metrics = metrics;
    }

    @Override
    public void emitRecord(FetchedPage page, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        switch (page.kind) {
            case PAGE -> {
                for (JsonNode record : page.records) emitOne(record, page.fetchTimeMillis, output, state);
                state.pageRead(page.nextPosition, page.records.size());
                metrics.pageEmitted(state.tenant(), page.records.size());
            }
            case TOO_LARGE -> outcomes.tooLarge(state.splitId(), page.knownTotal, page.coveredFromMillis);
            case FAILED -> raise(page.failure, output, state);
        }
    }

    private void emitOne(JsonNode record, long fetchTime, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        RecordMeta meta;
        T value;
        try {
            meta = new RecordMeta(state.tenant(), endpoint.recordId(record), endpoint.recordUpdateTime(record),
                    state.start(), state.end(), fetchTime);
            value = deserializer.deserialize(record, meta);
        } catch (Exception e) {
            // the record is not lost silently: it becomes an event (or fails the job) naming where it came from
            ExceptionEvent event = ExceptionEvent.forRecord(endpoint.name(), state.tenant(), state.start(), state.end(),
                    state.position(), e.getMessage() == null ? e.getClass().getName() : e.getMessage(), fetchTime);
            if (policy == ExceptionPolicy.FAIL) throw new FlinkRuntimeException("undecodable record: " + event, e);
            output.collect(SyncElement.exception(event));
            return;
        }
        output.collect(SyncElement.record(value), meta.updateTimeMillis());
        metrics.recordFetched(meta.updateTimeMillis(), fetchTime);
    }

    private void raise(ExceptionEvent event, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        if (policy == ExceptionPolicy.FAIL) {
            throw new FlinkRuntimeException("request failed after retries, failing the job as exception policy FAIL asks: " + event);
        }
        output.collect(SyncElement.exception(event));
        outcomes.failed(state.splitId(), event);
    }
}
