package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

/**
 * Where buckets live, by key. A key names one budget everywhere it is used: two limiters asking for
 * the same key get the same bucket (the same object in one JVM, the same Redis entry across JVMs),
 * so they share its permits. Implementations are thread-safe. Calls may block briefly (a round trip
 * to Redis): call them from the limiter's own thread, never from an I/O thread.
 */
@Internal
interface BucketStore {
    /** The bucket of {@code key}, created with {@code configuration} if it does not exist yet. */
    Bucket bucket(String key, BucketConfiguration configuration);
}
