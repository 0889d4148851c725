package io.httpsync.connector.auth;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * Which {@link TenantRegistry} a source reads and how: its class, its options (the keys under
 * {@code tenants.registry.}, prefix removed), the poll interval and whether its token store is
 * used. Serializable (it travels inside the source); the registry itself is created only in the
 * JobManager ({@link #create}). Its options may hold secrets: {@link #toString} shows only the
 * class, the table and the interval.
 */
@PublicEvolving
public final class TenantRegistrySpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String className;
    private final TreeMap<String, String> options;
    private final Duration pollInterval;
    private final boolean tokenStore;
    private final boolean readsTenants;

    private TenantRegistrySpec(
            String className,
            Map<String, String> options,
            Duration pollInterval,
            boolean tokenStore,
            boolean readsTenants) {
        checkArgument(
                className != null && !className.isBlank(),
                "option '%s' must name a class",
                TenantRegistryOptions.CLASS.key());
        checkNotNull(pollInterval, "pollInterval");
        checkArgument(
                !pollInterval.isNegative() && pollInterval.toMillis() > 0,
                "option '%s' must be positive",
                TenantRegistryOptions.POLL_INTERVAL.key());
        this.className = className;
        this.options = new TreeMap<>(options);
        this.pollInterval = pollInterval;
        this.tokenStore = tokenStore;
        this.readsTenants = readsTenants;
    }

    /**
     * @param className a {@link TenantRegistry} with a public constructor taking {@code Map<String,
     *     String>}
     * @param options the registry's options without the {@code tenants.registry.} prefix ({@code
     *     url}, {@code table}, {@code username}, ...)
     */
    public static TenantRegistrySpec of(
            String className,
            Map<String, String> options,
            Duration pollInterval,
            boolean tokenStore) {
        return new TenantRegistrySpec(className, options, pollInterval, tokenStore, true);
    }

    /** httpsync-landing's JDBC registry with these options ({@code url}, {@code table}, ...). */
    public static TenantRegistrySpec jdbc(Map<String, String> options, Duration pollInterval) {
        return of(TenantRegistryOptions.JDBC_REGISTRY_CLASS, options, pollInterval, true);
    }

    public String className() {
        return className;
    }

    public Map<String, String> options() {
        return java.util.Collections.unmodifiableMap(options);
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    /** Whether the registry's token store, if it has one, keeps the tokens. */
    public boolean usesTokenStore() {
        return tokenStore;
    }

    /** The same registry with or without its token store. */
    public TenantRegistrySpec withTokenStore(boolean use) {
        return new TenantRegistrySpec(className, options, pollInterval, use, readsTenants);
    }

    /**
     * Whether the source reads its tenants from the registry (true, the default), or the registry
     * serves only its token store ({@link #forTokensOnly}).
     */
    public boolean readsTenants() {
        return readsTenants;
    }

    /**
     * The same registry serving only its token store: the source's tenants are its fixed list (the
     * registry's tenants read once, for a bounded job such as a full pass or a replay), their
     * tokens read and refreshed through the store, shared with the jobs that read the registry, so
     * that a bounded job never spends a single-use refresh token outside it.
     */
    public TenantRegistrySpec forTokensOnly() {
        return new TenantRegistrySpec(className, options, pollInterval, true, false);
    }

    /**
     * Loads the class through {@code classLoader} and creates the registry. Call where it is used
     * (the JobManager), not where the job is built.
     *
     * @throws IllegalArgumentException naming the class and what is wrong with it (never an
     *     option's value)
     */
    public TenantRegistry create(ClassLoader classLoader) {
        Class<?> type;
        try {
            type = Class.forName(className, true, classLoader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(
                    "tenant registry class '"
                            + className
                            + "' (option '"
                            + TenantRegistryOptions.CLASS.key()
                            + "') is not on the job's class path"
                            + (className.equals(TenantRegistryOptions.JDBC_REGISTRY_CLASS)
                                    ? ": add httpsync-landing and the database's JDBC driver to the job"
                                    : ""),
                    e);
        }
        if (!TenantRegistry.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(
                    "tenant registry class '" + className + "' does not implement TenantRegistry");
        }
        try {
            Constructor<?> constructor = type.getConstructor(Map.class);
            return (TenantRegistry) constructor.newInstance(options());
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(
                    "tenant registry class '"
                            + className
                            + "' has no public constructor taking Map<String, String>",
                    e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof IllegalArgumentException iae) throw iae;
            throw new IllegalArgumentException(
                    "tenant registry '" + className + "' could not be created: " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(
                    "tenant registry class '" + className + "' could not be created: " + e, e);
        }
    }

    @Override
    public String toString() {
        return "TenantRegistrySpec{class="
                + className
                + ", table="
                + options.getOrDefault("table", TenantRegistryOptions.TABLE.defaultValue())
                + ", pollInterval="
                + pollInterval
                + ", tokenStore="
                + tokenStore
                + (readsTenants ? "" : ", tokensOnly")
                + "}";
    }
}
