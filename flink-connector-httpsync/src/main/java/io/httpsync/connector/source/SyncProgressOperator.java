package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Turns the httpsync source's watermarks, which follow the sync position, into elements: each time
 * the position advances, one {@code Long} (the position, epoch millis) goes downstream, e.g. to a
 * progress table. Records pass nowhere; the operator only observes the watermark. Users reach it
 * through {@link HttpSyncStreams}.
 */
@Internal
public final class SyncProgressOperator<T> extends AbstractStreamOperator<Long>
        implements OneInputStreamOperator<T, Long> {
    private long lastPosition = Long.MIN_VALUE;

    @Override
    public void processElement(StreamRecord<T> element) {}

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // the source emits position - 1 as watermark; Long.MAX_VALUE marks the end of a bounded
        // sync
        long position =
                mark.getTimestamp() == Long.MAX_VALUE ? Long.MAX_VALUE : mark.getTimestamp() + 1;
        if (position > lastPosition && mark.getTimestamp() != Long.MAX_VALUE) {
            lastPosition = position;
            output.collect(new StreamRecord<>(position));
        }
        super.processWatermark(mark);
    }
}
