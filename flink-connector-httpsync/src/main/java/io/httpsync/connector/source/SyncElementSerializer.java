package io.httpsync.connector.source;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.domain.ResponseKind;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Serializes a {@link SyncElement}: a tag byte (record, exception event, position or pass marker),
 * then the record with the record type's own serializer, or the event's or position's fields one by
 * one. Strings go through {@link StringValue}, which has no length limit and writes null.
 *
 * <p>The format is versioned by {@link Snapshot}; version 1 is the one above (the pass marker's tag
 * was added to it: no earlier data holds that tag). The serializer is as thread-safe as the record
 * serializer it wraps ({@link #duplicate()} duplicates that).
 */
@Internal
public final class SyncElementSerializer<T> extends TypeSerializer<SyncElement<T>> {
    private static final long serialVersionUID = 1L;

    private static final byte RECORD = 0;
    private static final byte EXCEPTION = 1;
    private static final byte POSITION = 2;
    private static final byte MARKER = 3;

    private final TypeSerializer<T> recordSerializer;

    public SyncElementSerializer(TypeSerializer<T> recordSerializer) {
        this.recordSerializer = checkNotNull(recordSerializer, "recordSerializer");
    }

    TypeSerializer<T> recordSerializer() {
        return recordSerializer;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<SyncElement<T>> duplicate() {
        TypeSerializer<T> duplicated = recordSerializer.duplicate();
        return duplicated == recordSerializer ? this : new SyncElementSerializer<>(duplicated);
    }

    /**
     * An exception event: Flink asks every serializer for an instance, and an element must be one
     * of the three.
     */
    @Override
    public SyncElement<T> createInstance() {
        return SyncElement.exception(ExceptionEvent.ofWindow("", "", 0, 1, null, "", 0));
    }

    @Override
    public SyncElement<T> copy(SyncElement<T> from) {
        // exception events, positions and markers are immutable
        return from.isRecord() ? SyncElement.record(recordSerializer.copy(from.record())) : from;
    }

    @Override
    public SyncElement<T> copy(SyncElement<T> from, SyncElement<T> reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SyncElement<T> element, DataOutputView target) throws IOException {
        if (element.isRecord()) {
            target.writeByte(RECORD);
            recordSerializer.serialize(element.record(), target);
        } else if (element.isException()) {
            target.writeByte(EXCEPTION);
            ExceptionEvent e = element.exception();
            StringValue.writeString(e.endpoint(), target);
            StringValue.writeString(e.tenantId(), target);
            target.writeLong(e.windowStart());
            target.writeLong(e.windowEnd());
            StringValue.writeString(e.position(), target);
            target.writeInt(e.httpStatus());
            StringValue.writeString(e.platformCode(), target);
            StringValue.writeString(e.kind().name(), target);
            target.writeInt(e.attempts());
            StringValue.writeString(e.message(), target);
            target.writeLong(e.timeMillis());
        } else if (element.isMarker()) {
            target.writeByte(MARKER);
            PassMarker m = element.marker();
            target.writeByte(m.kind().ordinal());
            StringValue.writeString(m.tenant(), target);
            target.writeLong(m.passStartMillis());
            target.writeLong(m.rangeStartMillis());
            target.writeLong(m.rangeEndMillis());
            target.writeInt(m.reader());
            target.writeInt(m.readers());
        } else {
            target.writeByte(POSITION);
            TenantPosition p = element.position();
            StringValue.writeString(p.tenant(), target);
            target.writeLong(p.positionMillis());
        }
    }

    @Override
    public SyncElement<T> deserialize(DataInputView source) throws IOException {
        byte tag = source.readByte();
        switch (tag) {
            case RECORD:
                return SyncElement.record(recordSerializer.deserialize(source));
            case EXCEPTION:
                String endpoint = StringValue.readString(source);
                String tenant = StringValue.readString(source);
                long windowStart = source.readLong();
                long windowEnd = source.readLong();
                String position = StringValue.readString(source);
                int httpStatus = source.readInt();
                String platformCode = StringValue.readString(source);
                ResponseKind kind = ResponseKind.valueOf(StringValue.readString(source));
                int attempts = source.readInt();
                String message = StringValue.readString(source);
                return SyncElement.exception(
                        new ExceptionEvent(
                                endpoint,
                                tenant,
                                windowStart,
                                windowEnd,
                                position,
                                httpStatus,
                                platformCode,
                                kind,
                                attempts,
                                message,
                                source.readLong()));
            case POSITION:
                String positionTenant = StringValue.readString(source);
                return SyncElement.position(new TenantPosition(positionTenant, source.readLong()));
            case MARKER:
                PassMarker.Kind markerKind = PassMarker.Kind.values()[source.readByte()];
                String markerTenant = StringValue.readString(source);
                return SyncElement.marker(
                        new PassMarker(
                                markerKind,
                                markerTenant,
                                source.readLong(),
                                source.readLong(),
                                source.readLong(),
                                source.readInt(),
                                source.readInt()));
            default:
                throw new IOException("Corrupt SyncElement: unknown tag " + tag);
        }
    }

    @Override
    public SyncElement<T> deserialize(SyncElement<T> reuse, DataInputView source)
            throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof SyncElementSerializer<?> other
                && recordSerializer.equals(other.recordSerializer);
    }

    @Override
    public int hashCode() {
        return recordSerializer.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<SyncElement<T>> snapshotConfiguration() {
        return new Snapshot<>(this);
    }

    /**
     * The snapshot of a {@link SyncElementSerializer}: its format version and the record
     * serializer's snapshot.
     */
    @Internal
    public static final class Snapshot<T>
            extends CompositeTypeSerializerSnapshot<SyncElement<T>, SyncElementSerializer<T>> {
        private static final int VERSION = 1;

        /** For reading a snapshot. */
        public Snapshot() {}

        Snapshot(SyncElementSerializer<T> serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(SyncElementSerializer<T> outer) {
            return new TypeSerializer<?>[] {outer.recordSerializer};
        }

        @SuppressWarnings("unchecked")
        @Override
        protected SyncElementSerializer<T> createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new SyncElementSerializer<>((TypeSerializer<T>) nested[0]);
        }
    }
}
