package io.httpsync.connector.endpoint.pagination;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.annotation.Nullable;

/**
 * A position of cursor paging.
 *
 * @param cursor the cursor to send ({@code ""} for the first page)
 * @param pagesRead pages of this window read before this position
 * @param recordsRead records of this window read before this position
 * @param lastRecordTime the time of the last record read, or null if none was read yet
 * @param mark the cursor handed out by the page whose number was the last power of two (1, 2, 4,
 *     ...), or null before the first page: a cursor equal to it means paging runs in a cycle (see
 *     {@link CursorPagination})
 */
@Internal
public record CursorPosition(
        String cursor, int pagesRead, long recordsRead, Long lastRecordTime, @Nullable String mark)
        implements PagePosition {
    static final String KIND = "cursor";

    public CursorPosition(String cursor, int pagesRead, long recordsRead, Long lastRecordTime) {
        this(cursor, pagesRead, recordsRead, lastRecordTime, null);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void write(ObjectNode node) {
        node.put("cursor", cursor)
                .put("pages", pagesRead)
                .put("records", recordsRead)
                .put("lastTime", lastRecordTime);
        // written only when set, so that positions of earlier versions read back unchanged
        if (mark != null) node.put("mark", mark);
    }

    static CursorPosition read(JsonNode node) {
        JsonNode mark = node.get("mark");
        return new CursorPosition(
                node.path("cursor").asText(),
                node.path("pages").asInt(),
                node.path("records").asLong(),
                PagePosition.optionalLong(node, "lastTime"),
                mark == null || mark.isNull() ? null : mark.asText());
    }
}
