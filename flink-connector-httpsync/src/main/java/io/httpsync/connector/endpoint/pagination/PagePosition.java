package io.httpsync.connector.endpoint.pagination;

import io.httpsync.connector.endpoint.PaginationStyle;

import org.apache.flink.annotation.Internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Serializable;

/**
 * Where paging of one window stands: the page to fetch next, and what the pagination has learnt so
 * far. Immutable. It is split state: {@link #serialize()} writes it as a small versioned JSON text,
 * and {@link Pagination#parse(String)} reads it back, so that a restored split resumes mid-window.
 */
@Internal
public sealed interface PagePosition extends Serializable
        permits NumberedPosition, CursorPosition, KeysetPosition {
    ObjectMapper JSON = new ObjectMapper();
    int VERSION = 1;

    /** How many pages of this window were read before this position (0 at the first page). */
    int pagesRead();

    /**
     * The position as JSON text, e.g. {@code
     * {"v":1,"kind":"cursor","cursor":"1700_42","pages":3,...}}.
     */
    default String serialize() {
        ObjectNode node = JSON.createObjectNode().put("v", VERSION).put("kind", kind());
        write(node);
        return node.toString();
    }

    /** The position's kind in its serialized form. */
    String kind();

    /** Writes the fields of this kind of position. */
    void write(ObjectNode node);

    /**
     * Reads a serialized position of any kind.
     *
     * @throws IllegalArgumentException if the text is no position this version can read
     */
    static PagePosition deserialize(String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a serialized page position: " + text);
        }
        int version = node.path("v").asInt(-1);
        if (version != VERSION)
            throw new IllegalArgumentException(
                    "page position of unknown version " + version + ": " + text);
        String kind = node.path("kind").asText();
        for (PaginationStyle style : PaginationStyle.values()) {
            if (style.paging().positionKind().equals(kind))
                return style.paging().positionReader().apply(node);
        }
        throw new IllegalArgumentException("page position of unknown kind: " + text);
    }

    /** A long field, or null if absent or null. */
    static Long optionalLong(JsonNode node, String field) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() ? null : n.asLong();
    }
}
