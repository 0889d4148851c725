package io.httpsync.connector.sink;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.IOException;

/**
 * An at-least-once sink of flink-connector-jdbc or flink-connector-kafka without its committer:
 * only the writer, which flushes before every checkpoint barrier.
 *
 * <p>Why: both connectors' sinks declare a committer whatever the delivery guarantee, so Flink adds
 * a committer operator after the writer. In Flink 2.2 that operator copies its committable
 * collector at every checkpoint, and the copy registers the gauge {@code pendingCommittables} again
 * on the same metric group, so every committer subtask logged {@code Name collision: Group already
 * contains a Metric with the name 'pendingCommittables'} at every checkpoint. At least once, those
 * writers never produce a committable and keep no state (their {@code prepareCommit} and {@code
 * snapshotState} return empty lists; checked against JDBC 4.0.0-2.0 and Kafka 5.0.0-2.2), so the
 * committer only commits nothing; without it, nothing is lost.
 *
 * <p>Never wrap an exactly-once sink: its transactions would never be committed.
 *
 * <p>Savepoints of jobs built before this class had a committer operator per sink (uid {@code <sink
 * uid>: Committer}), which this job graph lacks: restoring one needs {@code
 * --allowNonRestoredState}.
 */
@Internal
final class WriterOnlySink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private final Sink<T> atLeastOnce;

    private WriterOnlySink(Sink<T> atLeastOnce) {
        this.atLeastOnce = atLeastOnce;
    }

    /**
     * {@code atLeastOnce}'s writer alone; the sink must have been built with an at-least-once (or
     * no) guarantee.
     */
    static <T> Sink<T> of(Sink<T> atLeastOnce) {
        return new WriterOnlySink<>(atLeastOnce);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        return atLeastOnce.createWriter(context);
    }
}
