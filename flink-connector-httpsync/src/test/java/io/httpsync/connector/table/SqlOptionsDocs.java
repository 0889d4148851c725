package io.httpsync.connector.table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates the option and metadata tables of {@code docs/sql.md} from the factory's {@code
 * ConfigOption}s, between marker comments, so the page cannot drift from the code. {@code
 * SqlDocsTest} checks the page; running it with {@code -Dhttpsync.docs.write=true} rewrites the
 * tables.
 */
final class SqlOptionsDocs {
    static final Path PAGE = Path.of("..", "docs", "sql.md");
    static final String OPTIONS_START = "<!-- generated options: start -->";
    static final String OPTIONS_END = "<!-- generated options: end -->";
    static final String METADATA_START = "<!-- generated metadata: start -->";
    static final String METADATA_END = "<!-- generated metadata: end -->";

    private SqlOptionsDocs() {}

    /**
     * The options table: required options first, then the rest by key; then the prefixed (map)
     * options.
     */
    static String optionsTable() {
        HttpSyncDynamicTableFactory factory = new HttpSyncDynamicTableFactory();
        StringBuilder sb = new StringBuilder(OptionsTable.HEADER);
        factory.requiredOptions().stream()
                .sorted((a, b) -> a.key().compareTo(b.key()))
                .forEach(o -> sb.append(OptionsTable.row(o, "", true)));
        factory.optionalOptions().stream()
                .sorted((a, b) -> a.key().compareTo(b.key()))
                .forEach(o -> sb.append(OptionsTable.row(o, "", false)));
        return sb.append(OptionsTable.prefixRows(""))
                .append(OptionsTable.passCheckRow())
                .toString();
    }

    static String metadataTable() {
        StringBuilder sb = new StringBuilder("| Key | Data type | Description |\n|---|---|---|\n");
        for (ReadableMetadata m : ReadableMetadata.values()) {
            sb.append("| `")
                    .append(m.key)
                    .append("` | `")
                    .append(m.dataType)
                    .append("` | ")
                    .append(m.description)
                    .append(" |\n");
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
        return OptionsTable.replaceBetween(
                OptionsTable.replaceBetween(page, OPTIONS_START, OPTIONS_END, optionsTable()),
                METADATA_START,
                METADATA_END,
                metadataTable());
    }
}
