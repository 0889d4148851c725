package io.httpsync.connector.endpoint.pagination;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * What a pagination concludes from one page: the records to emit, where to go next (null: the
 * window is done), and the signals the reader must act on.
 *
 * @param records the records to emit (a keyset page drops the records at or before its key; a page
 *     that requires a split has none)
 * @param next the next position, or null when paging of this window stops
 * @param splitRequired the window holds more records than the platform lets one query page through
 *     (its total exceeds the deep-paging cap): emit nothing, split the window
 * @param capReachedAt paging stopped at the deep-paging cap without a total: this page's records
 *     are emitted, and the time of the last record read is where the unread rest of the window
 *     begins (at or before it in {@code desc} order, at or after it in {@code asc} order); null if
 *     the cap was not reached
 * @param totalUnstable the total kept growing while the window was paged and the passes were used
 *     up: records may have been missed, so the window should be read again later
 * @param total the window's total as this page reported it, or null
 * @param end why paging of the window stops after this page; null when it goes on ({@code next} is
 *     set)
 */
@Internal
public record PageStep(
        List<JsonNode> records,
        PagePosition next,
        boolean splitRequired,
        Long capReachedAt,
        boolean totalUnstable,
        Long total,
        PageEnd end) {
    public PageStep {
        records = List.copyOf(records);
    }

    static PageStep next(List<JsonNode> records, PagePosition next, Long total) {
        return new PageStep(records, next, false, null, false, total, null);
    }

    static PageStep end(List<JsonNode> records, Long total, PageEnd why) {
        return new PageStep(records, null, false, null, false, total, why);
    }

    static PageStep split(Long total) {
        return new PageStep(List.of(), null, true, null, false, total, PageEnd.SPLIT_REQUIRED);
    }

    static PageStep capReached(List<JsonNode> records, long lastRecordTime, Long total) {
        return new PageStep(
                records, null, false, lastRecordTime, false, total, PageEnd.CAP_REACHED);
    }

    static PageStep unstable(List<JsonNode> records, Long total) {
        return new PageStep(records, null, false, null, true, total, PageEnd.TOTAL_UNSTABLE);
    }

    public boolean isLast() {
        return next == null;
    }
}
