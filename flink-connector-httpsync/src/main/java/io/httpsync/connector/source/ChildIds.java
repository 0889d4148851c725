package io.httpsync.connector.source;

import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Reads the ids a parent record refers to (a value or an array at {@link
 * DependentEndpoint#IDS_PATH}) into one {@link ChildRequest} each; a parent that is no JSON becomes
 * a request with a {@link ChildRequest#problem}, which the fetch operator reports. Stateless; one
 * instance per parallel task, used by its task thread only.
 */
@Internal
final class ChildIds extends ProcessFunction<RawRecord, ChildRequest> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String idsPath;
    private transient JsonPointer pointer;

    ChildIds(String idsPath) {
        this.idsPath = idsPath;
    }

    @Override
    public void processElement(RawRecord parent, Context ctx, Collector<ChildRequest> out) {
        if (pointer == null) pointer = JsonPointer.compile(idsPath);
        JsonNode json;
        try {
            json = JSON.readTree(parent.json);
        } catch (IOException e) {
            ChildRequest unreadable =
                    new ChildRequest(
                            parent.tenant,
                            null,
                            parent.id,
                            0,
                            parent.windowStart,
                            parent.windowEnd);
            unreadable.problem = "parent record " + parent.id + " is not JSON: " + e.getMessage();
            out.collect(unreadable);
            return;
        }
        long version = version(parent);
        for (String id : ids(json.at(pointer)))
            out.collect(
                    new ChildRequest(
                            parent.tenant,
                            id,
                            parent.id,
                            version,
                            parent.windowStart,
                            parent.windowEnd));
    }

    /** The ids at the pointer: a value, or the values of an array; blanks and nulls skipped. */
    static Set<String> ids(JsonNode node) {
        Set<String> ids = new LinkedHashSet<>();
        if (node.isArray()) node.forEach(n -> add(ids, n));
        else add(ids, node);
        return ids;
    }

    private static void add(Set<String> ids, JsonNode n) {
        if (n.isValueNode() && !n.isNull() && !n.asText().isBlank()) ids.add(n.asText());
    }

    /**
     * A parent's version: a hash of its content, so that any change (its update time, or any field
     * of records without one) is a new version, and the same record read twice (listed under two
     * departments, or by a window read again) is the same version.
     */
    static long version(RawRecord parent) {
        CRC32 crc = new CRC32();
        crc.update(parent.json.getBytes(StandardCharsets.UTF_8));
        return ((long) parent.json.hashCode() << 32) ^ crc.getValue();
    }
}
