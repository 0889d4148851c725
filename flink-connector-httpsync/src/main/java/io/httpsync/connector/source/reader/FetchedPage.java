package io.httpsync.connector.source.reader;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.pagination.PagePosition;
import io.httpsync.connector.source.split.WindowFailure;
import io.httpsync.connector.source.split.WindowOutcome;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import javax.annotation.Nullable;

import java.util.List;

/**
 * What the fetcher thread hands to the mailbox thread for one split: one page of records and the
 * (typed) position after it, or, if the window ends with this page, its {@link WindowOutcome}: the
 * one form the outcome keeps from here to the enumerator. A page is emitted as a whole by {@link
 * HttpSyncRecordEmitter}, so a checkpoint never falls inside a page: the split state's position is
 * always "after a whole page", and a restore never requests a page whose records were emitted.
 * Immutable.
 */
@Internal
final class FetchedPage {
    final List<JsonNode> records;

    /** The position of the next page; null when the window ends with this page. */
    @Nullable final PagePosition nextPosition;

    /** How the window ends with this page, or null if paging goes on. */
    @Nullable final WindowOutcome outcome;

    /** The exception event of a failed request, emitted downstream; null for any other page. */
    @Nullable final ExceptionEvent failure;

    final long fetchTimeMillis;

    private FetchedPage(
            List<JsonNode> records,
            @Nullable PagePosition nextPosition,
            @Nullable WindowOutcome outcome,
            @Nullable ExceptionEvent failure,
            long fetchTimeMillis) {
        this.records = records;
        this.nextPosition = nextPosition;
        this.outcome = outcome;
        this.failure = failure;
        this.fetchTimeMillis = fetchTimeMillis;
    }

    /** Records, and the position after them ({@code null}: the window is finished). */
    static FetchedPage page(
            List<JsonNode> records, @Nullable PagePosition nextPosition, long fetchTime) {
        return new FetchedPage(
                records,
                nextPosition,
                nextPosition == null ? WindowOutcome.finished() : null,
                null,
                fetchTime);
    }

    /**
     * The window holds more records than the platform lets a client page through.
     *
     * @param knownTotal the platform's total for the window, or -1 if it reported none
     * @param coveredFromMillis the time at which paging stopped at the cap, or null if no record
     *     was read
     */
    static FetchedPage tooLarge(
            List<JsonNode> records,
            long knownTotal,
            @Nullable Long coveredFromMillis,
            long fetchTime) {
        return new FetchedPage(
                records,
                null,
                WindowOutcome.tooLarge(knownTotal, coveredFromMillis),
                null,
                fetchTime);
    }

    /**
     * A request exhausted its retries, or the page cannot be emitted as the window's: the window
     * fails.
     */
    static FetchedPage failed(ExceptionEvent failure, long fetchTime) {
        return new FetchedPage(
                List.of(),
                null,
                WindowOutcome.failed(WindowFailure.of(failure)),
                failure,
                fetchTime);
    }

    boolean endsSplit() {
        return outcome != null;
    }
}
