package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.util.List;

/**
 * The options that name a source's tenants and give their properties, the same keys in a SQL {@code
 * WITH} clause, a DataStream job's {@code setConfiguration} and a config file (there under its
 * prefix).
 */
@PublicEvolving
public final class TenantOptions {
    private TenantOptions() {}

    /** {@code tenant.<id>.<property>}: a property of a tenant named in {@link #TENANTS}. */
    public static final String TENANT_PREFIX = "tenant.";

    public static final ConfigOption<List<String>> TENANTS =
            ConfigOptions.key("tenants")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "The ids of the tenants (shops, corps) to sync, separated by ';' (required unless a tenant"
                                    + " registry, 'tenants.registry.url', gives them). Each tenant's "
                                    + "properties are given as 'tenant.<id>.<property>', e.g. 'tenant.shop-1.app-key'.");
}
