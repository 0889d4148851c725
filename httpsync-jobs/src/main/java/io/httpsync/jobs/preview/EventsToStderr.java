package io.httpsync.jobs.preview;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.api.common.accumulators.IntCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Prints every exception event to stderr (without secrets: the connector redacts events when it
 * builds them) and counts them in the accumulator {@value #COUNTER}, so that {@code sync --out}
 * exits non-zero: no silent loss. Emits nothing.
 *
 * <p>Thread contract: Flink calls it from its one task thread only; the accumulator is merged by
 * Flink.
 */
final class EventsToStderr extends ProcessFunction<ExceptionEvent, String> {
    private static final long serialVersionUID = 1L;
    static final String COUNTER = "httpsync-exception-events";

    private transient IntCounter events;

    @Override
    public void open(OpenContext context) {
        events = new IntCounter();
        getRuntimeContext().addAccumulator(COUNTER, events);
    }

    @Override
    public void processElement(ExceptionEvent event, Context ctx, Collector<String> out) {
        events.add(1);
        System.err.println("EXCEPTION EVENT: " + event);
    }
}
