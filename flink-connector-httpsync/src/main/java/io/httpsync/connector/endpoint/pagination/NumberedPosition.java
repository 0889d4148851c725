package io.httpsync.connector.endpoint.pagination;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.annotation.Internal;

import java.util.Locale;

/**
 * A position of page-number or offset paging.
 *
 * @param phase where in the backward-paging algorithm this page is (or {@link Phase#FORWARD} without a total)
 * @param index the 0-based page index to fetch (page number = start page + index; offset = index * page size)
 * @param passTotal the total the current backward pass was planned with (-1 before it is known)
 * @param seenTotal the largest total any page of the current pass reported (-1 before it is known)
 * @param pass the number of the current backward pass, from 0
 * @param pagesRead pages of this window read before this position
 */
@Internal
public record NumberedPosition(Phase phase, int index, long passTotal, long seenTotal, int pass, int pagesRead)
        implements PagePosition {
    static final String KIND = "numbered";

    /** The steps of paging a window with a total (FIRST, BACKWARD..., VERIFY) or without one (FORWARD...). */
    public enum Phase {
        /** Without a total: pages in order until the end. */
        FORWARD,
        /** The first page, read to learn the total. */
        FIRST,
        /** A page of the backward pass, from the last page down to the second. */
        BACKWARD,
        /** The first page again, to catch what shifted into it, and to compare totals. */
        VERIFY
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void write(ObjectNode node) {
        node.put("phase", phase.name().toLowerCase(Locale.ROOT)).put("index", index).put("passTotal", passTotal)
                .put("seenTotal", seenTotal).put("pass", pass).put("pages", pagesRead);
    }

    static NumberedPosition read(JsonNode node) {
        return new NumberedPosition(Phase.valueOf(node.path("phase").asText().toUpperCase(Locale.ROOT)),
                node.path("index").asInt(), node.path("passTotal").asLong(-1), node.path("seenTotal").asLong(-1),
                node.path("pass").asInt(), node.path("pages").asInt());
    }
}
