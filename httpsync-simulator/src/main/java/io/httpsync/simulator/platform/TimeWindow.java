package io.httpsync.simulator.platform;

import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.data.TenantData;
import io.httpsync.simulator.data.TimeField;

import java.util.List;

/**
 * A time range a list API was asked about. Its start is always inclusive; whether its end is
 * inclusive is each platform's (mostly undocumented) choice, so it travels with the window.
 *
 * @param start epoch millis, inclusive
 * @param end epoch millis
 * @param endInclusive whether a record at exactly {@code end} belongs to the window
 */
public record TimeWindow(long start, long end, boolean endInclusive) {

    /**
     * The tenant's records whose {@code field} lies in this window, newest first when {@code
     * descending}, then by id.
     */
    public List<SimRecord> query(TenantData data, TimeField field, boolean descending) {
        // record times are whole multiples of a resolution >= 1 ms, so end + 1 is the smallest
        // exclusive bound
        return data.query(field, start, endInclusive ? end + 1 : end, descending);
    }

    public boolean contains(long time) {
        return time >= start && (endInclusive ? time <= end : time < end);
    }

    public long widthMillis() {
        return end - start;
    }

    @Override
    public String toString() {
        return "["
                + ChinaTime.format(start)
                + ", "
                + ChinaTime.format(end)
                + (endInclusive ? "]" : ")");
    }
}
