package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.Serializable;

/**
 * Turns one JSON record of a list response into the source's output type, inside the source's
 * reader. Each reader (subtask) has its own instance: {@link #open} is called once before the first
 * record, then {@link #deserialize} on the task's mailbox thread, once per record; neither may
 * block.
 */
@PublicEvolving
public interface RecordDeserializer<T> extends Serializable, ResultTypeQueryable<T> {

    /**
     * Called once per reader before the first record: the place to open what the deserializer wraps
     * (a {@link org.apache.flink.api.common.serialization.DeserializationSchema}, a format) and to
     * register metrics.
     */
    default void open(DeserializationSchema.InitializationContext context) throws Exception {}

    /**
     * @return the record as {@code T}, or null to leave the record out on purpose (a format told to
     *     skip what it cannot read; the deserializer counts what it skips)
     * @throws IOException if the record cannot be turned into {@code T}; the source then fails the
     *     record's window (an exception event, the window retried later and not passed by the sync
     *     position) or the job, per its exception policy; it never drops the record silently
     * @throws RecordDecodingException if the record cannot be decoded and reading its window again
     *     would not change that: the job fails, whatever the exception policy
     */
    T deserialize(JsonNode record, RecordMeta meta) throws IOException;

    /** The record as JSON text with its metadata: what a sink that stores raw records needs. */
    static RecordDeserializer<RawRecord> raw() {
        return new RawRecordDeserializer();
    }
}
