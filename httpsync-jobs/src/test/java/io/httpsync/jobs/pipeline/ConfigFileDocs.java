package io.httpsync.jobs.pipeline;

import io.httpsync.connector.auth.TenantOptions;
import io.httpsync.connector.endpoint.EndpointOptions;
import io.httpsync.connector.source.SourceConfigReader;
import io.httpsync.connector.source.enumerator.ScanOptions;
import io.httpsync.connector.table.OptionsTable;

import org.apache.flink.configuration.ConfigOption;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Generates the table of a config file's keys in {@code docs/landing.md} from {@link
 * SyncJobOptions} and the source's options under {@link SyncJobOptions#SOURCE_PREFIX}, with the
 * generator of docs/sql.md ({@link OptionsTable}), between marker comments. {@code
 * ConfigFileDocsTest} checks the page; {@code -Dhttpsync.docs.write=true} rewrites the table.
 */
final class ConfigFileDocs {
    static final Path PAGE = Path.of("..", "docs", "landing.md");
    static final String START = "<!-- generated config-file keys: start -->";
    static final String END = "<!-- generated config-file keys: end -->";
    private static final String P = SyncJobOptions.SOURCE_PREFIX;

    /** Required to run a job from a file. */
    private static final Set<ConfigOption<?>> REQUIRED =
            Set.of(
                    SyncJobOptions.SOURCE_NAME,
                    EndpointOptions.URL,
                    TenantOptions.TENANTS,
                    ScanOptions.START);

    private ConfigFileDocs() {}

    /**
     * The job's keys by key, then the source's under its prefix by key (but for the changelog
     * passes, which the job refuses), then the source's prefixed keys.
     */
    static String table() {
        StringBuilder sb = new StringBuilder(OptionsTable.HEADER);
        SyncJobOptions.all().stream()
                .sorted(Comparator.comparing(ConfigOption::key))
                .forEach(o -> sb.append(OptionsTable.row(o, "", REQUIRED.contains(o))));
        SourceConfigReader.options().stream()
                .filter(o -> !SourceConfigReader.passOptions().contains(o))
                .sorted(Comparator.comparing(ConfigOption::key))
                .forEach(o -> sb.append(OptionsTable.row(o, P, REQUIRED.contains(o))));
        return sb.append(OptionsTable.prefixRows(P)).toString();
    }

    /** Every key a file may hold, as the page must show it. */
    static List<String> keys() {
        List<String> keys = new ArrayList<>();
        SyncJobOptions.all().forEach(o -> keys.add(o.key()));
        SourceConfigReader.options().stream()
                .filter(o -> !SourceConfigReader.passOptions().contains(o))
                .forEach(o -> keys.add(P + o.key()));
        SourceConfigReader.prefixes().forEach(p -> keys.add(P + p + "<name>"));
        return keys;
    }

    static String page() throws IOException {
        return Files.readString(PAGE);
    }

    static String regenerate(String page) {
        return OptionsTable.replaceBetween(page, START, END, table());
    }
}
