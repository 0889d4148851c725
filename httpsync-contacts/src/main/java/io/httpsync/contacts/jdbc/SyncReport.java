package io.httpsync.contacts.jdbc;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

/**
 * What one run did for one corp. {@code status}: {@link Status#OK}, {@link Status#INCOMPLETE} (a
 * listing failed, so nothing was written) or {@link Status#FAILED} (a write failed; what was
 * committed stays, consistent, and the next run continues from it). {@code violations}: constraint
 * errors the database raised (0 unless there is a bug). {@code cycles}: components of the
 * dependency graph that merged a cycle; {@code degraded}: entities written without their heads or
 * leader first and completed afterwards. {@code deletionsRefused}: the ratio guard kept the
 * deletions back. {@code hashesCompared}: stored Merkle hashes compared with the directory's (1 for
 * an unchanged corp, 0 when no hashes were stored yet); {@code rowsWritten}: rows of the
 * department, employee, head and membership tables the run inserted, updated or deleted (0 for an
 * unchanged corp; the sync log, the run record and the hashes are not counted).
 */
@PublicEvolving
public record SyncReport(
        String runId,
        String corpId,
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
        int hashesCompared,
        long rowsWritten) {
    public enum Status {
        OK,
        INCOMPLETE,
        FAILED
    }

    /** Entities the run accounted for: each once in the sync log. */
    public int entities() {
        return created + updated + unchanged + deleted;
    }
}
