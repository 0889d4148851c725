package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.PublicEvolving;

import java.util.List;

/**
 * The rate limiting of one endpoint, as read from the {@code rate-limit.*} options (see {@code
 * EndpointOptions} and {@code docs/rate-limiting.md}): the buckets a request draws from, where they
 * live, how adaptive buckets move, and the concurrency limits.
 *
 * @param buckets every budget a request of this endpoint takes permits from; never empty
 * @param backend {@code job}: one budget per job, divided among its readers by the source's
 *     enumerator; {@code redis}: buckets kept in Redis, shared by every job using the same Redis
 *     and namespace
 * @param redisUri the Redis server of the redis backend (may hold a password: never log it)
 * @param namespace prefixes every bucket key; endpoints (and jobs) with the same namespace share
 *     app and IP buckets
 * @param api the API name of API-scoped buckets
 * @param utilization the fraction of a known limit to use, leaving room for clock and network
 *     jitter
 * @param adaptive how adaptive buckets find an unknown limit
 * @param maxTenants at most this many tenants with requests in flight at once (per namespace); 0:
 *     no limit
 * @param maxInFlightPerTenant at most this many requests of one tenant in flight at once; 0: no
 *     limit
 */
@PublicEvolving
public record RateLimitSpec(
        List<BucketSpec> buckets,
        Backend backend,
        String redisUri,
        String namespace,
        String api,
        double utilization,
        Adaptive adaptive,
        int maxTenants,
        int maxInFlightPerTenant) {
    public RateLimitSpec {
        buckets = List.copyOf(buckets);
        if (buckets.isEmpty())
            throw new IllegalArgumentException("at least one rate-limit bucket is required");
        if (backend == Backend.REDIS && (redisUri == null || redisUri.isBlank())) {
            throw new IllegalArgumentException("the redis backend needs a Redis URI");
        }
    }

    /** Where buckets are kept. */
    @PublicEvolving
    public enum Backend implements io.httpsync.connector.domain.OptionEnum {
        /**
         * The job holds each budget: the source's enumerator divides every bucket among the readers
         * that have work for it, on whichever TaskManagers they run (see {@link JobBudget}).
         */
        JOB,
        /**
         * Buckets in Redis: one budget for every job (and JVM) using the same Redis and namespace.
         */
        REDIS
    }

    /**
     * {@code namespace:name:permits/period-ms/burst:}: the start of the keys of a bucket. A
     * bucket's definition is part of its key, so that two definitions under one name (a changed
     * configuration, or a mistake) never silently share one budget.
     */
    public String keyPrefix(BucketSpec b) {
        return namespace
                + ":"
                + b.name()
                + ":"
                + b.permits()
                + "/"
                + b.period().toMillis()
                + "/"
                + b.burst()
                + ":";
    }

    /**
     * The same limits for another API of the platform: app and IP buckets are the same budgets, API
     * and tenant-API buckets that API's own (e.g. a token endpoint the platform counts as an API of
     * its own, against the same per-IP limit).
     */
    public RateLimitSpec withApi(String otherApi) {
        return new RateLimitSpec(
                buckets,
                backend,
                redisUri,
                namespace,
                otherApi,
                utilization,
                adaptive,
                maxTenants,
                maxInFlightPerTenant);
    }

    /** The key of the budget of bucket {@code b} that covers a request of {@code tenantId}. */
    public String key(BucketSpec b, String tenantId) {
        return keyPrefix(b) + b.scope().key(api, tenantId);
    }

    /**
     * The most requests per second this endpoint's budgets allow a job of {@code tenants} tenants:
     * the tightest bucket, a per-tenant bucket counting once per tenant (at the safe rate of each
     * bucket, divided by the permits a request takes).
     */
    public double requestsPerSecond(int tenants) {
        double tightest = Double.POSITIVE_INFINITY;
        for (BucketSpec b : buckets) {
            double rate = b.safeRatePerSecond(utilization) / b.weight();
            if (b.scope().perTenant()) rate *= Math.max(1, tenants);
            tightest = Math.min(tightest, rate);
        }
        return tightest;
    }

    /**
     * The bucket a key returned by {@link #key} belongs to, or null if none of this spec's buckets
     * has it.
     */
    public BucketSpec bucketOfKey(String key) {
        for (BucketSpec b : buckets) {
            if (key.startsWith(keyPrefix(b))) return b;
        }
        return null;
    }

    /**
     * AIMD for buckets whose true limit is unknown (their {@code permits} is only a ceiling).
     *
     * @param initialFraction the rate starts at this fraction of the ceiling
     * @param increase each {@code interval} without a rate-limited answer, the rate grows by this
     *     fraction of the ceiling
     * @param decrease a rate-limited answer multiplies the rate by this
     * @param targetFraction once a refusal showed the limit, the rate grows back to at most this
     *     fraction of it
     * @param intervalMillis how often the rate may grow, and how long after a decrease it may not
     *     decrease again
     */
    @PublicEvolving
    public record Adaptive(
            double initialFraction,
            double increase,
            double decrease,
            double targetFraction,
            long intervalMillis) {}
}
