package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/**
 * The options of a tenant registry ({@link TenantRegistry}): tenants read from a table instead of
 * (or beside) the fixed list of {@link TenantOptions}. The same keys in a SQL {@code WITH} clause,
 * a DataStream job's {@code setConfiguration} and a config file. Every key under {@value #PREFIX}
 * reaches the registry's constructor (prefix removed), so an implementation may read keys of its
 * own.
 */
@PublicEvolving
public final class TenantRegistryOptions {
    private TenantRegistryOptions() {}

    /** Every option of the registry starts with this. */
    public static final String PREFIX = "tenants.registry.";

    /** The class of httpsync-landing's JDBC registry, the default of {@link #CLASS}. */
    public static final String JDBC_REGISTRY_CLASS =
            "io.httpsync.connector.registry.JdbcTenantRegistry";

    public static final ConfigOption<String> URL =
            ConfigOptions.key(PREFIX + "url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The JDBC URL of the database holding the tenant registry (PostgreSQL, MySQL or MariaDB),"
                                    + " e.g. 'jdbc:postgresql://db:5432/app'. Setting it turns the registry on: the tenants"
                                    + " are read from 'tenants.registry.table' every 'tenants.registry.poll-interval'"
                                    + " (besides those of 'tenants', if any). Continuous mode only (the config-file"
                                    + " job's full-pass and replay read its enabled tenants once, their tokens from"
                                    + " its token store).");

    public static final ConfigOption<String> CLASS =
            ConfigOptions.key(PREFIX + "class")
                    .stringType()
                    .defaultValue(JDBC_REGISTRY_CLASS)
                    .withDescription(
                            "The TenantRegistry implementation, loaded through the job's class loader and created with"
                                    + " the 'tenants.registry.*' options. The default is httpsync-landing's JDBC registry"
                                    + " (httpsync-landing and the JDBC driver must be on the job's class path).");

    public static final ConfigOption<String> TABLE =
            ConfigOptions.key(PREFIX + "table")
                    .stringType()
                    .defaultValue("httpsync_tenants")
                    .withDescription(
                            "The registry's table of tenants: tenant_id, properties (a JSON object of the tenant's"
                                    + " properties, credentials included), enabled, start_time, disabled_reason.");

    public static final ConfigOption<String> TOKEN_TABLE =
            ConfigOptions.key(PREFIX + "token-table")
                    .stringType()
                    .defaultValue("httpsync_tokens")
                    .withDescription(
                            "The registry's table of tokens (the token store), shared by every job of the app: each"
                                    + " tenant's access token and newest refresh token, refreshed by one party at a time.");

    public static final ConfigOption<Boolean> TOKEN_STORE =
            ConfigOptions.key(PREFIX + "token-store")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether tokens fetched from the token endpoint ('auth.token.url') of registry tenants are"
                                    + " kept in the token table and shared with every job using it; false: they live in"
                                    + " the job only, as with a fixed list of tenants.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key(PREFIX + "username")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The database user of the registry.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key(PREFIX + "password")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The database password of the registry (a secret: never logged).");

    public static final ConfigOption<Duration> POLL_INTERVAL =
            ConfigOptions.key(PREFIX + "poll-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "How often the enumerator reads the registry: a new tenant is planned, a disabled one"
                                    + " stops being planned, changed credentials take effect within this delay.");

    public static final ConfigOption<Boolean> PER_TENANT_METRICS =
            ConfigOptions.key("metrics.per-tenant")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether each tenant gets metrics of its own (groups 'httpsync.tenant.<id>' of the readers"
                                    + " and 'tenant.<id>' of the enumerator); false for thousands of tenants: the totals"
                                    + " and the registry's metrics stay.");
}
