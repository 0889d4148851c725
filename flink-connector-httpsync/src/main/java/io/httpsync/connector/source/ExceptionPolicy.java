package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;

/** What the source does when a request exhausts its retries or a record cannot be decoded. */
@PublicEvolving
public enum ExceptionPolicy {
    /** Fail the job (it restarts from the last checkpoint, per the job's restart strategy). */
    FAIL,
    /**
     * Emit an exception event (see {@link HttpSyncStreams#EXCEPTION_EVENTS}) and mark the window
     * failed: the enumerator retries it later and the sync position does not pass it until it
     * succeeds. Nothing is skipped.
     */
    RECORD_AND_RETRY
}
