package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;
import java.util.List;

/**
 * The rate-limit options of an endpoint description ({@code rate-limit.*}), read into a {@link
 * RateLimitSpec} with the rest of the description (they are part of {@code EndpointOptions.all()}),
 * the same keys in a SQL {@code WITH} clause, a DataStream job's {@code setConfiguration} and a
 * config file. See docs/rate-limiting.md.
 */
@PublicEvolving
public final class RateLimitOptions {
    private RateLimitOptions() {}

    public static final ConfigOption<Double> PERMITS_PER_SECOND =
            ConfigOptions.key("rate-limit.permits-per-second")
                    .doubleType()
                    .defaultValue(10.0)
                    .withDescription("Requests per second per tenant.");
    public static final ConfigOption<Integer> BURST =
            ConfigOptions.key("rate-limit.burst")
                    .intType()
                    .defaultValue(1)
                    .withDescription("Requests a tenant may send at once after a quiet period.");

    /**
     * Buckets: {@code rate-limit.bucket.<name>.scope|permits|period|burst|weight|adaptive} ({@code
     * adaptive} defaults to {@link #ADAPTIVE_ENABLED}). Without any bucket, the endpoint has one
     * tenant bucket of {@code rate-limit.permits-per-second} and {@code rate-limit.burst}.
     */
    public static final String BUCKET_PREFIX = "rate-limit.bucket.";

    public static final ConfigOption<RateLimitSpec.Backend> BACKEND =
            ConfigOptions.key("rate-limit.backend")
                    .enumType(RateLimitSpec.Backend.class)
                    .defaultValue(RateLimitSpec.Backend.JOB)
                    .withDescription(
                            "Where buckets live: 'job' (one budget per job: the source's enumerator divides each bucket among its readers and the instances of its dependent endpoints on all TaskManagers by their demand) or 'redis' (shared by every job and JVM using the same Redis and namespace).");
    public static final ConfigOption<String> REDIS_URI =
            ConfigOptions.key("rate-limit.redis.uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Redis URI of the redis backend, e.g. redis://host:6379/0.");
    public static final ConfigOption<String> NAMESPACE =
            ConfigOptions.key("rate-limit.namespace")
                    .stringType()
                    .defaultValue("httpsync")
                    .withDescription(
                            "Prefix of bucket keys: endpoints and jobs with the same namespace share app and IP buckets (one app key, one egress IP).");
    public static final ConfigOption<String> API =
            ConfigOptions.key("rate-limit.api")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "API name of api and tenant-api buckets; defaults to the endpoint's name.");
    public static final ConfigOption<Double> UTILIZATION =
            ConfigOptions.key("rate-limit.utilization")
                    .doubleType()
                    .defaultValue(0.97)
                    .withDescription(
                            "Fraction of a known limit to use; the rest absorbs network jitter.");
    public static final ConfigOption<Boolean> ADAPTIVE_ENABLED =
            ConfigOptions.key("rate-limit.adaptive.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether buckets adapt to the platform's real limit: a rate-limited answer cuts the bucket's rate (multiplicative decrease), which then grows back toward the configured permits (additive increase). The default of every bucket's 'rate-limit.bucket.<name>.adaptive'; 'false' trusts the configured limits and only waits after a refusal.");
    public static final ConfigOption<Double> ADAPTIVE_INITIAL =
            ConfigOptions.key("rate-limit.adaptive.initial-fraction")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "Adaptive buckets start at this fraction of their permits (the ceiling); 1: at the configured limit, so that a right limit costs nothing.");
    public static final ConfigOption<Double> ADAPTIVE_INCREASE =
            ConfigOptions.key("rate-limit.adaptive.increase")
                    .doubleType()
                    .defaultValue(0.05)
                    .withDescription(
                            "Each interval without refusal, adaptive rates grow by this fraction of the ceiling.");
    public static final ConfigOption<Double> ADAPTIVE_DECREASE =
            ConfigOptions.key("rate-limit.adaptive.decrease")
                    .doubleType()
                    .defaultValue(0.5)
                    .withDescription("A rate-limited answer multiplies an adaptive rate by this.");
    public static final ConfigOption<Double> ADAPTIVE_TARGET =
            ConfigOptions.key("rate-limit.adaptive.target-fraction")
                    .doubleType()
                    .defaultValue(0.85)
                    .withDescription(
                            "After a refusal, adaptive rates grow back quickly to this fraction of the rate that was refused, then probe on toward the permits at a twentieth of the speed.");
    public static final ConfigOption<Duration> ADAPTIVE_INTERVAL =
            ConfigOptions.key("rate-limit.adaptive.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "How often adaptive rates may grow; they drop at most once per half interval.");
    public static final ConfigOption<Integer> MAX_TENANTS =
            ConfigOptions.key("rate-limit.max-concurrent-tenants")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "At most this many tenants with requests in flight at once per namespace (0: no limit).");
    public static final ConfigOption<Integer> MAX_IN_FLIGHT =
            ConfigOptions.key("rate-limit.max-in-flight-per-tenant")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "At most this many requests of one tenant in flight at once (0: no limit).");

    /** The options of one bucket; {@code suffix} is one of {@link #BUCKET_SUFFIXES}. */
    public static final List<String> BUCKET_SUFFIXES =
            List.of("scope", "permits", "period", "burst", "weight", "adaptive");

    public static ConfigOption<BucketScope> bucketScope(String bucket) {
        return ConfigOptions.key(BUCKET_PREFIX + bucket + ".scope")
                .enumType(BucketScope.class)
                .noDefaultValue();
    }

    public static ConfigOption<Long> bucketPermits(String bucket) {
        return ConfigOptions.key(BUCKET_PREFIX + bucket + ".permits").longType().noDefaultValue();
    }

    /**
     * {@code second}, {@code minute}, {@code hour}, {@code day} or a duration such as {@code 20 s}.
     */
    public static ConfigOption<String> bucketPeriod(String bucket) {
        return ConfigOptions.key(BUCKET_PREFIX + bucket + ".period")
                .stringType()
                .defaultValue("second");
    }

    public static ConfigOption<Long> bucketBurst(String bucket) {
        return ConfigOptions.key(BUCKET_PREFIX + bucket + ".burst").longType().defaultValue(1L);
    }

    public static ConfigOption<Long> bucketWeight(String bucket) {
        return ConfigOptions.key(BUCKET_PREFIX + bucket + ".weight").longType().defaultValue(1L);
    }

    /** Whether the bucket adapts; unset: {@link #ADAPTIVE_ENABLED}. */
    public static ConfigOption<Boolean> bucketAdaptive(String bucket) {
        return ConfigOptions.key(BUCKET_PREFIX + bucket + ".adaptive")
                .booleanType()
                .noDefaultValue();
    }
}
