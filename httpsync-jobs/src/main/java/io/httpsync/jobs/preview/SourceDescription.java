package io.httpsync.jobs.preview;

import io.httpsync.jobs.pipeline.SyncPipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@code preview} and {@code sync --out} find a source's options: a job's config file ({@code
 * --config}, the source's options under {@code httpsync.}, read as {@code run --config} reads them,
 * the rest of the job ignored), or a file of plain connector options ({@code --options}, the keys
 * of a SQL {@code WITH} clause). Stateless.
 */
final class SourceDescription {
    /**
     * A line of an options file: {@code key=value}, or as in a WITH clause: {@code 'key' =
     * 'value',}.
     */
    private static final Pattern QUOTED =
            Pattern.compile("'((?:[^']|'')*)'\\s*=\\s*'((?:[^']|'')*)'\\s*,?");

    private SourceDescription() {}

    /**
     * The source's options of {@code --config <job.properties>} or {@code --options <file>}
     * (exactly one of them).
     *
     * @throws IllegalArgumentException naming what is missing or wrong
     */
    static Map<String, String> read(String command, Map<String, String> args) throws IOException {
        String config = args.get("config");
        String options = args.get("options");
        if ((config == null) == (options == null)) {
            throw new IllegalArgumentException(
                    command
                            + " needs either --config <job.properties> (a job's config file, the"
                            + " source's options under 'httpsync.') or --options <file> (the connector's options, one key=value a line)");
        }
        return config != null
                ? SyncPipeline.fromFile(existing(config)).sourceOptions()
                : readOptions(existing(options));
    }

    private static Path existing(String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path))
            throw new IllegalArgumentException("no such file: " + path.toAbsolutePath());
        return path;
    }

    /**
     * Reads one option a line, {@code key=value} (split at the first {@code =}, both sides trimmed;
     * no escapes, so a regular expression or a JSON template is taken as written) or {@code 'key' =
     * 'value',} as in a SQL WITH clause ({@code ''} for a quote); blank lines and lines starting
     * with {@code #} or {@code --} are skipped.
     */
    static Map<String, String> readOptions(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("--")) continue;
            String key;
            String value;
            Matcher quoted = QUOTED.matcher(line);
            if (quoted.matches()) {
                key = quoted.group(1).replace("''", "'");
                value = quoted.group(2).replace("''", "'");
            } else {
                int eq = line.indexOf('=');
                if (eq <= 0)
                    throw new IllegalArgumentException(
                            file + " line " + (i + 1) + " is not key=value: " + line);
                key = line.substring(0, eq).strip();
                value = line.substring(eq + 1).strip();
            }
            if (out.put(key, value) != null)
                throw new IllegalArgumentException(
                        file + " line " + (i + 1) + " sets '" + key + "' again");
        }
        return out;
    }

    /** The instant of {@code --<name>}, ISO-8601 or epoch milliseconds, or null if not given. */
    static Instant instant(Map<String, String> args, String name) {
        String text = args.get(name);
        if (text == null) return null;
        try {
            return text.chars().allMatch(Character::isDigit)
                    ? Instant.ofEpochMilli(Long.parseLong(text))
                    : Instant.parse(text);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--"
                            + name
                            + " '"
                            + text
                            + "' is neither an ISO-8601 instant"
                            + " (2026-01-01T00:00:00Z) nor epoch milliseconds");
        }
    }

    /** Refuses arguments the command does not know, so that a typo is not silently ignored. */
    static void onlyKnown(String command, Map<String, String> args, List<String> known) {
        for (String name : args.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException(
                        command
                                + " does not know --"
                                + name
                                + "; it takes --"
                                + String.join(", --", known));
            }
        }
    }
}
