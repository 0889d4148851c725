package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.PublicEvolving;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Objects;

/**
 * How a platform writes a point in time: {@code epoch-millis}, {@code epoch-seconds}, or a {@link
 * DateTimeFormatter} pattern read in a time zone (TOP and Jushuitan use {@code yyyy-MM-dd HH:mm:ss}
 * in Asia/Shanghai). Immutable and thread-safe. Epoch seconds and patterns without milliseconds
 * truncate towards the past, so consecutive windows {@code [a, b)}, {@code [b, c)} stay adjacent at
 * the platform's resolution.
 */
@PublicEvolving
public final class TimeFormat {
    public static final String EPOCH_MILLIS = "epoch-millis";
    public static final String EPOCH_SECONDS = "epoch-seconds";

    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private final String text;
    private final DateTimeFormatter formatter; // null for the epoch formats
    private final long unitMillis;

    private TimeFormat(String text, DateTimeFormatter formatter, long unitMillis) {
        this.text = text;
        this.formatter = formatter;
        this.unitMillis = unitMillis;
    }

    /**
     * Parses {@code epoch-millis}, {@code epoch-seconds} or a pattern.
     *
     * @throws IllegalArgumentException saying why the text is none of them
     */
    public static TimeFormat of(String text) {
        Objects.requireNonNull(text, "time format");
        if (text.equalsIgnoreCase(EPOCH_MILLIS)) return new TimeFormat(EPOCH_MILLIS, null, 1);
        if (text.equalsIgnoreCase(EPOCH_SECONDS))
            return new TimeFormat(EPOCH_SECONDS, null, SECOND);
        if (text.isBlank())
            throw new IllegalArgumentException(
                    "an empty time format; use epoch-millis, epoch-seconds or a pattern");
        DateTimeFormatter f;
        try {
            f = DateTimeFormatter.ofPattern(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "'"
                            + text
                            + "' is neither epoch-millis, epoch-seconds nor a valid "
                            + "DateTimeFormatter pattern ("
                            + e.getMessage()
                            + ")");
        }
        return new TimeFormat(text, f, unitOfPattern(text));
    }

    /**
     * The smallest time unit a pattern writes, so that "the end minus one unit" is the last instant
     * it can name.
     */
    private static long unitOfPattern(String pattern) {
        long unit = DAY;
        boolean quoted = false;
        for (char c : pattern.toCharArray()) {
            if (c == '\'') quoted = !quoted;
            if (quoted) continue;
            switch (c) {
                case 'S', 'n', 'N', 'A' -> unit = Math.min(unit, 1);
                case 's' -> unit = Math.min(unit, SECOND);
                case 'm' -> unit = Math.min(unit, MINUTE);
                case 'H', 'h', 'k', 'K' -> unit = Math.min(unit, HOUR);
                default -> {}
            }
        }
        return unit;
    }

    public String text() {
        return text;
    }

    /**
     * The resolution of this format in milliseconds: 1, 1000, or the smallest unit of the pattern.
     */
    public long unitMillis() {
        return unitMillis;
    }

    public boolean isEpoch() {
        return formatter == null;
    }

    /** Writes an instant. */
    public String format(long epochMillis, ZoneId zone) {
        if (text.equals(EPOCH_MILLIS)) return Long.toString(epochMillis);
        if (text.equals(EPOCH_SECONDS)) return Long.toString(Math.floorDiv(epochMillis, SECOND));
        return formatter.withZone(zone).format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Reads an instant written in this format: a number or a numeric string for the epoch formats,
     * a string for patterns.
     *
     * @throws IllegalArgumentException if the value is not in this format
     */
    public long parse(JsonNode value, ZoneId zone) {
        if (value == null || value.isMissingNode() || value.isNull())
            throw new IllegalArgumentException("no time value");
        if (formatter == null) {
            long n;
            if (value.isIntegralNumber()) {
                n = value.asLong();
            } else {
                try {
                    n = Long.parseLong(value.asText().trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + value.asText() + "' is not " + text);
                }
            }
            return text.equals(EPOCH_MILLIS) ? n : n * SECOND;
        }
        return parse(value.asText(), zone);
    }

    /** Reads a text written with this pattern (or an epoch number for the epoch formats). */
    public long parse(String value, ZoneId zone) {
        if (formatter == null)
            return parse(com.fasterxml.jackson.databind.node.TextNode.valueOf(value), zone);
        try {
            TemporalAccessor t =
                    formatter.withZone(zone).parseBest(value, ZonedDateTime::from, LocalDate::from);
            return t instanceof ZonedDateTime z
                    ? z.toInstant().toEpochMilli()
                    : ((LocalDate) t).atStartOfDay(zone).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "'" + value + "' does not match the time format '" + text + "'");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeFormat other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
