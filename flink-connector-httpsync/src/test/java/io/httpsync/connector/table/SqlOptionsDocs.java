package io.httpsync.connector.table;

import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.domain.OptionEnum;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.util.TimeUtils;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Generates the option and metadata tables of {@code docs/sql.md} from the factory's {@link ConfigOption}s, between
 * marker comments, so the page cannot drift from the code. {@code SqlDocsTest} checks the page; running it with
 * {@code -Dhttpsync.docs.write=true} rewrites the tables.
 */
final class SqlOptionsDocs {
    static final Path PAGE = Path.of("..", "docs", "sql.md");
    static final String OPTIONS_START = "<!-- generated options: start -->";
    static final String OPTIONS_END = "<!-- generated options: end -->";
    static final String METADATA_START = "<!-- generated metadata: start -->";
    static final String METADATA_END = "<!-- generated metadata: end -->";

    private SqlOptionsDocs() {}

    /** The options table: required options first, then the rest by key; then the prefixed (map) options. */
    static String optionsTable() {
        HttpSyncDynamicTableFactory factory = new HttpSyncDynamicTableFactory();
        StringBuilder sb = new StringBuilder("| Option | Required | Default | Type | Description |\n|---|---|---|---|---|\n");
        factory.requiredOptions().stream().sorted((a, b) -> a.key().compareTo(b.key()))
                .forEach(o -> sb.append(row(o, "required")));
        factory.optionalOptions().stream().sorted((a, b) -> a.key().compareTo(b.key()))
                .forEach(o -> sb.append(row(o, "optional")));
        for (Map.Entry<String, String> p : prefixDescriptions().entrySet()) {
            sb.append("| `").append(p.getKey()).append("<name>` | optional | (none) | String | ").append(p.getValue()).append(" |\n");
        }
        return sb.toString();
    }

    static String metadataTable() {
        StringBuilder sb = new StringBuilder("| Key | Data type | Description |\n|---|---|---|\n");
        for (ReadableMetadata m : ReadableMetadata.values()) {
            sb.append("| `").append(m.key).append("` | `").append(m.dataType).append("` | ").append(m.description).append(" |\n");
        }
        return sb.toString();
    }

    /** What the page must contain: every key the factory accepts. */
    static List<String> documentedKeys() {
        HttpSyncDynamicTableFactory factory = new HttpSyncDynamicTableFactory();
        List<String> keys = new ArrayList<>();
        factory.requiredOptions().forEach(o -> keys.add(o.key()));
        factory.optionalOptions().forEach(o -> keys.add(o.key()));
        HttpSyncDynamicTableFactory.optionPrefixes().forEach(p -> keys.add(p + "<name>"));
        return keys;
    }

    static String page() throws IOException {
        return Files.readString(PAGE);
    }

    /** The page with both tables regenerated. */
    static String regenerate(String page) {
        return replaceBetween(replaceBetween(page, OPTIONS_START, OPTIONS_END, optionsTable()), METADATA_START, METADATA_END, metadataTable());
    }

    private static String replaceBetween(String page, String start, String end, String content) {
        int s = page.indexOf(start);
        int e = page.indexOf(end);
        if (s < 0 || e < s) throw new IllegalStateException(PAGE + " lacks the markers " + start + " ... " + end);
        return page.substring(0, s + start.length()) + "\n" + content + page.substring(e);
    }

    private static Map<String, String> prefixDescriptions() {
        return Map.of(
                EndpointOptions.REQUEST_PARAM_PREFIX, "A templated query or form parameter of the list request.",
                EndpointOptions.REQUEST_HEADER_PREFIX, "A templated header of the list request.",
                EndpointOptions.AUTH_TOKEN_PARAM_PREFIX, "A templated parameter of the token request.",
                EndpointOptions.AUTH_TOKEN_HEADER_PREFIX, "A templated header of the token request.",
                EndpointOptions.RATE_LIMIT_BUCKET_PREFIX, "`rate-limit.bucket.<name>.<setting>`: one budget of the"
                        + " hierarchical rate limiter (`scope`, `permits`, `period`, `burst`, `weight`, `adaptive`);"
                        + " see docs/rate-limiting.md.",
                HttpSyncConnectorOptions.TENANT_PREFIX, "`tenant.<id>.<property>`: a property of a tenant named in `tenants`"
                        + " (app key, secrets, static token, ids used as `${tenant.<property>}`). Keys containing secret,"
                        + " password or token are masked by Flink.")
                .entrySet().stream().sorted(Map.Entry.comparingByKey())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, java.util.LinkedHashMap::new));
    }

    private static String row(ConfigOption<?> o, String required) {
        return "| `" + o.key() + "` | " + required + " | " + defaultValue(o) + " | " + type(o) + " | "
                + cell(new HtmlFormatter().format(o.description())) + possibleValues(o) + " |\n";
    }

    private static String defaultValue(ConfigOption<?> o) {
        if (!o.hasDefaultValue()) return "(none)";
        return "`" + spell(o.defaultValue()) + "`";
    }

    private static String spell(Object value) {
        if (value instanceof Duration d) return TimeUtils.formatWithHighestUnit(d);
        if (value instanceof OptionEnum e) return e.optionValue();
        if (value instanceof Collection<?> c) return c.stream().map(SqlOptionsDocs::spell).collect(Collectors.joining(";"));
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
        return "<br>Possible values: " + java.util.Arrays.stream(clazz.getEnumConstants())
                .map(c -> "`" + spell(c) + "`").collect(Collectors.joining(", "));
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    // ConfigOption keeps its value class package-private; Flink's own docs generator reads it the same way
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
