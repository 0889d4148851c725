package io.httpsync.contacts.job;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.util.List;

/**
 * What one corp run of the contacts job did: the writer's counts (see {@code SyncReport}), the size
 * of the directory fetched, and, with {@code contacts.verify}, how the tables compared with it
 * afterwards ({@code missing} and {@code wrong}, -1 when not compared). {@code events}: the run's
 * failures as exception events (a listing that failed, deletions the ratio guard refused, a write
 * that failed), which the job stores in {@code jdbc.events-table}. {@code elapsedMillis}: the whole
 * run, fetch included. {@code requests}: requests the fetch sent to the platform; {@code
 * hashesCompared} and {@code rowsWritten}: the writer's (see {@code SyncReport}). Immutable.
 */
@PublicEvolving
public record CorpRunOutcome(
        String corpId,
        String platform,
        long round,
        String runId,
        Status status,
        int created,
        int updated,
        int unchanged,
        int deleted,
        int degraded,
        int cycles,
        int violations,
        boolean deletionsRefused,
        @Nullable String message,
        long elapsedMillis,
        int departments,
        int employees,
        int missing,
        int wrong,
        List<ExceptionEvent> events,
        long requests,
        int hashesCompared,
        long rowsWritten) {
    /**
     * {@code OK}, {@code INCOMPLETE} (a listing failed: nothing written), {@code FAILED} (a write
     * failed, or the run did not end within {@code contacts.run-timeout}; what was committed stays
     * and the next run continues from it), {@code SKIPPED} (the corp's previous run was still going
     * when this one was due).
     */
    public enum Status {
        OK,
        INCOMPLETE,
        FAILED,
        SKIPPED
    }

    public CorpRunOutcome {
        events = List.copyOf(events);
    }

    /** Entities the run accounted for: each once in the sync log. */
    public int entities() {
        return created + updated + unchanged + deleted;
    }

    /** A run that did not happen or ended without the writer's report, with why. */
    static CorpRunOutcome without(
            CorpRunRequest request,
            String platform,
            Status status,
            String runId,
            String message,
            long elapsedMillis,
            List<ExceptionEvent> events) {
        return new CorpRunOutcome(
                request.corpId(),
                platform,
                request.round(),
                runId,
                status,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                false,
                message,
                elapsedMillis,
                0,
                0,
                -1,
                -1,
                events,
                0,
                0,
                0);
    }
}
