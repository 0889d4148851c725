package io.httpsync.connector.source;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContentHashTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How earlier versions hashed: text read into maps, written back with sorted keys. */
    private static long versionOne(String json) throws Exception {
        ObjectMapper canonical =
                new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        String text = canonical.writeValueAsString(canonical.readValue(json, Object.class));
        return ByteBuffer.wrap(
                        MessageDigest.getInstance("SHA-256")
                                .digest(text.getBytes(StandardCharsets.UTF_8)))
                .getLong();
    }

    private static final List<String> DOCUMENTS =
            List.of(
                    "{\"id\":\"order-42\",\"buyer\":\"张三\",\"note\":\"emoji \uD83D\uDE00 \\\"quoted\\\"\\n\"}",
                    "{\"b\":{\"z\":1,\"a\":[3,2,{\"y\":null,\"x\":true}]},\"a\":false}",
                    "{\"price\":12.50,\"tiny\":1e-7,\"big\":12345678901234567890123,\"neg\":-0.0,\"int\":-7}",
                    "{\"long\":9007199254740993,\"exp\":1E3,\"ctl\":\"\\u0001\\t\"}",
                    "[1,\"two\",{\"c\":3,\"b\":2}]",
                    "{}");

    @Test
    void theHashOfTheParsedDocumentEqualsTheHashEarlierVersionsKeptInStateAndTables()
            throws Exception {
        for (String doc : DOCUMENTS) {
            assertThat(ContentHash.of(JSON.readTree(doc))).as(doc).isEqualTo(versionOne(doc));
            assertThat(ContentHash.of(doc)).as(doc).isEqualTo(versionOne(doc));
        }
    }

    @Test
    void keyOrderAndWhitespaceDoNotChangeTheHashButAnyValueDoes() {
        long hash = ContentHash.of("{\"id\":\"a\",\"x\":{\"p\":1,\"q\":[1,2]}}");
        assertThat(ContentHash.of("{ \"x\": {\"q\": [1, 2], \"p\": 1}, \"id\": \"a\" }"))
                .isEqualTo(hash);
        assertThat(ContentHash.of("{\"id\":\"a\",\"x\":{\"p\":1,\"q\":[2,1]}}")).isNotEqualTo(hash);
        assertThat(ContentHash.of("{\"id\":\"a\",\"x\":{\"p\":\"1\",\"q\":[1,2]}}"))
                .isNotEqualTo(hash);
    }

    @Test
    void aRecordReadFromItsPageCarriesTheHashAndOneBuiltFromTextComputesTheSame() throws Exception {
        RecordMeta meta = new RecordMeta("s1", "a", 10, 0, 1000, 5);
        String doc = DOCUMENTS.get(1);
        RawRecord parsed = new RawRecord(meta, JSON.readTree(doc));
        assertThat(parsed.contentHash).as("computed when read").isEqualTo(versionOne(doc));
        RawRecord fromText = new RawRecord(meta, doc);
        assertThat(fromText.contentHash).as("not yet").isZero();
        assertThat(fromText.contentHash()).isEqualTo(parsed.contentHash());
    }

    @Test
    void invalidJsonIsRefusedNamingTheRecordContent() {
        assertThatThrownBy(() -> ContentHash.of("{\"id\":"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("record content is not valid JSON");
    }
}
