package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * A window whose records were all emitted, waiting for a checkpoint to complete before it counts as
 * committed.
 *
 * @param reportedSplitId the id of the split whose report produced it (for a hot window, the
 *     covered part belongs to the reported split, which had a different window)
 * @param window the finished window, unstarted: what is handed out again if its reader fails before
 *     a checkpoint
 * @param checkpointId the first checkpoint snapshotted after the report, or {@link
 *     #NOT_YET_CHECKPOINTED}
 */
@Internal
public record FinishedWindow(String reportedSplitId, WindowSplit window, long checkpointId) {

    /** Marks a window reported after the latest enumerator snapshot. */
    public static final long NOT_YET_CHECKPOINTED = -1L;

    public FinishedWindow {
        checkNotNull(reportedSplitId, "reportedSplitId");
        checkNotNull(window, "window");
    }

    public boolean isCheckpointed() {
        return checkpointId != NOT_YET_CHECKPOINTED;
    }

    /** True once a checkpoint that covers all the window's records has completed. */
    public boolean isCommittedBy(long completedCheckpointId) {
        return isCheckpointed() && checkpointId <= completedCheckpointId;
    }
}
