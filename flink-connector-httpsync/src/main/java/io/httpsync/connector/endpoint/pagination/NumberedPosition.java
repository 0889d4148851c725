package io.httpsync.connector.endpoint.pagination;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.annotation.Nullable;

import java.util.Locale;

/**
 * A position of page-number or offset paging.
 *
 * @param phase where in the paging algorithm this page is (see {@link Phase})
 * @param index the 0-based page index to fetch (page number = start page + index; offset = index *
 *     page size, unless {@code offset} says otherwise)
 * @param passTotal the total the current backward pass was planned with (-1 before it is known)
 * @param seenTotal the largest total any page of the current pass reported (-1 before it is known)
 * @param pass the number of the current backward pass, from 0
 * @param pagesRead pages of this window read before this position
 * @param offset the offset to ask for, when reading goes forward (records read before this page in
 *     the forward run), or -1 for {@code index * page size}
 * @param pageSizeServed whether the platform serves the page size asked for: true once a page came
 *     back full, false once a page came back short although more records followed or were promised
 *     (a hidden maximum page size), null while unknown. A short page proves the end of a window
 *     only when this is true (or unknown and {@code pagination.short-page-ends} is set).
 */
@Internal
public record NumberedPosition(
        Phase phase,
        int index,
        long passTotal,
        long seenTotal,
        int pass,
        int pagesRead,
        long offset,
        @Nullable Boolean pageSizeServed)
        implements PagePosition {
    static final String KIND = "numbered";

    /**
     * The steps of paging a window with a total (FIRST, LAST, PROBE..., BACKWARD..., VERIFY) or
     * without one (FORWARD...).
     */
    public enum Phase {
        /** Without a total: pages in order until the end. */
        FORWARD,
        /** The first page, read to learn the total. */
        FIRST,
        /**
         * The last page by the total, read first in a backward pass; whether it really is the last
         * is checked.
         */
        LAST,
        /**
         * A page after the last page by the total, read because that page did not prove the end.
         */
        PROBE,
        /** A page of the backward pass, down to the second. */
        BACKWARD,
        /** The first page again, to catch what shifted into it, and to compare totals. */
        VERIFY
    }

    /**
     * A position that asks for {@code index * page size} and knows nothing of the page size served.
     */
    public NumberedPosition(
            Phase phase, int index, long passTotal, long seenTotal, int pass, int pagesRead) {
        this(phase, index, passTotal, seenTotal, pass, pagesRead, -1, null);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public void write(ObjectNode node) {
        node.put("phase", phase.name().toLowerCase(Locale.ROOT))
                .put("index", index)
                .put("passTotal", passTotal)
                .put("seenTotal", seenTotal)
                .put("pass", pass)
                .put("pages", pagesRead);
        // written only when set, so that positions of earlier versions read back unchanged
        if (offset >= 0) node.put("offset", offset);
        if (pageSizeServed != null) node.put("pageSizeServed", pageSizeServed);
    }

    static NumberedPosition read(JsonNode node) {
        JsonNode served = node.get("pageSizeServed");
        return new NumberedPosition(
                Phase.valueOf(node.path("phase").asText().toUpperCase(Locale.ROOT)),
                node.path("index").asInt(),
                node.path("passTotal").asLong(-1),
                node.path("seenTotal").asLong(-1),
                node.path("pass").asInt(),
                node.path("pages").asInt(),
                node.path("offset").asLong(-1),
                served == null || served.isNull() ? null : served.asBoolean());
    }
}
