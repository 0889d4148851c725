package io.httpsync.connector.source.event;

import io.httpsync.connector.ratelimit.JobBudget;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Enumerator to a reader, in answer to its poll: the reader's parts of the job's rate-limit
 * budgets, by bucket key (every key it may use; keys absent have none), numbered. Sent only when
 * they changed since the reader last heard them.
 */
@Internal
public record RateAllotmentEvent(JobBudget.Allotments allotments) implements SourceEvent {
    private static final long serialVersionUID = 1L;
}
