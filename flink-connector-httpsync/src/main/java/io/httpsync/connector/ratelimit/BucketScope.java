package io.httpsync.connector.ratelimit;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What one budget is counted per. The limiter counts a request in every bucket of the endpoint; the
 * scope says which requests share a bucket: those of the same app ({@link #APP}), API ({@link
 * #API}), calling IP ({@link #IP}), tenant ({@link #TENANT}) or tenant and API ({@link
 * #TENANT_API}). App and IP buckets are shared by every endpoint with the same {@code
 * rate-limit.namespace}; API buckets by endpoints with the same {@code rate-limit.api}.
 */
@PublicEvolving
public enum BucketScope implements OptionEnum {
    APP,
    API,
    IP,
    TENANT,
    TENANT_API;

    /**
     * The part of a bucket's key that tells its requests apart from those of other buckets of the
     * same name.
     */
    String key(String api, String tenantId) {
        return switch (this) {
            case APP, IP -> "*";
            case API -> api;
            case TENANT -> "tenant=" + tenantId;
            case TENANT_API -> "tenant=" + tenantId + "/" + api;
        };
    }

    boolean perTenant() {
        return this == TENANT || this == TENANT_API;
    }
}
