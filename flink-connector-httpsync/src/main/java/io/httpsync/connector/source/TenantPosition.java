package io.httpsync.connector.source;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * A tenant's sync position, as the source emits it when asked to ({@link
 * HttpSyncSourceBuilder#setEmitTenantPositions}): every record of {@code tenant} updated before
 * {@code positionMillis} has been emitted before this element, and the checkpoint that covered it
 * has completed, so sinks that flush on checkpoints (JDBC, Kafka) already hold it. Positions of a
 * tenant never go backwards; each reader emits them, so a consumer sees each one up to parallelism
 * times.
 */
@PublicEvolving
public record TenantPosition(String tenant, long positionMillis) implements Serializable {}
