package io.httpsync.connector.endpoint.pagination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.annotation.Internal;

/**
 * A position of cursor paging.
 *
 * @param cursor the cursor to send ({@code ""} for the first page)
 * @param pagesRead pages of this window read before this position
 * @param recordsRead records of this window read before this position
 * @param lastRecordTime the time of the last record read, or null if none was read yet
 */
@Internal
public record CursorPosition(String cursor, int pagesRead, long recordsRead, Long lastRecordTime) implements PagePosition {
    static final String KIND = "cursor";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void write(ObjectNode node) {
        node.put("cursor", cursor).put("pages", pagesRead).put("records", recordsRead).put("lastTime", lastRecordTime);
    }

    static CursorPosition read(JsonNode node) {
        return new CursorPosition(node.path("cursor").asText(), node.path("pages").asInt(), node.path("records").asLong(),
                PagePosition.optionalLong(node, "lastTime"));
    }
}
