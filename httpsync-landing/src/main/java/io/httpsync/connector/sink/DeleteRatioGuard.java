package io.httpsync.connector.sink;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.io.Serializable;

/**
 * The delete-ratio guard shared by both ways of completing a full pass ({@link DeletionMarker},
 * {@link SnapshotTable}): a pass that would make more than {@code maxRatio} of a tenant's records
 * disappear is more likely a platform outage or an empty answer than real deletions, so it is
 * refused, and the refusal becomes an {@link ExceptionEvent} to store with the others. Immutable.
 */
@Internal
final class DeleteRatioGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double maxRatio;

    /**
     * @param maxRatio the largest share of a tenant's records one pass may make disappear, in [0,
     *     1]
     */
    DeleteRatioGuard(double maxRatio) {
        if (!(maxRatio >= 0 && maxRatio <= 1)) {
            throw new IllegalArgumentException(
                    "max delete ratio must lie in [0, 1], was " + maxRatio);
        }
        this.maxRatio = maxRatio;
    }

    /**
     * The refusal if {@code gone} of {@code candidates} records is too many, else null.
     *
     * @param verb what the pass would do to the rows, e.g. "mark"
     * @param outcome how the message goes on after the table's name, e.g. " deleted"
     * @param instead what happens instead when refused, e.g. "nothing marked"
     */
    @Nullable
    ExceptionEvent refusal(
            String table,
            String tenant,
            String passId,
            long passEndMillis,
            long gone,
            long candidates,
            String verb,
            String outcome,
            String instead) {
        if (candidates == 0 || gone <= maxRatio * candidates) return null;
        String message =
                String.format(
                        "full pass %s would %s %d of %d rows of tenant %s in table %s%s "
                                + "(%.1f%%, more than the allowed %.1f%%); refused, %s",
                        passId,
                        verb,
                        gone,
                        candidates,
                        tenant,
                        table,
                        outcome,
                        100.0 * gone / candidates,
                        100 * maxRatio,
                        instead);
        return ExceptionEvent.ofWindow(
                table,
                tenant,
                Long.MIN_VALUE,
                passEndMillis,
                "pass " + passId,
                message,
                System.currentTimeMillis());
    }
}
