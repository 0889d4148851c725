package io.httpsync.connector.table;

import io.httpsync.connector.source.HttpSyncRecordSource;
import io.httpsync.connector.source.SyncElement;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;

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

    /** The counter of a table's exception events, its scan's and its lookups'. */
    static final String EXCEPTION_EVENTS_METRIC = "numExceptionEvents";

    private final String tableName;
    private final Duration summaryInterval;

    TableExceptionEvents(String tableName, Duration summaryInterval) {
        this.tableName = tableName;
        this.summaryInterval = summaryInterval;
    }

    @Override
    public Consumer<SyncElement<?>> forReader(SourceReaderContext context) {
        Counter exceptionEvents = context.metricGroup().counter(EXCEPTION_EVENTS_METRIC);
        ExceptionEventLog log = new ExceptionEventLog(tableName, summaryInterval);
        return element -> {
            if (element.isException()) {
                exceptionEvents.inc();
                log.log(element.exception(), System.currentTimeMillis());
            }
        };
    }

    /**
     * The same for a scan whose operators follow the source ({@code changelog.mode}): an operator
     * chained to it that logs and counts the exception events and passes everything else on, in
     * order. Task thread only.
     */
    ProcessFunction<SyncElement<RowData>, SyncElement<RowData>> passingOn() {
        return new PassingOn(tableName, summaryInterval);
    }

    private static final class PassingOn
            extends ProcessFunction<SyncElement<RowData>, SyncElement<RowData>> {
        private static final long serialVersionUID = 1L;
        private final String tableName;
        private final Duration summaryInterval;
        private transient Counter exceptionEvents;
        private transient ExceptionEventLog log;

        PassingOn(String tableName, Duration summaryInterval) {
            this.tableName = tableName;
            this.summaryInterval = summaryInterval;
        }

        @Override
        public void open(OpenContext openContext) {
            exceptionEvents = getRuntimeContext().getMetricGroup().counter(EXCEPTION_EVENTS_METRIC);
            log = new ExceptionEventLog(tableName, summaryInterval);
        }

        @Override
        public void processElement(
                SyncElement<RowData> element, Context ctx, Collector<SyncElement<RowData>> out) {
            if (element.isException()) {
                exceptionEvents.inc();
                log.log(element.exception(), System.currentTimeMillis());
            } else {
                out.collect(element);
            }
        }
    }
}
