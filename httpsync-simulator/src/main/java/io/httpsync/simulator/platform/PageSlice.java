package io.httpsync.simulator.platform;

import io.httpsync.simulator.data.SimRecord;
import io.httpsync.simulator.fault.Fault;

import java.util.List;
import java.util.Random;

/**
 * One page of a page-number paged list (Taobao {@code page_no}, Jushuitan {@code page_index},
 * Youzan {@code page_no}): the records at positions {@code [(pageNo-1)*pageSize, pageNo*pageSize)}
 * of the window as it is at the moment of the request. Positions are not stable across requests
 * when the window changes in between, which is exactly how these platforms lose and repeat records.
 *
 * @param records the page's records, possibly empty (a page past the end)
 * @param total how many records the window holds now
 * @param pageNo 1-based page number
 * @param pageSize the page length asked for
 */
public record PageSlice(List<SimRecord> records, int total, int pageNo, int pageSize) {

    public PageSlice {
        if (pageNo < 1 || pageSize < 1)
            throw new IllegalArgumentException(
                    "pageNo and pageSize must be >= 1: " + pageNo + ", " + pageSize);
    }

    public static PageSlice of(List<SimRecord> window, int pageNo, int pageSize) {
        long from = Math.min((long) (pageNo - 1) * pageSize, window.size());
        long to = Math.min(from + pageSize, window.size());
        return new PageSlice(
                List.copyOf(window.subList((int) from, (int) to)), window.size(), pageNo, pageSize);
    }

    /** Whether records lie after this page. */
    public boolean hasNext() {
        return (long) pageNo * pageSize < total;
    }

    public static int pageCount(int total, int pageSize) {
        return (int) (((long) total + pageSize - 1) / pageSize);
    }

    /**
     * The total the platform reports: the true one, or under {@link Fault#LYING_TOTAL} a wrong one,
     * either too small (a client trusting it stops early) or too large (a client trusting it asks
     * for pages that are empty).
     */
    public int reportedTotal(Fault fault, Random random) {
        if (fault != Fault.LYING_TOTAL) return total;
        return total > 0 && random.nextBoolean()
                ? total / 2
                : total + 1 + random.nextInt(Math.max(1, total));
    }
}
