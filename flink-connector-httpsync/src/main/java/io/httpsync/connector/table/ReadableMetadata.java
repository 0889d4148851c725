package io.httpsync.connector.table;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.DataType;

import java.io.Serializable;

/**
 * The metadata columns a table can declare ({@code tenant STRING METADATA}, {@code window_start
 * TIMESTAMP_LTZ(3) METADATA FROM 'window-start'}, ...): where each record came from and when it was
 * fetched.
 */
@Internal
enum ReadableMetadata {
    TENANT(
            "tenant",
            DataTypes.STRING().notNull(),
            "The tenant the record belongs to.",
            r -> StringData.fromString(r.tenant)),
    RECORD_ID(
            "record-id",
            DataTypes.STRING(),
            "The record's id, read at 'response.record.id-path'.",
            r -> r.id == null ? null : StringData.fromString(r.id)),
    UPDATE_TIME(
            "update-time",
            DataTypes.TIMESTAMP_LTZ(3).notNull(),
            "The record's update (or create) time, read at 'response.record.time-path'.",
            r -> millis(r.updateTime)),
    WINDOW_START(
            "window-start",
            DataTypes.TIMESTAMP_LTZ(3).notNull(),
            "The start of the time window the record was read in.",
            r -> millis(r.windowStart)),
    WINDOW_END(
            "window-end",
            DataTypes.TIMESTAMP_LTZ(3).notNull(),
            "The end (exclusive) of the record's time window.",
            r -> millis(r.windowEnd)),
    FETCH_TIME(
            "fetch-time",
            DataTypes.TIMESTAMP_LTZ(3).notNull(),
            "When the page holding the record was received.",
            r -> millis(r.fetchTime)),
    DELETED(
            "deleted",
            DataTypes.BOOLEAN().notNull(),
            "With 'changelog.mode' = 'soft-delete': true on the UPDATE a completed full pass emits for"
                    + " a record it did not see, false on every record read.",
            r -> false),
    DELETED_AT(
            "deleted-at",
            DataTypes.TIMESTAMP_LTZ(3),
            "With 'changelog.mode' = 'soft-delete': the start of the full pass that found the record"
                    + " gone; null on every record read.",
            r -> null);

    final String key;
    final DataType dataType;
    final String description;
    final Extractor extractor;

    ReadableMetadata(String key, DataType dataType, String description, Extractor extractor) {
        this.key = key;
        this.dataType = dataType;
        this.description = description;
        this.extractor = extractor;
    }

    static ReadableMetadata ofKey(String key) {
        for (ReadableMetadata m : values()) {
            if (m.key.equals(key)) return m;
        }
        // the planner only passes keys from listReadableMetadata()
        throw new IllegalArgumentException("unknown metadata key '" + key + "'");
    }

    private static TimestampData millis(long epochMillis) {
        return TimestampData.fromEpochMillis(epochMillis);
    }

    /** Reads one metadata value, in Flink's internal data structures, from a record. */
    interface Extractor extends Serializable {
        Object read(RawRecord record);
    }
}
