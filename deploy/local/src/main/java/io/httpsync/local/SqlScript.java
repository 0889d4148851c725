package io.httpsync.local;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SQL script as Flink's SQL client reads it: statements separated by {@code ;}, where a {@code ;}
 * inside a string literal ({@code '...'}, quotes doubled inside), a quoted identifier ({@code
 * `...`} or {@code "..."}) or a comment ({@code -- ...} to the end of the line, {@code /* ...
 * *&#47;}) separates nothing. Comments are dropped.
 */
@Internal
public final class SqlScript {
    private static final Pattern SET =
            Pattern.compile("(?is)SET\\s+'((?:[^']|'')*)'\\s*=\\s*'((?:[^']|'')*)'");

    private SqlScript() {}

    /**
     * The statements of {@code script}, trimmed, without comments and without the separating {@code
     * ;}.
     */
    public static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                if (end < 0)
                    throw new IllegalArgumentException("unterminated comment /* at offset " + i);
                current.append(' ');
                i = end + 2;
            } else if (c == '\'' || c == '`' || c == '"') {
                int end = closing(script, i);
                current.append(script, i, end + 1);
                i = end + 1;
            } else if (c == ';') {
                add(out, current);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(out, current);
        return out;
    }

    /**
     * A {@code SET 'key' = 'value'} statement's key and value (quotes undoubled), or empty for any
     * other statement.
     */
    public static Optional<String[]> setting(String statement) {
        Matcher m = SET.matcher(statement.trim());
        if (!m.matches()) return Optional.empty();
        return Optional.of(
                new String[] {m.group(1).replace("''", "'"), m.group(2).replace("''", "'")});
    }

    /**
     * What a statement does, for a log line: its words up to the first parenthesis, at most four
     * ({@code CREATE TABLE orders}, {@code INSERT INTO pg_orders}), never its options, which may
     * hold secrets.
     */
    public static String summary(String statement) {
        String head = statement.split("[(']", 2)[0].trim();
        String[] words = head.split("\\s+");
        String summary = String.join(" ", Arrays.copyOf(words, Math.min(4, words.length)));
        return words.length > 4 || head.length() < statement.trim().length()
                ? summary + " ..."
                : summary;
    }

    /**
     * The index of the quote that closes the one at {@code open}; a doubled quote is part of the
     * text.
     */
    private static int closing(String script, int open) {
        char quote = script.charAt(open);
        int i = open + 1;
        while (i < script.length()) {
            if (script.charAt(i) == quote) {
                if (i + 1 < script.length() && script.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i;
            }
            i++;
        }
        int line = (int) script.substring(0, open).chars().filter(ch -> ch == '\n').count() + 1;
        throw new IllegalArgumentException("unterminated " + quote + " opened on line " + line);
    }

    private static void add(List<String> out, StringBuilder current) {
        String statement = current.toString().trim();
        if (!statement.isEmpty()) out.add(statement);
        current.setLength(0);
    }
}
