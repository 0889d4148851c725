package io.httpsync.connector.source.event;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

import java.util.Map;

/**
 * Enumerator to readers: the sync position of every tenant, sent when a completed checkpoint has
 * moved one forward and to every reader that registers.
 *
 * <p>The sync position of a tenant is an epoch millisecond {@code p} such that every record of the
 * tenant updated before {@code p} has been emitted and covered by a completed checkpoint. Positions
 * never go backwards. Readers use them for watermarks (event time = record update time).
 */
@Internal
public record SyncPositionEvent(Map<String, Long> positionPerTenant) implements SourceEvent {

    private static final long serialVersionUID = 1L;

    public SyncPositionEvent {
        positionPerTenant = Map.copyOf(positionPerTenant);
    }

    /** The lowest position over all tenants: the watermark of a reader that reads every tenant. */
    public long minimumPosition() {
        return positionPerTenant.values().stream()
                .mapToLong(Long::longValue)
                .min()
                .orElse(Long.MIN_VALUE);
    }
}
