package io.httpsync.connector.table;

import io.httpsync.connector.source.HttpSyncRecordSource;
import io.httpsync.connector.source.SyncElement;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.metrics.Counter;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * What a table's scan does with the source's elements that are not rows. A SQL table has no side
 * output, so exception events (the source emits them only under policy record-and-retry) are
 * counted in {@code numExceptionEvents} and logged, the first of each window at WARN and the rest
 * summed up ({@link ExceptionEventLog}), so that a window of undecodable records does not flood the
 * log. The table source asks for no tenant positions, so none arrive.
 *
 * <p>One counter and log per reader, used on its mailbox thread.
 */
@Internal
final class TableExceptionEvents implements HttpSyncRecordSource.OtherElements {
    private static final long serialVersionUID = 1L;

    private final String tableName;
    private final Duration summaryInterval;

    TableExceptionEvents(String tableName, Duration summaryInterval) {
        this.tableName = tableName;
        this.summaryInterval = summaryInterval;
    }

    @Override
    public Consumer<SyncElement<?>> forReader(SourceReaderContext context) {
        Counter exceptionEvents = context.metricGroup().counter("numExceptionEvents");
        ExceptionEventLog log = new ExceptionEventLog(tableName, summaryInterval);
        return element -> {
            if (element.isException()) {
                exceptionEvents.inc();
                log.log(element.exception(), System.currentTimeMillis());
            }
        };
    }
}
