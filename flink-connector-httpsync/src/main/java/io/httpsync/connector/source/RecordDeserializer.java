package io.httpsync.connector.source;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

import java.io.IOException;
import java.io.Serializable;

/**
 * Turns one JSON record of a list response into the source's output type. Called on the task's mailbox thread, once
 * per record; it must not block.
 */
@PublicEvolving
public interface RecordDeserializer<T> extends Serializable, ResultTypeQueryable<T> {

    /**
     * @throws IOException if the record cannot be turned into {@code T}; the source then fails the record's window
     *     (an exception event, the window retried later and not passed by the sync position) or the job, per its
     *     exception policy; it never drops the record silently
     */
    T deserialize(JsonNode record, RecordMeta meta) throws IOException;

    /** The record as JSON text with its metadata: what a sink that stores raw records needs. */
    static RecordDeserializer<RawRecord> raw() {
        return new RawRecordDeserializer();
    }
}
