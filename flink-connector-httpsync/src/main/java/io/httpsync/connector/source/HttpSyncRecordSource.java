package io.httpsync.connector.source;

import io.httpsync.connector.source.enumerator.HttpSyncEnumState;
import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * An {@link HttpSyncSource} whose output is its records alone: a {@code Source<T>} rather than a
 * {@code Source<SyncElement<T>>}, for what takes only a source of records (a table's scan, Flink's
 * {@code SourceTestSuiteBase}). Everything but the output is the wrapped source's own: enumerator,
 * splits, state, serializers, events. The elements that are not records (exception events, tenant
 * positions) go to the {@link OtherElements} it is given, never silently nowhere.
 *
 * <p>A DataStream job keeps them as side outputs instead ({@code HttpSyncStreams.records}).
 */
@Internal
public final class HttpSyncRecordSource<T>
        implements Source<T, WindowSplit, HttpSyncEnumState>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    /** What a reader does with the elements that are not records. */
    @FunctionalInterface
    public interface OtherElements extends Serializable {
        /**
         * Called once per reader, when it is created; the consumer runs on the reader's mailbox
         * thread.
         */
        Consumer<SyncElement<?>> forReader(SourceReaderContext context);
    }

    private final HttpSyncSource<T> source;
    private final TypeInformation<T> recordType;
    private final OtherElements otherElements;

    public HttpSyncRecordSource(
            HttpSyncSource<T> source, TypeInformation<T> recordType, OtherElements otherElements) {
        this.source = source;
        this.recordType = recordType;
        this.otherElements = otherElements;
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<T, WindowSplit> createReader(SourceReaderContext context) throws Exception {
        return new RecordsOnlyReader<>(
                source.createReader(context), otherElements.forReader(context));
    }

    @Override
    public SplitEnumerator<WindowSplit, HttpSyncEnumState> createEnumerator(
            SplitEnumeratorContext<WindowSplit> context) throws Exception {
        return source.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<WindowSplit, HttpSyncEnumState> restoreEnumerator(
            SplitEnumeratorContext<WindowSplit> context, HttpSyncEnumState checkpoint)
            throws Exception {
        return source.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<WindowSplit> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<HttpSyncEnumState> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return recordType;
    }

    /**
     * Delegates every call to the wrapped reader, on the calling thread (the task's mailbox
     * thread).
     */
    private static final class RecordsOnlyReader<T> implements SourceReader<T, WindowSplit> {
        private final SourceReader<SyncElement<T>, WindowSplit> reader;
        private final Consumer<SyncElement<?>> others;

        /** Flink passes the same output to every poll; it is wrapped once. */
        private ReaderOutput<T> output;

        private RecordsOnlyReaderOutput<T> unwrapping;

        RecordsOnlyReader(
                SourceReader<SyncElement<T>, WindowSplit> reader, Consumer<SyncElement<?>> others) {
            this.reader = reader;
            this.others = others;
        }

        @Override
        public void start() {
            reader.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            if (output != this.output) {
                this.output = output;
                this.unwrapping = new RecordsOnlyReaderOutput<>(output, others);
            }
            return reader.pollNext(unwrapping);
        }

        @Override
        public List<WindowSplit> snapshotState(long checkpointId) {
            return reader.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return reader.isAvailable();
        }

        @Override
        public void addSplits(List<WindowSplit> splits) {
            reader.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            reader.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            reader.handleSourceEvents(event);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            reader.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            reader.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
            reader.pauseOrResumeSplits(toPause, toResume);
        }

        @Override
        public void close() throws Exception {
            reader.close();
        }
    }

    /**
     * Passes records on, hands the other elements over; watermarks and idleness pass through
     * unchanged.
     */
    private static class RecordsOnlyOutput<T> implements SourceOutput<SyncElement<T>> {
        private final SourceOutput<T> output;
        final Consumer<SyncElement<?>> others;

        RecordsOnlyOutput(SourceOutput<T> output, Consumer<SyncElement<?>> others) {
            this.output = output;
            this.others = others;
        }

        @Override
        public void collect(SyncElement<T> element) {
            if (element.isRecord()) output.collect(element.record());
            else others.accept(element);
        }

        @Override
        public void collect(SyncElement<T> element, long timestamp) {
            if (element.isRecord()) output.collect(element.record(), timestamp);
            else others.accept(element);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            output.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            output.markIdle();
        }

        @Override
        public void markActive() {
            output.markActive();
        }
    }

    private static final class RecordsOnlyReaderOutput<T> extends RecordsOnlyOutput<T>
            implements ReaderOutput<SyncElement<T>> {
        private final ReaderOutput<T> output;

        RecordsOnlyReaderOutput(ReaderOutput<T> output, Consumer<SyncElement<?>> others) {
            super(output, others);
            this.output = output;
        }

        @Override
        public SourceOutput<SyncElement<T>> createOutputForSplit(String splitId) {
            return new RecordsOnlyOutput<>(output.createOutputForSplit(splitId), others);
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            output.releaseOutputForSplit(splitId);
        }
    }
}
