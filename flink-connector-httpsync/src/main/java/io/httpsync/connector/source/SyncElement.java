package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.util.Objects;

/**
 * What {@link HttpSyncSource} emits: a record of a tenant's window, an exception event (a request
 * that exhausted its retries, a record that could not be decoded) or, if the source was asked to, a
 * {@link TenantPosition tenant's sync position} or, if it runs full passes, a {@link PassMarker}.
 * {@link HttpSyncStreams#records} splits a stream of elements into the records and side outputs of
 * exception events and positions, so events are stored rather than swallowed. Its type is {@link
 * SyncElementTypeInfo}: Flink serializes the record with the record type's serializer, without
 * Kryo.
 */
@PublicEvolving
public final class SyncElement<T> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Nullable private final T record;
    @Nullable private final ExceptionEvent exception;
    @Nullable private final TenantPosition position;
    @Nullable private final PassMarker marker;

    private SyncElement(
            @Nullable T record,
            @Nullable ExceptionEvent exception,
            @Nullable TenantPosition position) {
        this(record, exception, position, null);
    }

    private SyncElement(
            @Nullable T record,
            @Nullable ExceptionEvent exception,
            @Nullable TenantPosition position,
            @Nullable PassMarker marker) {
        this.record = record;
        this.exception = exception;
        this.position = position;
        this.marker = marker;
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

    /** A full pass's marker ({@link PassMarker}); emitted only by a source that runs passes. */
    public static <T> SyncElement<T> marker(PassMarker marker) {
        return new SyncElement<>(null, null, null, Objects.requireNonNull(marker, "marker"));
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

    public boolean isMarker() {
        return marker != null;
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

    /** The pass marker; throws if this is not one. */
    public PassMarker marker() {
        if (marker == null) throw new IllegalStateException("not a pass marker: " + this);
        return marker;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyncElement<?> other
                && Objects.equals(record, other.record)
                && Objects.equals(exception, other.exception)
                && Objects.equals(position, other.position)
                && Objects.equals(marker, other.marker);
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, exception, position, marker);
    }

    @Override
    public String toString() {
        return record != null
                ? "SyncElement{record=" + record + "}"
                : exception != null
                        ? "SyncElement{exception=" + exception + "}"
                        : position != null
                                ? "SyncElement{position=" + position + "}"
                                : "SyncElement{marker=" + marker + "}";
    }
}
