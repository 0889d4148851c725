package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Where a record came from: its tenant, its window, its id and update time as read from the
 * response (per the endpoint's id and update-time paths), and when it was fetched.
 */
@PublicEvolving
public record RecordMeta(
        String tenant,
        String id,
        long updateTimeMillis,
        long windowStart,
        long windowEnd,
        long fetchTimeMillis) {}
