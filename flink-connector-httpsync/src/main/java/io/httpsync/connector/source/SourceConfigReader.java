package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.auth.TenantRegistryOptions;
import io.httpsync.connector.auth.TenantRegistrySpec;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.source.enumerator.PassOptions;
import io.httpsync.connector.source.enumerator.ScanOptions;
import io.httpsync.connector.source.enumerator.ScanOptions.ScanMode;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one parser of a source's options: the endpoint ({@link EndpointOptions}, rate limits
 * included), the tenants ({@link TenantOptions}) and the scan ({@link ScanOptions}), read from flat
 * string options with the same keys and defaults on every surface: {@link
 * HttpSyncSourceBuilder#setConfiguration}, the SQL table factory and the config-file job (whose
 * keys are these under a prefix). Every refusal names the option ({@link OptionReader#invalid}).
 * Stateless.
 */
@PublicEvolving
public final class SourceConfigReader {
    private SourceConfigReader() {}

    /** The scan options, in declaration order. */
    public static List<ConfigOption<?>> scanOptions() {
        return OptionReader.declaredIn(ScanOptions.class);
    }

    /** The options of full passes and their changelog ({@link PassOptions}). */
    public static List<ConfigOption<?>> passOptions() {
        return OptionReader.declaredIn(PassOptions.class);
    }

    /** Every option a source reads, by key: the endpoint's, the tenants', the scan's. */
    public static Set<ConfigOption<?>> options() {
        Set<ConfigOption<?>> options = new LinkedHashSet<>(EndpointOptions.all().values());
        options.add(TenantOptions.TENANTS);
        options.addAll(OptionReader.declaredIn(TenantRegistryOptions.class));
        options.addAll(scanOptions());
        options.addAll(passOptions());
        return options;
    }

    /**
     * The prefixes of map-valued options: the endpoint's ({@code request.param.<name>}, ...) and
     * the tenants'.
     */
    public static List<String> prefixes() {
        List<String> prefixes = new ArrayList<>(EndpointOptions.prefixes());
        prefixes.add(TenantOptions.TENANT_PREFIX);
        prefixes.add(TenantRegistryOptions.PREFIX); // a registry may read keys of its own
        return prefixes;
    }

    /** Whether {@code key} is an option of a source (so a surface can hand over only these). */
    public static boolean isSourceKey(String key) {
        if (EndpointOptions.isEndpointKey(key) || key.equals(TenantOptions.TENANTS.key()))
            return true;
        if (key.startsWith(TenantOptions.TENANT_PREFIX)
                && key.length() > TenantOptions.TENANT_PREFIX.length()) return true;
        if (key.startsWith(TenantRegistryOptions.PREFIX)
                        && key.length() > TenantRegistryOptions.PREFIX.length()
                || key.equals(TenantRegistryOptions.PER_TENANT_METRICS.key())) return true;
        if (key.startsWith(PassOptions.CHECK_ENDPOINT_PREFIX)
                && key.length() > PassOptions.CHECK_ENDPOINT_PREFIX.length()) return true;
        return scanOptions().stream().anyMatch(o -> o.key().equals(key))
                || passOptions().stream().anyMatch(o -> o.key().equals(key));
    }

    /** The options of {@code options} that belong to a source. */
    public static Map<String, String> sourceOptions(Map<String, String> options) {
        Map<String, String> out = new TreeMap<>();
        options.forEach(
                (k, v) -> {
                    if (isSourceKey(k)) out.put(k, v);
                });
        return out;
    }

    /**
     * Sets everything {@code options} describe on {@code builder}: endpoint, tenants, and, if
     * {@code scan.start} is set, the scan. Keys that are no source option are refused, with the
     * closest known key as a hint.
     *
     * @throws IllegalArgumentException naming the option that is unknown, missing or invalid
     */
    static <T> void configure(HttpSyncSourceBuilder<T> builder, Map<String, String> options) {
        refuseUnknownKeys(options);
        builder.setEndpoint(endpoint(options)).setTenants(tenants(options));
        TenantRegistrySpec registry = registry(options);
        if (registry != null) builder.setTenantRegistry(registry);
        builder.setPerTenantMetrics(
                new OptionReader(options).bool(TenantRegistryOptions.PER_TENANT_METRICS));
        configureScan(builder, options);
        FullPasses passes = fullPasses(options);
        if (passes != null) builder.setFullPasses(passes);
    }

    /**
     * The full passes {@code options} describe ({@code pass.*}, {@code changelog.mode}), or null if
     * they describe none ({@code changelog.mode} {@code append} and no {@code pass.interval}).
     *
     * @throws IllegalArgumentException naming the option that is missing or invalid
     */
    @Nullable
    public static FullPasses fullPasses(Map<String, String> options) {
        OptionReader r = new OptionReader(options);
        PassOptions.ChangelogMode mode =
                r.enumValue(PassOptions.CHANGELOG_MODE, PassOptions.ChangelogMode.class);
        Duration interval = r.duration(PassOptions.INTERVAL, true);
        if (interval == null) {
            if (mode != PassOptions.ChangelogMode.APPEND)
                throw OptionReader.invalid(
                        PassOptions.INTERVAL,
                        "is required for '"
                                + PassOptions.CHANGELOG_MODE.key()
                                + "' "
                                + mode.optionValue()
                                + ": deletions are found by periodic full passes");
            for (ConfigOption<?> o : passOptions()) {
                if (o != PassOptions.CHANGELOG_MODE && r.isSet(o))
                    throw OptionReader.invalid(
                            o, "needs '" + PassOptions.INTERVAL.key() + "' (full passes)");
            }
            if (!r.prefixed(PassOptions.CHECK_ENDPOINT_PREFIX).isEmpty())
                throw OptionReader.invalid(
                        PassOptions.CHECK_ENDPOINT_PREFIX + "*",
                        "needs '" + PassOptions.INTERVAL.key() + "' (full passes)");
            return null;
        }
        Double ratio = r.doubleValue(PassOptions.MAX_DELETE_RATIO, 0, 1);
        FullPasses passes =
                FullPasses.every(interval)
                        .mode(mode)
                        .maxDeleteRatio(
                                ratio == null ? PassOptions.MAX_DELETE_RATIO.defaultValue() : ratio)
                        .range(r.duration(PassOptions.RANGE, true))
                        .from(r.isSet(PassOptions.FROM) ? instant(r, PassOptions.FROM) : null);
        Duration ttl = r.duration(PassOptions.STATE_TTL, true);
        if (ttl != null && ttl.compareTo(interval) <= 0)
            throw OptionReader.invalid(
                    PassOptions.STATE_TTL,
                    "must be longer than '" + PassOptions.INTERVAL.key() + "' " + interval);
        // the tenants only when there is a check: their credentials sign its requests (a tenant
        // registry's tenants and tokens are bound when the source is built)
        List<Tenant> tenants =
                r.prefixed(PassOptions.CHECK_ENDPOINT_PREFIX).isEmpty()
                        ? List.of()
                        : tenants(options);
        DetailApiCheck check = DetailApiCheck.fromOptions(options, tenants);
        if (check != null && mode == PassOptions.ChangelogMode.APPEND)
            throw OptionReader.invalid(
                    PassOptions.CHECK_ENDPOINT_PREFIX + "*",
                    "checks deletions, but '"
                            + PassOptions.CHANGELOG_MODE.key()
                            + "' append makes none");
        return (ttl == null ? passes : passes.stateTtl(ttl)).withCheck(check);
    }

    /**
     * Refuses keys that are no source option, with the closest known key as a hint.
     *
     * @throws IllegalArgumentException naming the first unknown key
     */
    public static void refuseUnknownKeys(Map<String, String> options) {
        List<String> known = new ArrayList<>();
        options().forEach(o -> known.add(o.key()));
        prefixes().forEach(p -> known.add(p + "<name>"));
        new OptionReader(options).failOnUnknownKeys(SourceConfigReader::isSourceKey, known);
    }

    /** The endpoint, from the options of {@code options} that belong to it. */
    public static EndpointSpec endpoint(Map<String, String> options) {
        Map<String, String> endpointOptions = new TreeMap<>();
        options.forEach(
                (k, v) -> {
                    if (EndpointOptions.isEndpointKey(k)) endpointOptions.put(k, v);
                });
        return EndpointSpec.fromOptions(endpointOptions);
    }

    /**
     * The tenant registry of {@code tenants.registry.*}, or null if {@code tenants.registry.url} is
     * not set.
     */
    @Nullable
    public static TenantRegistrySpec registry(Map<String, String> options) {
        OptionReader r = new OptionReader(options);
        if (!r.isSet(TenantRegistryOptions.URL)) return null;
        Map<String, String> registryOptions = new TreeMap<>();
        options.forEach(
                (k, v) -> {
                    if (k.startsWith(TenantRegistryOptions.PREFIX))
                        registryOptions.put(k.substring(TenantRegistryOptions.PREFIX.length()), v);
                });
        return TenantRegistrySpec.of(
                r.string(TenantRegistryOptions.CLASS),
                registryOptions,
                r.duration(TenantRegistryOptions.POLL_INTERVAL, true),
                r.bool(TenantRegistryOptions.TOKEN_STORE));
    }

    /**
     * The tenants named in {@code tenants}, with their {@code tenant.<id>.<property>} options; none
     * if a tenant registry is set and {@code tenants} is not.
     */
    public static List<Tenant> tenants(Map<String, String> options) {
        String tenantsKey = TenantOptions.TENANTS.key();
        List<String> ids = new OptionReader(options).stringList(TenantOptions.TENANTS);
        if ((ids == null || ids.isEmpty())
                && new OptionReader(options).isSet(TenantRegistryOptions.URL)) return List.of();
        if (ids == null || ids.isEmpty() || ids.stream().anyMatch(String::isBlank)) {
            throw OptionReader.invalid(tenantsKey, "is required: the tenant ids, separated by ';'");
        }
        Map<String, Map<String, String>> properties = new LinkedHashMap<>();
        for (String id : ids) {
            if (properties.put(id, new TreeMap<>()) != null)
                throw OptionReader.invalid(tenantsKey, "names '" + id + "' twice");
        }
        String prefix = TenantOptions.TENANT_PREFIX;
        for (Map.Entry<String, String> e : new TreeMap<>(options).entrySet()) {
            if (!e.getKey().startsWith(prefix)) continue;
            String rest = e.getKey().substring(prefix.length());
            String id =
                    ids.stream()
                            .filter(t -> rest.startsWith(t + ".") && rest.length() > t.length() + 1)
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            OptionReader.invalid(
                                                    e.getKey(),
                                                    "names no tenant of '"
                                                            + tenantsKey
                                                            + "' "
                                                            + ids
                                                            + "; tenant properties are written '"
                                                            + prefix
                                                            + "<id>.<property>'"));
            properties.get(id).put(rest.substring(id.length() + 1), e.getValue());
        }
        List<Tenant> tenants = new ArrayList<>();
        properties.forEach((id, props) -> tenants.add(Tenant.of(id, props)));
        return tenants;
    }

    /**
     * Whether {@code options} describe a scan ({@code scan.start} is set); a SQL table without one
     * is only looked up.
     */
    public static boolean scans(Map<String, String> options) {
        return new OptionReader(options).isSet(ScanOptions.START);
    }

    public static ScanMode mode(Map<String, String> options) {
        return new OptionReader(options).enumValue(ScanOptions.MODE, ScanMode.class);
    }

    /** {@code scan.start}, required. */
    public static Instant start(Map<String, String> options) {
        return instant(new OptionReader(options), ScanOptions.START);
    }

    /** {@code scan.end}, or null if it is not set. */
    public static Instant end(Map<String, String> options) {
        OptionReader r = new OptionReader(options);
        return r.isSet(ScanOptions.END) ? instant(r, ScanOptions.END) : null;
    }

    /** {@code scan.lag}: how late the platform may list a change. */
    public static Duration lag(Map<String, String> options) {
        OptionReader r = new OptionReader(options);
        Duration lag = r.duration(ScanOptions.LAG, false);
        if (lag.isNegative()) throw OptionReader.invalid(ScanOptions.LAG, "must not be negative");
        return lag;
    }

    /** The policy of {@code scan.exception-policy}. */
    public static ExceptionPolicy exceptionPolicy(Map<String, String> options) {
        String text = new OptionReader(options).string(ScanOptions.EXCEPTION_POLICY);
        for (ExceptionPolicy p : ExceptionPolicy.values()) {
            if (p.name().replace('_', '-').equalsIgnoreCase(text.trim())) return p;
        }
        throw OptionReader.invalid(
                ScanOptions.EXCEPTION_POLICY,
                "'" + text + "' is not one of fail, record-and-retry");
    }

    /** The scan settings of {@code options}, if {@code scan.start} is set; the others need one. */
    private static <T> void configureScan(
            HttpSyncSourceBuilder<T> builder, Map<String, String> options) {
        OptionReader r = new OptionReader(options);
        builder.setExceptionPolicy(exceptionPolicy(options))
                .setSplitsInFlightPerReader(r.integer(ScanOptions.SPLITS_IN_FLIGHT, 1))
                .setMaxSplitsInFlightPerReader(r.integer(ScanOptions.MAX_SPLITS_IN_FLIGHT, 1))
                .setMaxWindowFailures(r.integer(ScanOptions.FAILED_WINDOW_MAX_FAILURES, 1))
                .setFailedWindowRetryDelay(r.duration(ScanOptions.FAILED_WINDOW_RETRY_DELAY, true))
                .setRecentSpan(r.duration(ScanOptions.RECENT_SPAN, false))
                .setHistoryShare(r.doubleValue(ScanOptions.RECENT_HISTORY_SHARE, 0, 1));
        Duration step = r.duration(ScanOptions.WINDOW_STEP, true);
        if (step != null) builder.setWindowStep(step);
        Duration minWidth = r.duration(ScanOptions.WINDOW_MIN_WIDTH, true);
        if (minWidth != null) builder.setMinWindowWidth(minWidth);
        if (!scans(options)) return;
        Instant start = start(options);
        Duration lag = lag(options);
        if (mode(options) == ScanMode.BOUNDED) {
            if (!r.isSet(ScanOptions.END))
                throw OptionReader.invalid(ScanOptions.END, "is required in 'bounded' scan mode");
            Instant end = instant(r, ScanOptions.END);
            if (!end.isAfter(start)) {
                throw OptionReader.invalid(
                        ScanOptions.END,
                        end + " is not after '" + ScanOptions.START.key() + "' " + start);
            }
            builder.setBounded(start, end, lag);
        } else {
            if (r.isSet(ScanOptions.END))
                throw OptionReader.invalid(
                        ScanOptions.END, "is only allowed in 'bounded' scan mode");
            builder.setContinuous(start, lag, r.duration(ScanOptions.DISCOVERY_INTERVAL, true));
        }
    }

    private static Instant instant(OptionReader r, ConfigOption<String> option) {
        String text = r.requiredString(option).trim();
        try {
            return text.chars().allMatch(Character::isDigit)
                    ? Instant.ofEpochMilli(Long.parseLong(text))
                    : Instant.parse(text);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw OptionReader.invalid(
                    option,
                    "'"
                            + text
                            + "' is neither an ISO-8601 instant (2024-06-01T00:00:00Z) nor epoch milliseconds");
        }
    }
}
