package io.httpsync.connector.source.reader;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RecordFields;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.RecordDecodingException;
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

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Emits a whole page at once and only then advances the split's position, so a checkpoint sees
 * either none or all of a page (runs on the mailbox thread, like every {@link RecordEmitter}). Each
 * record's timestamp is its update time. Every element emitted counts in the source's {@code
 * numRecordsIn}, see {@link HttpSyncReaderMetrics#fetchedPageEmitted}.
 *
 * <p>How a window ends is written into its split state ({@link WindowSplitState#ended}) in the same
 * action that emits the page it follows from: the reader reports the split with it once Flink
 * reports the split finished, and a checkpoint in between already holds it.
 */
@Internal
final class HttpSyncRecordEmitter<T>
        implements RecordEmitter<FetchedPage, SyncElement<T>, WindowSplitState> {
    private final EndpointSpec endpoint;
    private final RecordFields fields;
    private final RecordDeserializer<T> deserializer;
    private final ExceptionPolicy policy;
    private final PlatformClockCheck clockCheck;
    private final HttpSyncReaderMetrics metrics;

    HttpSyncRecordEmitter(
            EndpointSpec endpoint,
            RecordDeserializer<T> deserializer,
            ExceptionPolicy policy,
            PlatformClockCheck clockCheck,
            HttpSyncReaderMetrics metrics) {
        this.endpoint = endpoint;
        this.fields = new RecordFields(endpoint);
        this.deserializer = deserializer;
        this.policy = policy;
        this.clockCheck = clockCheck;
        this.metrics = metrics;
    }

    @Override
    public void emitRecord(
            FetchedPage page, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        WindowOutcome outcome = page.outcome;
        int emitted;
        if (outcome == null || outcome.kind() == WindowOutcome.Kind.FINISHED) {
            emitted = emitPage(page, output, state);
            metrics.pageEmitted(state.split().tenant(), page.records.size());
        } else if (outcome.kind() == WindowOutcome.Kind.TOO_LARGE
                && state.split().isUnsplittable()) {
            // the records beyond the cap cannot be read: the window fails for a lasting cause, so
            // the position never
            // passes it and a bounded sync ends naming it
            String why = beyondTheCap(outcome.knownTotal(), state.split().widthMillis());
            emitted = unsplittableTooLarge(page, output, state, why);
            outcome = WindowOutcome.failed(WindowFailure.lasting(why));
        } else if (outcome.kind() == WindowOutcome.Kind.TOO_LARGE) {
            // the enumerator splits the window and counts [coveredFrom, end) as read: the records
            // of the page at which
            // paging stopped at the cap lie there and must be emitted (a page that asks for a split
            // before any
            // record has none)
            emitted = emitPage(page, output, state);
        } else {
            emitted = raise(page.failure, output);
        }
        if (outcome != null) {
            // a finished window the platform's clock had not passed becomes too early; a failure
            // noted before stays
            state.ended(clockCheck.ended(state.split(), outcome));
        }
        metrics.fetchedPageEmitted(emitted);
    }

    private int emitPage(
            FetchedPage page, SourceOutput<SyncElement<T>> output, WindowSplitState state) {
        for (JsonNode record : page.records) emitOne(record, page.fetchTimeMillis, output, state);
        state.pageEmitted(page.nextPosition, page.records.size());
        return page.records.size();
    }

    /**
     * A window too large for the platform's paging cap: normally the enumerator splits it (this
     * reader emits the records of the page at the cap, if any, as the covered part reaches down to
     * them). A window the enumerator already marked unsplittable (at the minimum width) cannot
     * shrink, and the records beyond the cap cannot be read: the window fails for a lasting cause
     * (asking again gives the same answer), so the sync position never passes it and a bounded sync
     * ends naming it. The records up to the cap are still emitted (harmless: they are read again
     * with the window); the event says how many the platform reports against the cap.
     */
    private int unsplittableTooLarge(
            FetchedPage page,
            SourceOutput<SyncElement<T>> output,
            WindowSplitState state,
            String why) {
        WindowSplit split = state.split();
        String position =
                state.position(); // where the page at the cap was asked for (null: the window's
        // first page)
        int records = emitPage(page, output, state);
        ExceptionEvent event =
                ExceptionEvent.ofWindow(
                        endpoint.name(),
                        split.tenant(),
                        split.startMillis(),
                        split.endMillis(),
                        position == null ? "first page" : position,
                        why,
                        page.fetchTimeMillis);
        if (policy == ExceptionPolicy.FAIL) throw new FlinkRuntimeException(event.toString());
        if (state.hasFailed())
            return records; // a failure noted before (an undecodable record) already raised its
        // event
        output.collect(SyncElement.exception(event));
        return records + 1;
    }

    /**
     * Why an unsplittable window fails: what the platform reports against its cap, and what a user
     * can change.
     */
    private String beyondTheCap(long knownTotal, long widthMillis) {
        EndpointSpec.PaginationSettings p = endpoint.pagination();
        StringBuilder cap = new StringBuilder();
        if (p.maxPages() != null)
            cap.append("'pagination.max-pages' = ")
                    .append(p.maxPages())
                    .append(" pages of ")
                    .append(p.pageSize());
        if (p.maxRecords() != null)
            cap.append(cap.length() == 0 ? "" : ", ")
                    .append("'pagination.max-records' = ")
                    .append(p.maxRecords());
        return "the platform reports "
                + (knownTotal < 0 ? "more records than its cap" : knownTotal + " records")
                + " for this window, more than its deep-paging cap ("
                + cap
                + ") lets a client page through, and the"
                + " window ("
                + widthMillis
                + " ms) is at the minimum window width, so it cannot be split further:"
                + " the records beyond the cap cannot be read (a narrower minimum window width, if the platform's time"
                + " format allows one, or a larger page size, can fix it)";
    }

    private void emitOne(
            JsonNode record,
            long fetchTime,
            SourceOutput<SyncElement<T>> output,
            WindowSplitState state) {
        WindowSplit split = state.split();
        RecordMeta meta;
        T value;
        try {
            meta =
                    new RecordMeta(
                            split.tenant(),
                            fields.id(record),
                            fields.time(record),
                            split.startMillis(),
                            split.endMillis(),
                            fetchTime);
            value = deserializer.deserialize(record, meta);
        } catch (RecordDecodingException e) {
            throw e; // reading the window again would not change it: the job fails
        } catch (Exception e) {
            undecodable(e, fetchTime, output, state);
            return;
        }
        if (value == null) return; // left out on purpose by the deserializer, which counts it
        output.collect(SyncElement.record(value), meta.updateTimeMillis());
        metrics.recordFetched(meta.updateTimeMillis(), fetchTime);
    }

    /**
     * A record that cannot be decoded is not lost silently: it fails the job, or its window, which
     * the enumerator retries later and the sync position does not pass. The window's first such
     * record becomes an exception event; the rest of that window's records are still emitted
     * (harmless, they are read again), without an event each.
     */
    private void undecodable(
            Exception e,
            long fetchTime,
            SourceOutput<SyncElement<T>> output,
            WindowSplitState state) {
        WindowSplit split = state.split();
        String why =
                "record could not be decoded: "
                        + (e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        ExceptionEvent event =
                ExceptionEvent.ofWindow(
                        endpoint.name(),
                        split.tenant(),
                        split.startMillis(),
                        split.endMillis(),
                        state.position(),
                        why,
                        fetchTime);
        if (policy == ExceptionPolicy.FAIL)
            throw new FlinkRuntimeException("undecodable record: " + event, e);
        if (state.hasFailed()) return;
        output.collect(SyncElement.exception(event));
        state.ended(WindowOutcome.failed(why));
    }

    private int raise(ExceptionEvent event, SourceOutput<SyncElement<T>> output) {
        if (policy == ExceptionPolicy.FAIL) {
            throw new FlinkRuntimeException(
                    "request failed after retries, failing the job as exception policy FAIL asks: "
                            + event);
        }
        output.collect(SyncElement.exception(event));
        return 1;
    }
}
