package io.httpsync.simulator.data;

/** Which time axis a list query filters and sorts on. */
public enum TimeField {
    CREATE,
    UPDATE;

    public long of(SimRecord r) {
        return this == CREATE ? r.createTime() : r.updateTime();
    }
}
