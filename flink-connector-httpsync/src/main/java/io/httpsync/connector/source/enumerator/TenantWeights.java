package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.ratelimit.BucketScope;
import io.httpsync.connector.ratelimit.BucketSpec;
import io.httpsync.connector.ratelimit.RateLimitSpec;

import org.apache.flink.annotation.Internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.io.Serializable;

/**
 * A tenant's weight in the assigner's turns ({@link TenantTurns}): its own limit in requests per
 * second. That is its property {@value #RATE_PROPERTY} (a shop raised from 10 to 100 per second),
 * else the endpoint's tightest tenant bucket ({@code tenant} or {@code tenant-api} scope). Without
 * tenant buckets the tenants share the app's buckets and weigh the same.
 *
 * <p>Immutable; travels with the source.
 */
@Internal
public final class TenantWeights implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TenantWeights.class);

    /** The tenant property with the tenant's own requests per second (its tenant buckets). */
    public static final String RATE_PROPERTY = "rate-limit.permits-per-second";

    /** The endpoint's requests per second per tenant, or NaN if it has no tenant bucket. */
    private final double endpointRate;

    private TenantWeights(double endpointRate) {
        this.endpointRate = endpointRate;
    }

    /** Weights from the endpoint's buckets. */
    public static TenantWeights of(RateLimitSpec limits) {
        double rate = Double.NaN;
        for (BucketSpec b : limits.buckets()) {
            if (b.scope() != BucketScope.TENANT && b.scope() != BucketScope.TENANT_API) continue;
            double perSecond = b.permits() / (b.period().toNanos() / 1e9);
            rate = Double.isNaN(rate) ? perSecond : Math.min(rate, perSecond);
        }
        return new TenantWeights(rate);
    }

    /** Every tenant weighs the same. */
    public static TenantWeights equal() {
        return new TenantWeights(Double.NaN);
    }

    /** The weight of a tenant without a limit of its own. */
    public double defaultWeight() {
        return Double.isNaN(endpointRate) ? 1 : endpointRate;
    }

    /** The tenant's weight. */
    public double of(Tenant tenant) {
        if (Double.isNaN(endpointRate)) return 1; // its own limit applies to no bucket
        Double own = ownRate(tenant);
        return own == null ? endpointRate : own;
    }

    /**
     * The tenant's own requests per second, property {@value #RATE_PROPERTY}, or null if it has
     * none (or one that is not a positive number, which is logged).
     */
    @Nullable
    public static Double ownRate(Tenant tenant) {
        String text = tenant.property(RATE_PROPERTY).orElse(null);
        if (text == null) return null;
        try {
            double rate = Double.parseDouble(text.trim());
            if (rate > 0 && !Double.isInfinite(rate)) return rate;
        } catch (NumberFormatException e) {
            // logged below
        }
        LOG.warn(
                "Tenant {}: property '{}' is not a positive number; the endpoint's limit applies",
                tenant.id(),
                RATE_PROPERTY);
        return null;
    }
}
