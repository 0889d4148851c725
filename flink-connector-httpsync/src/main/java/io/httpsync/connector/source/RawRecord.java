package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;

import java.util.Objects;

/**
 * A record as the platform returned it (JSON text) with its tenant, id, update time and window: a
 * POJO, so Flink serializes it without Kryo.
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

    public RawRecord() {}

    public RawRecord(RecordMeta meta, String json) {
        this.tenant = meta.tenant();
        this.id = meta.id();
        this.updateTime = meta.updateTimeMillis();
        this.windowStart = meta.windowStart();
        this.windowEnd = meta.windowEnd();
        this.fetchTime = meta.fetchTimeMillis();
        this.json = json;
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
