package io.httpsync.simulator.platform;

import io.httpsync.simulator.Json;

import com.fasterxml.jackson.databind.JsonNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the order-platform tests share: digests and the GMT+8 time format written from the
 * platforms' docs (not taken from the simulator, so that a test checks the simulator against the
 * docs), and the comparison of what a client paged with the simulator's ground truth.
 */
public final class OrderTestSupport {
    private static final DateTimeFormatter GMT8 =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.ofHours(8));
    public static final long SECOND = 1000;
    public static final long DAY = 86_400_000L;

    private OrderTestSupport() {}

    public static String gmt8(long epochMillis) {
        return GMT8.format(Instant.ofEpochMilli(epochMillis));
    }

    public static long parseGmt8(String text) {
        return Instant.from(GMT8.parse(text)).toEpochMilli();
    }

    /** {@code epochMillis} rounded down to a whole second, the resolution of the GMT+8 format. */
    public static long floorSecond(long epochMillis) {
        return epochMillis - Math.floorMod(epochMillis, SECOND);
    }

    public static String md5Hex(String s) {
        try {
            return hex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    public static String hmacHex(String algorithm, String key, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return hex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) sb.append(String.format("%02x", b));
        return sb.toString();
    }

    /**
     * Asserts that {@code paged} holds every live record of {@code truth} exactly once, with the
     * same content.
     */
    public static void assertExactlyOnce(
            List<JsonNode> paged, Function<JsonNode, String> idOf, GroundTruth truth) {
        Set<String> ids = new HashSet<>();
        for (JsonNode record : paged)
            assertThat(ids.add(idOf.apply(record))).as("duplicate %s", idOf.apply(record)).isTrue();
        assertThat(ids)
                .containsExactlyInAnyOrderElementsOf(
                        truth.live().stream().map(GroundTruth.TruthRecord::id).toList());
        var byId = truth.byId();
        for (JsonNode record : paged) {
            assertThat(Json.contentHash(record))
                    .as("content of %s", idOf.apply(record))
                    .isEqualTo(byId.get(idOf.apply(record)).contentHash());
        }
    }

    /**
     * The ids of live records whose update time lies in the window but which the client never saw.
     */
    public static Set<String> lostFromWindow(
            Set<String> seen, GroundTruth truth, LongPredicate inWindow) {
        return truth.live().stream()
                .filter(r -> inWindow.test(r.updateTime()) && !seen.contains(r.id()))
                .map(GroundTruth.TruthRecord::id)
                .collect(Collectors.toSet());
    }
}
