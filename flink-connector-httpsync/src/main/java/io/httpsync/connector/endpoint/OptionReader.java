package io.httpsync.connector.endpoint;

import io.httpsync.connector.domain.OptionEnum;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.util.TimeUtils;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Reads flat string options into typed values, with errors that name the option ({@code option
 * 'key': ...}), and writes down each value it read in canonical spelling, so that a description
 * read from options writes the same options back. The one reader of every surface's options
 * (endpoint, rate limits, tenants, scan), and {@link #invalid} the one way to refuse an option.
 * Used on one thread while options are read.
 */
@PublicEvolving
public final class OptionReader {
    private final Map<String, String> raw;
    private final TreeMap<String, String> canonical = new TreeMap<>();

    public OptionReader(Map<String, String> raw) {
        this.raw = raw;
    }

    /** The options read so far, canonically spelled; defaults that were not given are absent. */
    TreeMap<String, String> canonical() {
        return canonical;
    }

    /** "option 'key' is required", "option 'key': '7x' is not a duration". */
    public static IllegalArgumentException invalid(String key, String message) {
        boolean predicate =
                message.startsWith("is ")
                        || message.startsWith("needs ")
                        || message.startsWith("must ");
        return new IllegalArgumentException(
                "option '" + key + "'" + (predicate ? " " : ": ") + message);
    }

    /**
     * The options a class declares as static fields (a class of options such as {@link
     * EndpointOptions}), in order.
     */
    public static List<ConfigOption<?>> declaredIn(Class<?> holder) {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field f : holder.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                try {
                    options.add((ConfigOption<?>) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return options;
    }

    /** "option 'key' is required", "option 'key': '7x' is not a duration". */
    public static IllegalArgumentException invalid(ConfigOption<?> option, String message) {
        return invalid(option.key(), message);
    }

    public boolean isSet(ConfigOption<?> option) {
        return raw.get(option.key()) != null;
    }

    public String string(ConfigOption<String> option) {
        String v = raw.get(option.key());
        if (v == null) return option.hasDefaultValue() ? option.defaultValue() : null;
        canonical.put(option.key(), v);
        return v;
    }

    public String requiredString(ConfigOption<String> option) {
        String v = string(option);
        if (v == null || v.isBlank()) throw invalid(option.key(), "is required");
        return v;
    }

    public boolean bool(ConfigOption<Boolean> option) {
        return optionalBool(option, false);
    }

    /** A boolean option, or {@code absent} when it is not set and has no default. */
    public boolean optionalBool(ConfigOption<Boolean> option, boolean absent) {
        Boolean v =
                typed(
                        option,
                        s -> {
                            if (s.equalsIgnoreCase("true")) return true;
                            if (s.equalsIgnoreCase("false")) return false;
                            throw new IllegalArgumentException("is not true or false");
                        },
                        String::valueOf);
        return v == null ? absent : v;
    }

    public Integer integer(ConfigOption<Integer> option, int min) {
        Integer v =
                typed(
                        option,
                        s -> parseNumber(s, Integer::parseInt, "an integer"),
                        String::valueOf);
        if (v != null && v < min) throw invalid(option.key(), v + " is less than " + min);
        return v;
    }

    public Long longValue(ConfigOption<Long> option, long min) {
        Long v = typed(option, s -> parseNumber(s, Long::parseLong, "an integer"), String::valueOf);
        if (v != null && v < min) throw invalid(option.key(), v + " is less than " + min);
        return v;
    }

    public Double doubleValue(ConfigOption<Double> option, double min, double max) {
        Double v =
                typed(
                        option,
                        s -> parseNumber(s, Double::parseDouble, "a number"),
                        OptionReader::writeDouble);
        if (v != null && (v < min || v > max || v.isNaN())) {
            throw invalid(option.key(), v + " is not within [" + min + ", " + max + "]");
        }
        return v;
    }

    public Duration duration(ConfigOption<Duration> option, boolean positive) {
        Duration d =
                typed(
                        option,
                        s -> {
                            try {
                                return TimeUtils.parseDuration(s);
                            } catch (RuntimeException e) {
                                throw new IllegalArgumentException(
                                        "is not a duration like '30 s', '500 ms' or '7 d'");
                            }
                        },
                        TimeUtils::formatWithHighestUnit);
        if (d != null && positive && (d.isNegative() || d.isZero()))
            throw invalid(option.key(), "must be positive");
        return d;
    }

    public MemorySize memorySize(ConfigOption<MemorySize> option) {
        MemorySize m =
                typed(
                        option,
                        s -> {
                            try {
                                return MemorySize.parse(s);
                            } catch (RuntimeException e) {
                                throw new IllegalArgumentException(
                                        "is not a size like '16 mb' or '512 kb'");
                            }
                        },
                        MemorySize::toString);
        if (m != null && m.getBytes() <= 0) throw invalid(option.key(), "must be positive");
        return m;
    }

    public <E extends Enum<E> & OptionEnum> E enumValue(ConfigOption<E> option, Class<E> type) {
        return typed(
                option,
                s -> {
                    for (E e : type.getEnumConstants()) {
                        if (e.optionValue().equalsIgnoreCase(s) || e.name().equalsIgnoreCase(s))
                            return e;
                    }
                    throw new IllegalArgumentException(
                            "'"
                                    + s
                                    + "' is not one of "
                                    + Arrays.stream(type.getEnumConstants())
                                            .map(OptionEnum::optionValue)
                                            .collect(Collectors.joining(", ")));
                },
                OptionEnum::optionValue);
    }

    public List<String> stringList(ConfigOption<List<String>> option) {
        return typed(option, OptionReader::splitList, l -> String.join(";", l));
    }

    public List<Integer> intList(ConfigOption<List<Integer>> option) {
        return typed(
                option,
                s -> {
                    List<Integer> out = new ArrayList<>();
                    for (String item : splitList(s))
                        out.add(parseNumber(item, Integer::parseInt, "a list of integers"));
                    return out;
                },
                l -> l.stream().map(String::valueOf).collect(Collectors.joining(";")));
    }

    /** The options {@code prefix<name>}, by name, in key order. */
    public Map<String, String> prefixed(String prefix) {
        Map<String, String> out = new TreeMap<>();
        raw.forEach(
                (k, v) -> {
                    if (k.startsWith(prefix) && v != null) {
                        String name = k.substring(prefix.length());
                        if (name.isEmpty()) throw invalid(k, "needs a name after '" + prefix + "'");
                        out.put(name, v);
                        canonical.put(k, v);
                    }
                });
        return out;
    }

    /** Fails on the first key that is no endpoint option, suggesting the closest known key. */
    void failOnUnknownKeys() {
        failOnUnknownKeys(EndpointOptions::isEndpointKey, EndpointOptions.knownKeys());
    }

    /**
     * Fails on the first key that is not {@code known}, suggesting the closest of {@code
     * knownKeys}.
     */
    public void failOnUnknownKeys(Predicate<String> known, List<String> knownKeys) {
        for (String key : new TreeMap<>(raw).keySet()) {
            if (!known.test(key)) {
                String hint = closest(key, knownKeys);
                throw new IllegalArgumentException(
                        "option '"
                                + key
                                + "' is unknown"
                                + (hint == null ? "" : "; did you mean '" + hint + "'?"));
            }
        }
    }

    private <T> T typed(
            ConfigOption<T> option, Function<String, T> parse, Function<T, String> write) {
        String s = raw.get(option.key());
        if (s == null) return option.hasDefaultValue() ? option.defaultValue() : null;
        T value;
        try {
            value = parse.apply(s.trim());
        } catch (IllegalArgumentException e) {
            throw invalid(
                    option.key(),
                    s.isBlank()
                            ? "is empty"
                            : e.getMessage().startsWith("'")
                                    ? e.getMessage()
                                    : "'" + s + "' " + e.getMessage());
        }
        canonical.put(option.key(), write.apply(value));
        return value;
    }

    /** Doubles without a needless fraction: {@code 10}, {@code 1.5}. */
    static String writeDouble(double d) {
        return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static <N> N parseNumber(String s, Function<String, N> parser, String what) {
        try {
            return parser.apply(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("is not " + what);
        }
    }

    static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        if (s.isBlank()) return out;
        for (String item : s.split(";", -1)) out.add(item.trim());
        return out;
    }

    /** The known key closest to {@code key} (a typo's likely meaning), or null if none is close. */
    public static String closest(String key, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String normalized = key.toLowerCase(Locale.ROOT).replace('_', '-');
        for (String k : known) {
            int d = distance(normalized, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 4) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Keys given that start with {@code prefix}; for checks that depend on the presence of a group.
     */
    Set<String> keysStartingWith(String prefix) {
        return raw.keySet().stream()
                .filter(k -> k.startsWith(prefix))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
