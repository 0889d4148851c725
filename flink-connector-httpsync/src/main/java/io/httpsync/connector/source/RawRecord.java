package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A record as the platform returned it (JSON text) with its tenant, id, update time and window, and
 * the hash of its content ({@link #contentHash()}), computed once from the document the reader
 * parsed and carried with the record, so that the dedupe operator and the sinks need not parse the
 * text again: a POJO, so Flink serializes it without Kryo.
 */
@PublicEvolving
public class RawRecord {
    public String tenant;
    public String id;
    public long updateTime;
    public long windowStart;
    public long windowEnd;
    public long fetchTime;
    public String json;

    /**
     * The {@link #contentHash() content hash}, or 0 if not computed yet (a record built from text
     * alone); use {@link #contentHash()}.
     */
    public long contentHash;

    public RawRecord() {}

    /** The record as parsed from a page: its text, and its content hash computed from the tree. */
    public RawRecord(RecordMeta meta, JsonNode document) {
        this(meta, document.toString());
        this.contentHash = ContentHash.of(document);
    }

    public RawRecord(RecordMeta meta, String json) {
        this.tenant = meta.tenant();
        this.id = meta.id();
        this.updateTime = meta.updateTimeMillis();
        this.windowStart = meta.windowStart();
        this.windowEnd = meta.windowEnd();
        this.fetchTime = meta.fetchTimeMillis();
        this.json = json;
    }

    /**
     * The hash of the record's content, independent of key order and whitespace: the first 8 bytes
     * of the SHA-256 of its canonical JSON (see docs/landing.md). Computed when the record was read
     * from its page; for a record built from text alone, computed from {@link #json} on first use
     * and kept.
     *
     * @throws IllegalArgumentException if the content is not valid JSON
     */
    public long contentHash() {
        // 0 stands for "not computed": a real hash of 0 is merely computed again, to the same value
        if (contentHash == 0 && json != null) contentHash = ContentHash.of(json);
        return contentHash;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RawRecord r)) return false;
        return updateTime == r.updateTime
                && windowStart == r.windowStart
                && windowEnd == r.windowEnd
                && fetchTime == r.fetchTime
                && Objects.equals(tenant, r.tenant)
                && Objects.equals(id, r.id)
                && Objects.equals(json, r.json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, id, updateTime);
    }

    @Override
    public String toString() {
        return "RawRecord{tenant="
                + tenant
                + ", id="
                + id
                + ", updateTime="
                + updateTime
                + ", window=["
                + windowStart
                + ","
                + windowEnd
                + ")}";
    }
}
