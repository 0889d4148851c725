package io.httpsync.connector.endpoint.pagination;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.annotation.Internal;

import java.util.List;

/**
 * What a pagination needs of one page: its records, and the cursor, has-next flag and total if the response has
 * them (null if absent or not configured).
 */
@Internal
public record PageContent(List<JsonNode> records, String cursor, Boolean hasNext, Long total) {
    public PageContent {
        records = List.copyOf(records);
    }

    public static PageContent of(List<JsonNode> records) {
        return new PageContent(records, null, null, null);
    }
}
