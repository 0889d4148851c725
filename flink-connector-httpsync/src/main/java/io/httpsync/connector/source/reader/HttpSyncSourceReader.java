package io.httpsync.connector.source.reader;

import io.httpsync.connector.source.SyncElement;
import io.httpsync.connector.source.event.SyncPositionEvent;
import io.httpsync.connector.source.event.WindowFailedEvent;
import io.httpsync.connector.source.event.WindowTooLargeEvent;
import io.httpsync.connector.source.event.WindowsFinishedAckEvent;
import io.httpsync.connector.source.event.WindowsFinishedEvent;
import io.httpsync.connector.source.split.WindowSplit;
import io.httpsync.connector.source.split.WindowSplitState;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.core.io.InputStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The httpsync source reader: pages the windows the enumerator assigns, emits their records, and tells the
 * enumerator how each window ended.
 *
 * <p>Split lifecycle on the reader (every method here runs on the task's mailbox thread):
 * <ol>
 *   <li>The reader asks for {@code splitsInFlight} windows at start and one more whenever a window ends (pull).</li>
 *   <li>An assigned window is paged by {@link HttpPageSplitReader}; its position (after the last emitted page) is its
 *       state, so a restore resumes mid-window.</li>
 *   <li>When all its records are emitted, the window becomes <em>finished-unacknowledged</em>: it is reported with a
 *       {@link WindowsFinishedEvent} and kept in the reader's checkpointed state (flagged finished) until the
 *       enumerator acknowledges it. Either the enumerator's checkpoint or the reader's holds it, so a failover neither
 *       loses the window nor pages it again; a restored finished window is only reported again.</li>
 *   <li>A window too large for the platform's deep-paging cap is handed back ({@link WindowTooLargeEvent}) to be
 *       split; a window whose request exhausted its retries is handed back as failed ({@link WindowFailedEvent}).</li>
 * </ol>
 * Watermarks follow the sync position: the enumerator broadcasts positions after each completed checkpoint and the
 * reader emits the smallest one as watermark (all data updated before it is in).
 */
@Internal
public final class HttpSyncSourceReader<T>
        extends SingleThreadMultiplexSourceReaderBase<FetchedPage, SyncElement<T>, WindowSplit, WindowSplitState> {
    private final int splitsInFlight;
    private final SplitOutcomes outcomes;
    private final AutoCloseable fetcher;
    private final HttpSyncReaderMetrics metrics;
    private final Map<String, WindowSplit> finishedUnacked = new LinkedHashMap<>();
    private long pendingWatermark = Long.MIN_VALUE;
    private long emittedWatermark = Long.MIN_VALUE;

    HttpSyncSourceReader(Supplier<SplitReader<FetchedPage, WindowSplit>> splitReaders, HttpSyncRecordEmitter<T> emitter,
                         SplitOutcomes outcomes, HttpSyncReaderMetrics metrics, AutoCloseable fetcher, int splitsInFlight,
                         Configuration config, SourceReaderContext context) {
        super(splitReaders, emitter, config, context);
        this.fetcher = fetcher;
        this.outcomes = outcomes;
        this.metrics = metrics;
        this.splitsInFlight = splitsInFlight;
    }

    @Override
    public void start() {
        super.start();
        int missing = splitsInFlight - getNumberOfCurrentlyAssignedSplits();
        for (int i = 0; i < missing; i++) context.sendSplitRequest();
    }

    @Override
    public void addSplits(List<WindowSplit> splits) {
        List<WindowSplit> toRead = new ArrayList<>(splits.size());
        List<WindowSplit> finished = new ArrayList<>();
        for (WindowSplit s : splits) {
            if (s.isFinished()) finished.add(s);
            else toRead.add(s);
        }
        if (!finished.isEmpty()) {
            // restored from a checkpoint taken before the enumerator acknowledged them: report again, never re-read
            finished.forEach(s -> finishedUnacked.put(s.splitId(), s));
            context.sendSourceEventToCoordinator(new WindowsFinishedEvent(finished));
        }
        if (!toRead.isEmpty()) super.addSplits(toRead);
    }

    @Override
    protected void onSplitFinished(Map<String, WindowSplitState> finished) {
        List<WindowSplit> completed = new ArrayList<>();
        for (Map.Entry<String, WindowSplitState> e : finished.entrySet()) {
            WindowSplit split = e.getValue().toSplit();
            SplitOutcomes.Outcome outcome = outcomes.take(e.getKey());
            if (outcome instanceof SplitOutcomes.TooLarge t) {
                context.sendSourceEventToCoordinator(new WindowTooLargeEvent(split, t.knownTotal(), t.coveredFromMillis()));
            } else if (outcome instanceof SplitOutcomes.Failed f) {
                context.sendSourceEventToCoordinator(new WindowFailedEvent(split, f.event().message()));
            } else {
                WindowSplit done = split.asFinished();
                finishedUnacked.put(done.splitId(), done);
                completed.add(done);
            }
        }
        if (!completed.isEmpty()) context.sendSourceEventToCoordinator(new WindowsFinishedEvent(completed));
        for (int i = 0; i < finished.size(); i++) context.sendSplitRequest();
    }

    @Override
    public List<WindowSplit> snapshotState(long checkpointId) {
        List<WindowSplit> state = new ArrayList<>(super.snapshotState(checkpointId));
        state.addAll(finishedUnacked.values());
        return state;
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof WindowsFinishedAckEvent ack) {
            ack.splitIds().forEach(finishedUnacked::remove);
        } else if (event instanceof SyncPositionEvent positions) {
            long min = Long.MAX_VALUE;
            for (Map.Entry<String, Long> e : positions.positions().entrySet()) {
                metrics.syncPosition(e.getKey(), e.getValue());
                min = Math.min(min, e.getValue());
            }
            if (!positions.positions().isEmpty()) pendingWatermark = Math.max(pendingWatermark, min);
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    public InputStatus pollNext(ReaderOutput<SyncElement<T>> output) throws Exception {
        if (pendingWatermark > emittedWatermark) {
            // positions only grow, and a record updated before the position can no longer arrive from any window
            output.emitWatermark(new Watermark(pendingWatermark - 1));
            emittedWatermark = pendingWatermark;
        }
        return super.pollNext(output);
    }

    @Override
    protected WindowSplitState initializedState(WindowSplit split) {
        return new WindowSplitState(split);
    }

    @Override
    protected WindowSplit toSplitType(String splitId, WindowSplitState state) {
        return state.toSplit();
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            fetcher.close();
        }
    }

    /** Windows reported finished whose acknowledgement has not arrived yet. */
    int finishedUnacknowledged() {
        return finishedUnacked.size();
    }
}
