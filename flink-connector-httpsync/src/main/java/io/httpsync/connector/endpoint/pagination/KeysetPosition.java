package io.httpsync.connector.endpoint.pagination;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A position of keyset paging: continue after the record with this time and id.
 *
 * @param time the time of the last record read (epoch millis), or null on the first page
 * @param id the id of the last record read, {@code ""} on the first page
 * @param pagesRead pages of this window read before this position
 * @param recordsRead records of this window read before this position
 */
@Internal
public record KeysetPosition(Long time, String id, int pagesRead, long recordsRead)
        implements PagePosition {
    static final String KIND = "keyset";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void write(ObjectNode node) {
        node.put("time", time).put("id", id).put("pages", pagesRead).put("records", recordsRead);
    }

    static KeysetPosition read(JsonNode node) {
        return new KeysetPosition(
                PagePosition.optionalLong(node, "time"),
                node.path("id").asText(),
                node.path("pages").asInt(),
                node.path("records").asLong());
    }
}
