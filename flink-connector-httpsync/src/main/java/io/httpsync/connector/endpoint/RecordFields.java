package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.ZoneId;

/**
 * Reads a record's id and time (update time, or create time when the window selects on it) as the
 * endpoint description says ({@code response.record.id-path}, {@code response.record.time-path},
 * its format and zone). Immutable and thread-safe.
 */
@Internal
public final class RecordFields {
    private final JsonPointer idPath;
    private final JsonPointer timePath;
    private final String idPathText;
    private final String timePathText;
    private final TimeFormat timeFormat;
    private final ZoneId zone;

    public RecordFields(EndpointSpec spec) {
        EndpointSpec.ResponseSettings r = spec.response();
        this.idPathText = r.recordIdPath();
        this.timePathText = r.recordTimePath();
        this.idPath = idPathText == null ? null : JsonPointer.compile(idPathText);
        this.timePath = timePathText == null ? null : JsonPointer.compile(timePathText);
        this.timeFormat = r.recordTimeFormat();
        this.zone = spec.timeZone();
    }

    public boolean hasId() {
        return idPath != null;
    }

    public boolean hasTime() {
        return timePath != null;
    }

    /**
     * The record's id as text.
     *
     * @throws ResponseFormatException if no id path is configured or the record has none
     */
    public String id(JsonNode record) {
        if (idPath == null)
            throw new ResponseFormatException("option 'response.record.id-path' is not set");
        JsonNode n = JsonPointers.present(record, idPath);
        if (n == null || n.isContainerNode()) {
            throw new ResponseFormatException(
                    "a record has no id at '"
                            + idPathText
                            + "' (option 'response.record.id-path')");
        }
        return n.asText();
    }

    /**
     * The record's time in epoch millis.
     *
     * @throws ResponseFormatException if no time path is configured or the record's time is missing
     *     or malformed
     */
    public long time(JsonNode record) {
        if (timePath == null)
            throw new ResponseFormatException("option 'response.record.time-path' is not set");
        JsonNode n = JsonPointers.present(record, timePath);
        if (n == null) {
            throw new ResponseFormatException(
                    "a record has no time at '"
                            + timePathText
                            + "' (option 'response.record.time-path')");
        }
        try {
            return timeFormat.parse(n, zone);
        } catch (IllegalArgumentException e) {
            throw new ResponseFormatException(
                    "the record time at '"
                            + timePathText
                            + "' (option 'response.record.time-path'): "
                            + e.getMessage());
        }
    }

    /** Why the record's id or time cannot be read, or null if both can. */
    public String unreadable(JsonNode record) {
        try {
            id(record);
            time(record);
            return null;
        } catch (ResponseFormatException e) {
            return e.getMessage();
        }
    }
}
