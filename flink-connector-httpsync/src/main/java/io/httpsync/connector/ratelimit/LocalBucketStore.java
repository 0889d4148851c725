package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.local.LocalBucketBuilder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Buckets kept in this JVM, one per key, shared by every limiter given this store: the way several
 * endpoints of one process (e.g. the list APIs of one platform, each with its own limiter) draw
 * from one per-IP or per-app budget without Redis. The first limiter asking for a key decides its
 * configuration; limiters sharing a store must define shared buckets identically (their keys
 * include the definition, so differently defined buckets simply do not meet).
 *
 * <p>Thread-safe: buckets are Bucket4j's lock-free local buckets, the map a concurrent one.
 */
@Internal
public final class LocalBucketStore implements BucketStore {
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Override
    public Bucket bucket(String key, BucketConfiguration configuration) {
        return buckets.computeIfAbsent(
                key,
                k -> {
                    LocalBucketBuilder b = Bucket.builder().withNanosecondPrecision();
                    for (Bandwidth bandwidth : configuration.getBandwidths()) b.addLimit(bandwidth);
                    return b.build();
                });
    }
}
