package io.httpsync.jobs.bench;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.source.RawRecord;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each record reached the end of a benchmark's job, as seen in the benchmark's own JVM: the
 * sinks of {@link #records} and {@link #events} write into the log of their name, which the
 * benchmark reads while the job runs. Only for a local Flink in the same JVM (the benchmarks' own);
 * a sink on another process would write into that process's log. Unlike Flink's collect sink,
 * nothing waits for a checkpoint, so a record's arrival time is when the job emitted it.
 *
 * <p>Thread contract: the sinks' writers (any number of task threads) and the benchmark's thread
 * use a log at once; its maps and counters are concurrent, and a record keeps its first arrival.
 */
final class ArrivalLog {
    private static final Map<String, ArrivalLog> LOGS = new ConcurrentHashMap<>();

    /** Per {@code tenant + "/" + id}: its update time and when it first arrived (epoch millis). */
    final Map<String, long[]> records = new ConcurrentHashMap<>();

    final AtomicLong events = new AtomicLong();

    private ArrivalLog() {}

    /** A new, empty log of this name (replacing one of the same name). */
    static ArrivalLog open(String name) {
        ArrivalLog log = new ArrivalLog();
        LOGS.put(name, log);
        return log;
    }

    /** Forgets the log of this name. */
    static void close(String name) {
        LOGS.remove(name);
    }

    private static ArrivalLog named(String name) {
        ArrivalLog log = LOGS.get(name);
        if (log == null)
            throw new IllegalStateException(
                    "no arrival log '" + name + "' in this JVM: the job must run in a local Flink");
        return log;
    }

    /** A sink noting every record's arrival in the log {@code name}. */
    static Sink<RawRecord> records(String name) {
        return new LogSink<>(name, ArrivalLog::arrived);
    }

    /** A sink counting the exception events in the log {@code name}. */
    static Sink<ExceptionEvent> events(String name) {
        return new LogSink<>(name, (log, event) -> log.events.incrementAndGet());
    }

    private void arrived(RawRecord r) {
        records.putIfAbsent(
                r.tenant + "/" + r.id, new long[] {r.updateTime, System.currentTimeMillis()});
    }

    /** What a sink notes of an element in its log. */
    private interface Note<T> extends Serializable {
        void note(ArrivalLog log, T element);
    }

    /** A sink whose writer notes every element in the log of its name, and keeps nothing. */
    private record LogSink<T>(String name, Note<T> note) implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            ArrivalLog log = named(name);
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context c) {
                    note.note(log, element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
