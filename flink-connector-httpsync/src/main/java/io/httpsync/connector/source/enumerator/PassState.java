package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The checkpointed full passes of one tenant ({@link PassScheduler}): when its next pass is due,
 * and the pass running now, if any.
 *
 * @param tenant the tenant
 * @param nextPassAtMillis when its next pass is due (wall clock); while a pass runs, when that one
 *     was due
 * @param running the pass running now, or null
 */
@Internal
public record PassState(String tenant, long nextPassAtMillis, @Nullable Running running) {

    public PassState {
        checkNotNull(tenant, "tenant");
    }

    /**
     * A pass in progress.
     *
     * @param startMillis when it started (wall clock): the pass's id for its tenant
     * @param rangeStartMillis the first update time it lists
     * @param rangeEndMillis the update time it lists up to (exclusive)
     * @param listedAtMillis when every window of it had been read, or null if some are not yet
     * @param abandoned whether a window of it failed (it ends as abandoned once none is with a
     *     reader)
     * @param reported whether a reader reported a window of it: that reader had emitted the pass's
     *     {@code STARTED} marker before, so a checkpoint taken since holds it downstream
     * @param windows where its windows are (its own ledger, without refresh tokens or passes)
     */
    @Internal
    public record Running(
            long startMillis,
            long rangeStartMillis,
            long rangeEndMillis,
            @Nullable Long listedAtMillis,
            boolean abandoned,
            boolean reported,
            HttpSyncEnumState windows) {

        public Running {
            checkNotNull(windows, "windows");
        }
    }
}
