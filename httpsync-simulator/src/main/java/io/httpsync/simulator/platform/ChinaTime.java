package io.httpsync.simulator.platform;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/**
 * The time format of the Chinese order platforms (Taobao TOP, Jushuitan, Youzan): {@code yyyy-MM-dd
 * HH:mm:ss} in China Standard Time (GMT+8, no daylight saving), whatever the zone of the machine
 * running the simulator. Seconds resolution: a platform using it can only be asked about whole
 * seconds.
 */
public final class ChinaTime {
    public static final ZoneId ZONE = ZoneOffset.ofHours(8);

    /** Strict: {@code 2024-02-30 10:00:00} or {@code 2024-1-1 1:0:0} are refused, not adjusted. */
    public static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss")
                    .withResolverStyle(ResolverStyle.STRICT)
                    .withZone(ZONE);

    private static final DateTimeFormatter COMPACT =
            DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withZone(ZONE);

    private ChinaTime() {}

    /** Formats epoch millis (sub-second part dropped). */
    public static String format(long epochMillis) {
        return DATE_TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /** {@code yyyyMMddHHmmss} in GMT+8, as order numbers embed their creation time. */
    public static String compact(long epochMillis) {
        return COMPACT.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Parses {@code yyyy-MM-dd HH:mm:ss} (GMT+8) to epoch millis.
     *
     * @throws IllegalArgumentException naming the expected format if {@code text} is not in it
     */
    public static long parse(String text) {
        try {
            return Instant.from(DATE_TIME.parse(text)).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a time of the form yyyy-MM-dd HH:mm:ss", e);
        }
    }

    /**
     * The same wall-clock time {@code months} calendar months later in GMT+8 (earlier when
     * negative).
     */
    public static long plusMonths(long epochMillis, int months) {
        return Instant.ofEpochMilli(epochMillis)
                .atZone(ZONE)
                .plusMonths(months)
                .toInstant()
                .toEpochMilli();
    }
}
