package io.httpsync.connector.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.local.LocalBucketBuilder;
import org.apache.flink.annotation.Internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Buckets shared by everything in this JVM (Flink loads the connector once per job in a TaskManager, so all subtasks
 * of a job there share them). Buckets are lock-free Bucket4j local buckets with nanosecond precision and are never
 * evicted: there is one per bucket key (namespace, bucket, tenant), a bounded set for a job.
 */
@Internal
final class LocalBucketStore implements BucketStore {
    static final LocalBucketStore SHARED = new LocalBucketStore();

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Override
    public Bucket bucket(String key, BucketConfiguration configuration) {
        return buckets.computeIfAbsent(key, k -> {
            LocalBucketBuilder builder = Bucket.builder().withNanosecondPrecision();
            for (Bandwidth b : configuration.getBandwidths()) builder.addLimit(b);
            return builder.build();
        });
    }
}
