package io.httpsync.connector.table;

import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.auth.TenantRegistryOptions;
import io.httpsync.connector.domain.OptionEnum;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.ratelimit.RateLimitOptions;
import io.httpsync.connector.source.enumerator.PassOptions;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders {@link ConfigOption}s as the Markdown option tables of the docs (docs/sql.md for the SQL
 * connector, docs/landing.md for config-file jobs), from the options themselves, so a page cannot
 * drift from the code: the docs tests regenerate the tables between marker comments and fail if the
 * page differs. Stateless.
 */
@Internal
public final class OptionsTable {
    public static final String HEADER =
            "| Option | Required | Default | Type | Description |\n|---|---|---|---|---|\n";

    private OptionsTable() {}

    /**
     * One option's row; its key is written after {@code keyPrefix} (empty in SQL, {@code httpsync.}
     * in a file).
     */
    public static String row(ConfigOption<?> o, String keyPrefix, boolean required) {
        return "| `"
                + keyPrefix
                + o.key()
                + "` | "
                + (required ? "required" : "optional")
                + " | "
                + defaultValue(o)
                + " | "
                + type(o)
                + " | "
                + cell(new HtmlFormatter().format(o.description()))
                + possibleValues(o)
                + " |\n";
    }

    /** The rows of the map-valued source options ({@code request.param.<name>}, ...), by prefix. */
    public static String prefixRows(String keyPrefix) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> p : prefixDescriptions().entrySet()) {
            sb.append("| `")
                    .append(keyPrefix)
                    .append(p.getKey())
                    .append("<name>` | optional | (none) | String | ")
                    .append(p.getValue())
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * The row of the detail API that a changelog pass's check asks ({@code
     * pass.check.endpoint.<option>}), for the SQL page.
     */
    public static String passCheckRow() {
        return "| `"
                + PassOptions.CHECK_ENDPOINT_PREFIX
                + "<name>` | optional | (none) | String | `pass.check.endpoint.<option>`: an endpoint"
                + " option of the platform's detail API (`url`, `request.*`, `response.single-record`"
                + " = true, `auth.*`, `rate-limit.*`, ...), the record's id as `${tenant.record.id}`;"
                + " with it, a completed pass deletes only the records the detail API answers are gone."
                + " |\n";
    }

    /**
     * {@code page} with what stands between the markers {@code start} and {@code end} replaced by
     * {@code content}.
     */
    public static String replaceBetween(String page, String start, String end, String content) {
        int s = page.indexOf(start);
        int e = page.indexOf(end);
        if (s < 0 || e < s)
            throw new IllegalStateException("the page lacks the markers " + start + " ... " + end);
        return page.substring(0, s + start.length()) + "\n" + content + page.substring(e);
    }

    private static Map<String, String> prefixDescriptions() {
        return Map.of(
                        EndpointOptions.REQUEST_PARAM_PREFIX,
                        "A templated query or form parameter of the list request.",
                        EndpointOptions.REQUEST_HEADER_PREFIX,
                        "A templated header of the list request.",
                        EndpointOptions.AUTH_TOKEN_PARAM_PREFIX,
                        "A templated parameter of the token request.",
                        EndpointOptions.AUTH_TOKEN_HEADER_PREFIX,
                        "A templated header of the token request.",
                        EndpointOptions.AUTH_TOKEN_STEP_PREFIX,
                        "`auth.token.step.<step>.<setting>`: a step of 'auth.token.steps' (`url`, `method`,"
                                + " `body.kind`, `body.template`, `param.<name>`, `header.<name>`, `path.<value>`).",
                        RateLimitOptions.BUCKET_PREFIX,
                        "`rate-limit.bucket.<name>.<setting>`: one budget of the"
                                + " hierarchical rate limiter (`scope`, `permits`, `period`, `burst`, `weight`, `adaptive`);"
                                + " see docs/rate-limiting.md.",
                        TenantOptions.TENANT_PREFIX,
                        "`tenant.<id>.<property>`: a property of a tenant named in `tenants`"
                                + " (app key, secrets, static token, ids used as `${tenant.<property>}`). Keys containing secret,"
                                + " password or token are masked by Flink.",
                        TenantRegistryOptions.PREFIX,
                        "`tenants.registry.<key>`: an option of a custom tenant registry"
                                + " (`tenants.registry.class`), passed to it with the prefix removed.")
                .entrySet()
                .stream()
                .sorted(Map.Entry.comparingByKey())
                .collect(
                        Collectors.toMap(
                                Map.Entry::getKey,
                                Map.Entry::getValue,
                                (a, b) -> a,
                                LinkedHashMap::new));
    }

    private static String defaultValue(ConfigOption<?> o) {
        if (!o.hasDefaultValue()) return "(none)";
        return "`" + spell(o.defaultValue()) + "`";
    }

    private static String spell(Object value) {
        if (value instanceof Duration d) return TimeUtils.formatWithHighestUnit(d);
        if (value instanceof OptionEnum e) return e.optionValue();
        if (value instanceof Collection<?> c)
            return c.stream().map(OptionsTable::spell).collect(Collectors.joining(";"));
        return String.valueOf(value);
    }

    private static String type(ConfigOption<?> o) {
        Class<?> clazz = clazz(o);
        String simple = clazz.isEnum() ? "Enum" : clazz.getSimpleName();
        return isList(o) ? "List&lt;" + simple + "&gt;" : simple;
    }

    private static String possibleValues(ConfigOption<?> o) {
        Class<?> clazz = clazz(o);
        if (!clazz.isEnum()) return "";
        return "<br>Possible values: "
                + Arrays.stream(clazz.getEnumConstants())
                        .map(c -> "`" + spell(c) + "`")
                        .collect(Collectors.joining(", "));
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    // ConfigOption keeps its value class package-private; Flink's own docs generator reads it the
    // same way
    private static Class<?> clazz(ConfigOption<?> o) {
        return (Class<?>) invoke(o, "getClazz");
    }

    private static boolean isList(ConfigOption<?> o) {
        return (Boolean) invoke(o, "isList");
    }

    private static Object invoke(ConfigOption<?> o, String method) {
        try {
            Method m = ConfigOption.class.getDeclaredMethod(method);
            m.setAccessible(true);
            return m.invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("ConfigOption." + method + "() is gone", e);
        }
    }
}
