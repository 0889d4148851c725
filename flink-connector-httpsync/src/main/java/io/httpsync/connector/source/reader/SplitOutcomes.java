package io.httpsync.connector.source.reader;

import io.httpsync.connector.http.ExceptionEvent;
import org.apache.flink.annotation.Internal;

import java.util.HashMap;
import java.util.Map;

/**
 * How splits that just ended ended, noted by the record emitter and read by the reader when Flink reports the split
 * finished. Both run on the task's mailbox thread, and Flink emits a split's last element before reporting it
 * finished, so no synchronization is needed.
 */
@Internal
final class SplitOutcomes {
    sealed interface Outcome permits TooLarge, Failed {}

    record TooLarge(long knownTotal, Long coveredFromMillis) implements Outcome {}

    record Failed(ExceptionEvent event) implements Outcome {}

    private final Map<String, Outcome> bySplit = new HashMap<>();

    void tooLarge(String splitId, long knownTotal, Long coveredFromMillis) {
        bySplit.put(splitId, new TooLarge(knownTotal, coveredFromMillis));
    }

    void failed(String splitId, ExceptionEvent event) {
        bySplit.put(splitId, new Failed(event));
    }

    /** The outcome of a finished split, or null if it completed normally; forgets it. */
    Outcome take(String splitId) {
        return bySplit.remove(splitId);
    }
}
