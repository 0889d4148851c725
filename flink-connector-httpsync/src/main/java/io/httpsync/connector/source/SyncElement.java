package io.httpsync.connector.source;

import io.httpsync.connector.http.ExceptionEvent;
import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;
import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link HttpSyncSource} emits: a record of a tenant's window, or an exception event (a request that exhausted
 * its retries, a record that could not be decoded). {@link HttpSyncStreams#records} splits a stream of elements into
 * the records and a side output of exception events, so events are stored rather than swallowed.
 */
@PublicEvolving
public final class SyncElement<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Nullable private final T record;
    @Nullable private final ExceptionEvent exception;

    private SyncElement(@Nullable T record, @Nullable ExceptionEvent exception) {
        this.record = record;
        this.exception = exception;
    }

    public static <T> SyncElement<T> record(T record) {
        return new SyncElement<>(Objects.requireNonNull(record, "record"), null);
    }

    public static <T> SyncElement<T> exception(ExceptionEvent event) {
        return new SyncElement<>(null, Objects.requireNonNull(event, "event"));
    }

    public boolean isRecord() {
        return record != null;
    }

    /** The record; throws if this is an exception event. */
    public T record() {
        if (record == null) throw new IllegalStateException("not a record but an exception event: " + exception);
        return record;
    }

    /** The exception event; throws if this is a record. */
    public ExceptionEvent exception() {
        if (exception == null) throw new IllegalStateException("not an exception event but a record");
        return exception;
    }

    @Override
    public String toString() {
        return record != null ? "SyncElement{record=" + record + "}" : "SyncElement{exception=" + exception + "}";
    }
}
