package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link HttpSyncSource} emits: a record of a tenant's window, an exception event (a request
 * that exhausted its retries, a record that could not be decoded) or, if the source was asked to, a
 * {@link TenantPosition tenant's sync position}. {@link HttpSyncStreams#records} splits a stream of
 * elements into the records and side outputs of exception events and positions, so events are
 * stored rather than swallowed. Its type is {@link SyncElementTypeInfo}: Flink serializes the
 * record with the record type's serializer, without Kryo.
 */
@PublicEvolving
public final class SyncElement<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Nullable private final T record;
    @Nullable private final ExceptionEvent exception;
    @Nullable private final TenantPosition position;

    private SyncElement(
            @Nullable T record,
            @Nullable ExceptionEvent exception,
            @Nullable TenantPosition position) {
        this.record = record;
        this.exception = exception;
        this.position = position;
    }

    public static <T> SyncElement<T> record(T record) {
        return new SyncElement<>(Objects.requireNonNull(record, "record"), null, null);
    }

    public static <T> SyncElement<T> exception(ExceptionEvent event) {
        return new SyncElement<>(null, Objects.requireNonNull(event, "event"), null);
    }

    public static <T> SyncElement<T> position(TenantPosition position) {
        return new SyncElement<>(null, null, Objects.requireNonNull(position, "position"));
    }

    public boolean isRecord() {
        return record != null;
    }

    public boolean isException() {
        return exception != null;
    }

    public boolean isPosition() {
        return position != null;
    }

    /** The record; throws if this is not one. */
    public T record() {
        if (record == null) throw new IllegalStateException("not a record: " + this);
        return record;
    }

    /** The exception event; throws if this is not one. */
    public ExceptionEvent exception() {
        if (exception == null) throw new IllegalStateException("not an exception event: " + this);
        return exception;
    }

    /** The tenant's position; throws if this is not one. */
    public TenantPosition position() {
        if (position == null) throw new IllegalStateException("not a position: " + this);
        return position;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyncElement<?> other
                && Objects.equals(record, other.record)
                && Objects.equals(exception, other.exception)
                && Objects.equals(position, other.position);
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, exception, position);
    }

    @Override
    public String toString() {
        return record != null
                ? "SyncElement{record=" + record + "}"
                : exception != null
                        ? "SyncElement{exception=" + exception + "}"
                        : "SyncElement{position=" + position + "}";
    }
}
