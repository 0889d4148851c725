package io.httpsync.simulator.data;

/**
 * One business record of a tenant (an order, a trade) as the simulator stores it, independent of
 * how a platform renders it. Immutable: an update replaces the record with a new version.
 *
 * @param id unique within the tenant
 * @param createTime epoch millis
 * @param updateTime epoch millis; moves forward on every update
 * @param version 1 for a new record, +1 per update
 * @param status a small business status code, changed by updates
 * @param amountCents the order amount
 * @param buyer a buyer nick
 */
public record SimRecord(
        long id,
        long createTime,
        long updateTime,
        int version,
        int status,
        long amountCents,
        String buyer) {

    /** The next version of this record, updated at {@code time}. */
    public SimRecord updatedAt(long time) {
        return new SimRecord(
                id,
                createTime,
                Math.max(time, updateTime),
                version + 1,
                (status + 1) % 7,
                amountCents + 100,
                buyer);
    }
}
