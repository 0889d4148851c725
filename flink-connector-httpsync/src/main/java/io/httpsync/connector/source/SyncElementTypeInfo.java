package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.Map;
import java.util.Objects;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The type of the {@link SyncElement}s an {@link HttpSyncSource} emits, for records of type {@code
 * T}: serialized by {@link SyncElementSerializer} (the record with {@code T}'s own serializer,
 * exception events and positions field by field), never by Kryo.
 *
 * @param <T> the record type
 */
@PublicEvolving
public final class SyncElementTypeInfo<T> extends TypeInformation<SyncElement<T>> {
    private static final long serialVersionUID = 1L;

    private final TypeInformation<T> recordType;

    public SyncElementTypeInfo(TypeInformation<T> recordType) {
        this.recordType = checkNotNull(recordType, "recordType");
    }

    /** The type of the records inside the elements. */
    public TypeInformation<T> recordType() {
        return recordType;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @SuppressWarnings("unchecked")
    @Override
    public Class<SyncElement<T>> getTypeClass() {
        return (Class<SyncElement<T>>) (Class<?>) SyncElement.class;
    }

    @Override
    public Map<String, TypeInformation<?>> getGenericParameters() {
        return Map.of("T", recordType);
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<SyncElement<T>> createSerializer(SerializerConfig config) {
        return new SyncElementSerializer<>(recordType.createSerializer(config));
    }

    @Override
    public String toString() {
        return "SyncElement<" + recordType + ">";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyncElementTypeInfo<?> other
                && other.canEqual(this)
                && recordType.equals(other.recordType);
    }

    @Override
    public int hashCode() {
        return Objects.hash(SyncElementTypeInfo.class, recordType);
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof SyncElementTypeInfo;
    }
}
