package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.endpoint.RecordFields;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * What every style shares: page size, the deep-paging caps, reading record times, and checked
 * parsing.
 */
@Internal
abstract class AbstractPagination implements Pagination {
    protected final int pageSize;
    protected final Integer maxPages;
    protected final Long maxRecords;
    protected final boolean shortPageEnds;
    protected final RecordFields fields;

    AbstractPagination(EndpointSpec spec) {
        EndpointSpec.PaginationSettings p = spec.pagination();
        this.pageSize = p.pageSize();
        this.maxPages = p.maxPages();
        this.maxRecords = p.maxRecords();
        this.shortPageEnds = p.shortPageEnds();
        this.fields = new RecordFields(spec);
    }

    /**
     * Whether the platform serves the page with this 0-based index, after {@code recordsBefore}
     * records.
     */
    protected boolean withinCap(int pageIndex, long recordsBefore) {
        return (maxPages == null || pageIndex < maxPages)
                && (maxRecords == null || recordsBefore + pageSize <= maxRecords);
    }

    /**
     * The time of the last record of the page, or {@code previous} (which may be null) if the page
     * is empty.
     */
    protected Long lastTime(List<JsonNode> records, Long previous) {
        // boxed on purpose: a conditional of Long and long would unbox a null previous
        return records.isEmpty()
                ? previous
                : Long.valueOf(fields.time(records.get(records.size() - 1)));
    }

    /** Stops at the cap: emit this page, report where the unread rest of the window begins. */
    protected static PageStep stopAtCap(List<JsonNode> records, Long lastTime, Long total) {
        // no record was read at all: nothing tells where to split, so the whole window is split
        return lastTime == null
                ? PageStep.split(total)
                : PageStep.capReached(records, lastTime, total);
    }

    @Override
    public PagePosition parse(String serialized) {
        PagePosition p = PagePosition.deserialize(serialized);
        if (!p.kind().equals(style().paging().positionKind())) {
            throw new IllegalArgumentException(
                    "a "
                            + p.kind()
                            + " position cannot resume pagination.style '"
                            + style().optionValue()
                            + "': "
                            + serialized);
        }
        return p;
    }
}
