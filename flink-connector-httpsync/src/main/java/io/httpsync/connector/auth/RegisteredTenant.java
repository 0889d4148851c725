package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.io.Serializable;
import java.time.Instant;

import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * A tenant as a {@link TenantRegistry} lists it: its id and properties (credentials included), from
 * when to sync it, and whether it is synced at all.
 *
 * @param tenant the tenant: id and properties (secrets among them never appear in {@link
 *     #toString})
 * @param enabled whether the tenant is synced; a disabled tenant keeps its position and resumes
 *     from it when enabled again
 * @param startTime the update time from which a tenant new to the job is synced, or null for the
 *     source's start ({@code scan.start}); a tenant the job already knows goes on from its position
 * @param disabledReason why the tenant is disabled (e.g. the authorization was revoked), or null
 */
@PublicEvolving
public record RegisteredTenant(
        Tenant tenant,
        boolean enabled,
        @Nullable Instant startTime,
        @Nullable String disabledReason)
        implements Serializable {
    public RegisteredTenant {
        checkNotNull(tenant, "tenant");
    }

    public String id() {
        return tenant.id();
    }
}
