package io.httpsync.connector.source.reader;

import com.fasterxml.jackson.databind.JsonNode;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.RecordMeta;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowOutcome;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitState;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * Emits a whole page at once and only then advances the split's position, so a checkpoint sees either none or all of
 * a page (runs on the mailbox thread, like every {@link RecordEmitter}). Each record's timestamp is its update time.
 * Every element emitted counts in the source's {@code numRecordsIn}, see {@link HttpSyncReaderMetrics#fetchedPageEmitted}.
 */
@Internal
final class HttpSyncRecordEmitter<T> implements RecordEmitter<FetchedPage, SyncElement<T>, WindowSplitState> {
    private final EndpointSpec endpoint;
    private final RecordFields fields;
    private final RecordDeserializer<T> deserializer;
    private final ExceptionPolicy policy;
    private final SplitOutcomes outcomes;
    private final HttpSyncReaderMetrics metrics;

    HttpSyncRecordEmitter(EndpointSpec endpoint, RecordDeserializer<T> deserializer, ExceptionPolicy policy,
                          SplitOutcomes outcomes, HttpSyncReaderMetrics metrics) {
        this.endpoint = endpoint;
        this.fields = new RecordFields(endpoint);
        this.deserializer = deserializer;
        this.policy = policy;
        this.outcomes = outcomes;
        this.metrics = metrics;
    }

    @Override
    public void emitRecord(FetchedPage page, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        int emitted = switch (page.kind) {
            case PAGE -> {
                WindowSplit split = state.split();
                for (JsonNode record : page.records) emitOne(record, page.fetchTimeMillis, output, split, state.position());
                state.pageEmitted(page.nextPosition, page.records.size());
                metrics.pageEmitted(split.tenant(), page.records.size());
                yield page.records.size();
            }
            case TOO_LARGE -> tooLarge(page, output, state);
            case FAILED -> raise(page.failure, output, state);
        };
        metrics.fetchedPageEmitted(emitted);
    }

    /**
     * A window too large for the platform's paging cap: normally the enumerator splits it (this reader emits the
     * records of the page at the cap, if any, as the covered part reaches down to them). A window the enumerator
     * already marked unsplittable (at the minimum width) cannot shrink, and the records beyond the cap cannot be read: the window fails for a lasting cause (asking again gives the same
     * answer), so the sync position never passes it and a bounded sync ends naming it. The records up to the cap are
     * still emitted (harmless: they are read again with the window); the event says how many the platform reports
     * against the cap.
     */
    private int tooLarge(FetchedPage page, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        WindowSplit split = state.split();
        if (!split.isUnsplittable()) {
            // Stopped at the cap without a total: this page's records are part of what the enumerator will count as
            // covered ([coveredFrom, end)), so they are emitted. Split on the first page: it carries none.
            for (JsonNode record : page.records) emitOne(record, page.fetchTimeMillis, output, split, state.position());
            state.pageEmitted(null, page.records.size());
            // without a total the platform told no count: the cap was hit, which is all the enumerator needs
            outcomes.note(split.splitId(), WindowOutcome.tooLarge(Math.max(0, page.knownTotal), page.coveredFromMillis));
            return page.records.size();
        }
        for (JsonNode record : page.records) emitOne(record, page.fetchTimeMillis, output, split, state.position());
        String position = state.position();
        state.pageEmitted(null, page.records.size());
        String why = beyondTheCap(page.knownTotal, split.widthMillis());
        ExceptionEvent event = ExceptionEvent.ofWindow(endpoint.name(), split.tenant(), split.startMillis(), split.endMillis(),
                position == null ? "first page" : position, why, page.fetchTimeMillis);
        if (policy == ExceptionPolicy.FAIL) throw new FlinkRuntimeException(event.toString());
        if (outcomes.hasFailed(split.splitId())) return page.records.size();
        output.collect(SyncElement.exception(event));
        outcomes.note(split.splitId(), WindowOutcome.failed(WindowFailure.lasting(why)));
        return page.records.size() + 1;
    }

    /** Why an unsplittable window fails: what the platform reports against its cap, and what a user can change. */
    private String beyondTheCap(long knownTotal, long widthMillis) {
        EndpointSpec.PaginationSettings p = endpoint.pagination();
        StringBuilder cap = new StringBuilder();
        if (p.maxPages() != null) cap.append("'pagination.max-pages' = ").append(p.maxPages()).append(" pages of ").append(p.pageSize());
        if (p.maxRecords() != null) cap.append(cap.length() == 0 ? "" : ", ").append("'pagination.max-records' = ").append(p.maxRecords());
        return "the platform reports " + (knownTotal < 0 ? "more records than its cap" : knownTotal + " records")
                + " for this window, more than its deep-paging cap (" + cap + ") lets a client page through, and the"
                + " window (" + widthMillis + " ms) is at the minimum window width, so it cannot be split further:"
                + " the records beyond the cap cannot be read (a narrower minimum window width, if the platform's time"
                + " format allows one, or a larger page size, can fix it)";
    }

    private void emitOne(JsonNode record, long fetchTime, SourceOutput<SyncElement<T>> output, WindowSplit split, String position) {
        RecordMeta meta;
        T value;
        try {
            meta = new RecordMeta(split.tenant(), fields.id(record), fields.time(record),
                    split.startMillis(), split.endMillis(), fetchTime);
            value = deserializer.deserialize(record, meta);
        } catch (Exception e) {
            undecodable(e, fetchTime, output, split, position);
            return;
        }
        output.collect(SyncElement.record(value), meta.updateTimeMillis());
        metrics.recordFetched(meta.updateTimeMillis(), fetchTime);
    }

    /**
     * A record that cannot be decoded is not lost silently: it fails the job, or its window, which the enumerator
     * retries later and the sync position does not pass. The window's first such record becomes an exception event;
     * the rest of that window's records are still emitted (harmless, they are read again), without an event each.
     */
    private void undecodable(Exception e, long fetchTime, SourceOutput<SyncElement<T>> output, WindowSplit split, String position) {
        String why = "record could not be decoded: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        ExceptionEvent event = ExceptionEvent.ofWindow(endpoint.name(), split.tenant(), split.startMillis(), split.endMillis(),
                position, why, fetchTime);
        if (policy == ExceptionPolicy.FAIL) throw new FlinkRuntimeException("undecodable record: " + event, e);
        if (outcomes.hasFailed(split.splitId())) return;
        output.collect(SyncElement.exception(event));
        outcomes.note(split.splitId(), WindowOutcome.failed(why));
    }

    private int raise(ExceptionEvent event, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        if (policy == ExceptionPolicy.FAIL) {
            throw new FlinkRuntimeException("request failed after retries, failing the job as exception policy FAIL asks: " + event);
        }
        output.collect(SyncElement.exception(event));
        outcomes.note(state.split().splitId(), WindowOutcome.failed(WindowFailure.of(event)));
        return 1;
    }
}
