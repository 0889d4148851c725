package io.httpsync.connector.endpoint;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A platform's quirk in Java, where the options cannot describe it: turns each response into the
 * one the description reads, before errors are classified and records, totals, cursors and flags
 * are extracted. Named by class in option {@code response.transformer} and created through the
 * job's class loader with its public no-argument constructor, once per fetcher (each reader
 * subtask, each lookup subtask).
 *
 * <p>The response is a JSON value in plain Java, so that a transformer depends on no JSON library
 * (the SQL connector jar relocates its own): an object is a {@code java.util.Map<String, Object>}
 * (in the answer's order), an array a {@code java.util.List<Object>}, and the rest {@code String},
 * {@code Number}, {@code Boolean} or {@code null}. A transformer may change the value in place and
 * return it, or return a new one built of the same types.
 *
 * <p>Called on the fetcher's I/O threads, concurrently for different pages: implementations must be
 * thread-safe (stateless is simplest) and must not block. A runtime exception fails the page with
 * an exception event naming the transformer, like a response that cannot be read.
 */
@PublicEvolving
public interface ResponseTransformer {
    /**
     * The response as the description should read it.
     *
     * @param response the answer's JSON body (never null: a body that is not JSON is classified
     *     before it would reach a transformer)
     */
    Object transform(Object response);
}
