package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;

/**
 * One id a parent record refers to, on its way to the {@link DependentEndpoint}'s operator: keyed
 * by {@link #key()} (tenant and id), so that every request for one id goes to one parallel
 * instance, whose keyed state remembers whether it was fetched. A POJO, so Flink serializes it
 * without Kryo.
 */
@Internal
public class ChildRequest {
    public String tenant;
    public String childId;
    public String parentId;

    /** The parent's version: a hash of its content. */
    public long parentVersion;

    public long windowStart;
    public long windowEnd;

    /**
     * Why the parent asks for nothing (it is no JSON), or null; the fetch operator reports it as an
     * exception event, so that it lands with the others.
     */
    public String problem;

    public ChildRequest() {}

    ChildRequest(
            String tenant,
            String childId,
            String parentId,
            long parentVersion,
            long windowStart,
            long windowEnd) {
        this.tenant = tenant;
        this.childId = childId;
        this.parentId = parentId;
        this.parentVersion = parentVersion;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
    }

    /** The key of the dedupe state: tenant and id. */
    public String key() {
        return childId == null ? tenant + '\u0002' + parentId : tenant + '\u0001' + childId;
    }

    @Override
    public String toString() {
        return "ChildRequest{tenant=" + tenant + ", id=" + childId + ", parent=" + parentId + "}";
    }
}
