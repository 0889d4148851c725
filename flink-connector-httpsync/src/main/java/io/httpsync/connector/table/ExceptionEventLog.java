package io.httpsync.connector.table;

import io.httpsync.connector.domain.ExceptionEvent;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Logs a SQL table's exception events without a line per record: the first event of each window at
 * WARN, the rest of that window's only counted, and summed up at INFO at most once per interval
 * (never with an interval of zero). (Every event is counted in the metric {@code
 * numExceptionEvents}; the enumerator logs each failed window once more, with when it is read
 * again.) Events carry no secrets.
 *
 * <p>Task thread only.
 */
@Internal
final class ExceptionEventLog {
    private static final Logger LOG = LoggerFactory.getLogger(ExceptionEventLog.class);

    /**
     * Windows remembered as logged; the oldest are forgotten beyond this, so memory stays bounded.
     */
    private static final int WINDOWS_REMEMBERED = 1024;

    private final String tableName;
    private final long intervalMillis;
    private final Map<String, Boolean> loggedWindows =
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > WINDOWS_REMEMBERED;
                }
            };
    private long unlogged;
    private long nextSummaryAt;

    ExceptionEventLog(String tableName, Duration interval) {
        this.tableName = tableName;
        this.intervalMillis = interval.toMillis();
    }

    void log(ExceptionEvent event, long nowMillis) {
        String window =
                event.tenantId() + ":[" + event.windowStart() + "," + event.windowEnd() + ")";
        if (loggedWindows.put(window, Boolean.TRUE) == null) {
            LOG.warn(
                    "Table {}: {} (further events of this window are only counted, in numExceptionEvents)",
                    tableName,
                    event);
        } else {
            unlogged++;
        }
        if (intervalMillis > 0 && unlogged > 0 && nowMillis >= nextSummaryAt) {
            LOG.info(
                    "Table {}: {} more exception events of windows logged before{}",
                    tableName,
                    unlogged,
                    nextSummaryAt == 0 ? "" : " in the last " + Duration.ofMillis(intervalMillis));
            unlogged = 0;
            nextSummaryAt = nowMillis + intervalMillis;
        }
    }
}
