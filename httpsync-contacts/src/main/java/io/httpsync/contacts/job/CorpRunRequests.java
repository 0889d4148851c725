package io.httpsync.contacts.job;

import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

import java.util.List;

/**
 * The run requests of the configured corps as a generator over a number sequence: request {@code i}
 * is corp {@code i mod n} in round {@code i / n}. A bounded job generates {@code n} of them; a
 * continuous one generates them without end at {@code n} per interval, so each corp comes again
 * every interval and the corps are spread over it. The sequence position is the source's
 * checkpointed state. Stateless otherwise; called by the source reader's thread.
 */
@Internal
final class CorpRunRequests implements GeneratorFunction<Long, CorpRunRequest> {
    private static final long serialVersionUID = 1L;
    private final List<String> corpIds;

    CorpRunRequests(List<String> corpIds) {
        if (corpIds.isEmpty())
            throw new IllegalArgumentException("no corp to sync: set contacts.corps");
        this.corpIds = List.copyOf(corpIds);
    }

    @Override
    public CorpRunRequest map(Long index) {
        int n = corpIds.size();
        return new CorpRunRequest(corpIds.get((int) (index % n)), index / n);
    }
}
