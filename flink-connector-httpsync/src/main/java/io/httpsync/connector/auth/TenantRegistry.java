package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.util.List;

/**
 * Where a source's tenants come from when they are not a fixed list: a table that the user's own
 * authorization flow fills (shops authorize and revoke the app at any time). The source's
 * enumerator reads {@link #tenants} every {@code tenants.registry.poll-interval}: a new enabled
 * tenant is planned from its start, a disabled or removed one gets no new windows (those in flight
 * finish, its position is kept), changed properties reach the readers.
 *
 * <p>An implementation is named by its class ({@code tenants.registry.class}), loaded in the
 * JobManager through the job's class loader and created with its public constructor that takes the
 * options under {@code tenants.registry.} as one {@code Map<String, String>} (the prefix removed:
 * {@code url}, {@code table}, ...). httpsync-landing's {@code JdbcTenantRegistry} reads a table of
 * PostgreSQL, MySQL or MariaDB.
 *
 * <p><b>Threads.</b> {@link #tenants} is called on the enumerator's worker thread and may block
 * (I/O); the {@link TokenStore} of {@link #tokenStore} is called from the enumerator's token
 * threads. An implementation that shares one connection between them must synchronize.
 */
@PublicEvolving
public interface TenantRegistry extends AutoCloseable {

    /** Every registered tenant, enabled or not. Secrets stay in the tenants' properties. */
    List<RegisteredTenant> tenants() throws Exception;

    /**
     * The store of access and refresh tokens in the registry's database, shared by every job that
     * uses it; null if the registry keeps none (tokens then live in the job, as with a fixed list).
     */
    @Nullable
    default TokenStore tokenStore() {
        return null;
    }

    @Override
    default void close() throws Exception {}
}
