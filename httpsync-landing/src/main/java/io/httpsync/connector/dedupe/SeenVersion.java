package io.httpsync.connector.dedupe;

import org.apache.flink.annotation.Internal;

/**
 * What the dedupe operator remembers of a record: the newest update time it let through and that
 * version's content hash. A POJO.
 */
@Internal
public class SeenVersion {
    public long updateTime;
    public long contentHash;

    public SeenVersion() {}

    public SeenVersion(long updateTime, long contentHash) {
        this.updateTime = updateTime;
        this.contentHash = contentHash;
    }
}
