package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * A 64-bit hash of a record's content that does not depend on the order of its JSON keys: the first
 * 8 bytes of the SHA-256 of its <em>canonical JSON</em> (keys sorted at every level, no whitespace,
 * integers as written, other numbers as Java doubles). Two responses that differ only in key order
 * or whitespace hash the same; any change of a value changes the hash.
 *
 * <p>Computed once per record, from the document the reader has already parsed ({@link
 * #of(JsonNode)}), and carried with it ({@link RawRecord#contentHash()}), so that neither the
 * dedupe operator nor a sink parses the payload again. The canonical bytes stream straight into the
 * digest; no canonical text is built. The value is the same as that of earlier versions, which read
 * the text into maps and wrote it back with sorted keys: hashes kept in dedupe state and in tables
 * stay comparable.
 *
 * <p>Thread-safe: each thread uses its own digest.
 */
@Internal
public final class ContentHash {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<Sha256> DIGESTS = ThreadLocal.withInitial(Sha256::new);

    private ContentHash() {}

    /** The hash of a parsed document. */
    public static long of(JsonNode document) {
        Sha256 sha = DIGESTS.get();
        sha.digest.reset();
        // through a Writer, as the text of earlier versions was written: Jackson's own UTF-8
        // generator would write a character outside the BMP as two 3-byte surrogates
        try (JsonGenerator g =
                FACTORY.createGenerator(new OutputStreamWriter(sha, StandardCharsets.UTF_8))) {
            write(g, document);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a digest cannot fail", e);
        }
        return ByteBuffer.wrap(sha.digest.digest()).getLong();
    }

    /** The hash of JSON text: parses it once, then {@link #of(JsonNode)}. */
    public static long of(String json) {
        try {
            return of(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "record content is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void write(JsonGenerator g, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(node.size());
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
                Collections.sort(names);
                g.writeStartObject();
                for (String name : names) {
                    g.writeFieldName(name);
                    write(g, node.get(name));
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode element : node) write(g, element);
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case NUMBER -> {
                // what reading into maps made of them: Integer/Long/BigInteger, else Double
                if (node.isIntegralNumber()) {
                    if (node.canConvertToLong()) g.writeNumber(node.longValue());
                    else g.writeNumber(node.bigIntegerValue());
                } else {
                    g.writeNumber(node.doubleValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL, MISSING -> g.writeNull();
            default -> g.writeString(node.asText()); // binary or POJO nodes: never parsed from text
        }
    }

    /** Feeds what the generator writes into the digest. */
    private static final class Sha256 extends OutputStream {
        final MessageDigest digest;

        Sha256() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has SHA-256", e);
            }
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
        }
    }
}
