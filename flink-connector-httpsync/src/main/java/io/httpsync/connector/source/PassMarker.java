package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * A full pass of one tenant started, completed or was abandoned: an element of the source ({@link
 * SyncElement#marker}) when the source runs full passes ({@code pass.interval}). Every reader emits
 * each marker once, after every record it emitted before, so that an operator that has the marker
 * from all {@link #readers()} readers on one input channel has every record before it ({@link
 * PassChangelog} turns the markers into deletions).
 *
 * @param kind what happened
 * @param tenant the tenant whose pass it is
 * @param passStartMillis when the pass started (wall clock): the pass's id for its tenant
 * @param rangeStartMillis the first update time the pass lists
 * @param rangeEndMillis the update time the pass lists up to (exclusive): the tenant's sync
 *     position when the pass started; later updates are read by the running sync
 * @param reader the reader (source subtask) that emitted this marker, -1 in the enumerator's event
 * @param readers how many readers emit it
 */
@PublicEvolving
public record PassMarker(
        Kind kind,
        String tenant,
        long passStartMillis,
        long rangeStartMillis,
        long rangeEndMillis,
        int reader,
        int readers)
        implements Serializable {

    /** What happened to the pass. */
    @PublicEvolving
    public enum Kind {
        /** The pass started: records emitted after this marker were seen during the pass. */
        STARTED,
        /**
         * Every window of the pass was read, none failed, and the running sync has read everything
         * updated while the pass listed: a key of the range seen by neither is gone.
         */
        COMPLETED,
        /** A window of the pass failed (an outage, a refusal): the pass deletes nothing. */
        ABANDONED
    }

    public PassMarker {
        checkNotNull(kind, "kind");
        checkNotNull(tenant, "tenant");
    }

    /** This marker as emitted by reader {@code reader} of {@code readers}. */
    public PassMarker from(int reader, int readers) {
        return new PassMarker(
                kind, tenant, passStartMillis, rangeStartMillis, rangeEndMillis, reader, readers);
    }
}
