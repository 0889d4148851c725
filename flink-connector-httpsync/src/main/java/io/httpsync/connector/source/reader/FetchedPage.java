package io.httpsync.connector.source.reader;

import com.fasterxml.jackson.databind.JsonNode;
import io.httpsync.connector.domain.ExceptionEvent;
import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;
import java.util.List;

/**
 * What the fetcher thread hands to the mailbox thread for one split: one page of records and the position after
 * it, or the reason the split ends without (more) records. A page is emitted as a whole by
 * {@link HttpSyncRecordEmitter}, so a checkpoint never falls inside a page: the split state's position is always
 * "after a whole page", and a restore never requests a page whose records were emitted.
 */
@Internal
final class FetchedPage {
    enum Kind {
        /** Records, and the position after them ({@code null}: the window is done). */
        PAGE,
        /** The window holds more records than the platform lets a client page through. */
        TOO_LARGE,
        /** A request exhausted its retries. */
        FAILED
    }

    final Kind kind;
    final List<JsonNode> records;
    @Nullable final String nextPosition;
    final long knownTotal;
    @Nullable final Long coveredFromMillis;
    @Nullable final ExceptionEvent failure;
    final long fetchTimeMillis;

    private FetchedPage(Kind kind, List<JsonNode> records, @Nullable String nextPosition, long knownTotal,
                        @Nullable Long coveredFromMillis, @Nullable ExceptionEvent failure, long fetchTimeMillis) {
        this.kind = kind;
        this.records = records;
        this.nextPosition = nextPosition;
        this.knownTotal = knownTotal;
        this.coveredFromMillis = coveredFromMillis;
        this.failure = failure;
        this.fetchTimeMillis = fetchTimeMillis;
    }

    static FetchedPage page(List<JsonNode> records, @Nullable String nextPosition, long fetchTime) {
        return new FetchedPage(Kind.PAGE, records, nextPosition, -1, null, null, fetchTime);
    }

    static FetchedPage tooLarge(List<JsonNode> records, long knownTotal, @Nullable Long coveredFromMillis, long fetchTime) {
        return new FetchedPage(Kind.TOO_LARGE, records, null, knownTotal, coveredFromMillis, null, fetchTime);
    }

    static FetchedPage failed(ExceptionEvent failure, long fetchTime) {
        return new FetchedPage(Kind.FAILED, List.of(), null, -1, null, failure, fetchTime);
    }

    boolean endsSplit() {
        return kind != Kind.PAGE || nextPosition == null;
    }
}
