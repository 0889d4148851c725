package io.httpsync.connector.dedupe;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 64-bit hash of a record's content that does not depend on the order of its JSON keys: the JSON
 * is read and written back with every object's keys sorted (canonical JSON), and the first 8 bytes
 * of its SHA-256 are the hash. Two responses that differ only in key order or whitespace hash the
 * same; any change of a value changes the hash. Thread-safe.
 */
@Internal
public final class ContentHash {
    private static final ObjectMapper CANONICAL =
            new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ContentHash() {}

    /**
     * The canonical form of {@code json}: same values, keys sorted at every level, no whitespace.
     */
    public static String canonicalJson(String json) {
        try {
            // reading into Maps (not a JsonNode tree) is what lets ORDER_MAP_ENTRIES_BY_KEYS sort
            // nested objects too
            return CANONICAL.writeValueAsString(CANONICAL.readValue(json, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "record content is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The hash of {@link #canonicalJson(String) canonical} {@code json}. */
    public static long of(String json) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(canonicalJson(json).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
