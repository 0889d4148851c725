package io.httpsync.connector.source.enumerator;

import org.apache.flink.annotation.Internal;

import static org.apache.flink.util.Preconditions.checkArgument;

/** A non-empty half-open range {@code [startMillis, endMillis)} of epoch milliseconds. */
@Internal
public record TimeRange(long startMillis, long endMillis) {

    public TimeRange {
        checkArgument(startMillis < endMillis, "Empty time range [%s, %s)", startMillis, endMillis);
    }
}
