package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Buckets kept in Redis by Bucket4j's Lettuce proxy manager (compare-and-swap on one key per
 * bucket), so that every JVM using the same Redis and namespace shares one budget: subtasks on
 * several TaskManagers, and several jobs with one app key or one egress IP. One Lettuce connection
 * per Redis URI in a job's class loader, opened by the first limiter that needs it and closed with
 * the last ({@link #SHARED}); keys expire once their bucket would be full again, so idle tenants
 * leave nothing behind. Bucket proxies are cached per key; each call on them is one Redis round
 * trip.
 */
@Internal
final class RedisBucketStore implements BucketStore {
    /**
     * The store of a Redis URI, held while a limiter uses it. The URI may hold a password: never in
     * messages.
     */
    static final JvmShared<String, RedisBucketStore> SHARED =
            new JvmShared<>(RedisBucketStore::new, RedisBucketStore::close);

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final ProxyManager<String> proxies;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * A store with its own connection and bucket proxies. Production code goes through {@link
     * #of(String)}; tests use two of these to stand for two jobs in two JVMs, which share nothing
     * but Redis.
     */
    @VisibleForTesting
    RedisBucketStore(String uri) {
        this.client = RedisClient.create(uri);
        this.connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        this.proxies =
                Bucket4jLettuce.casBasedBuilder(connection)
                        .expirationAfterWrite(
                                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                                        Duration.ofSeconds(10)))
                        .build();
    }

    /** Closes the connection and shuts the client's threads down. */
    void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public Bucket bucket(String key, BucketConfiguration configuration) {
        return buckets.computeIfAbsent(key, k -> proxies.builder().build(k, () -> configuration));
    }
}
