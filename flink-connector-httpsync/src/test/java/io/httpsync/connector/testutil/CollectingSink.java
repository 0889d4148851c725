package io.httpsync.connector.testutil;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects elements into a static list named by a key, for jobs that run on the in-process
 * MiniCluster (the sink is serialized, the list is not). Tests use a fresh key each.
 */
public final class CollectingSink<T> implements Sink<T> {
    private static final Map<String, List<Object>> LISTS = new ConcurrentHashMap<>();
    private final String key;

    public CollectingSink(String key) {
        this.key = key;
        LISTS.put(key, new CopyOnWriteArrayList<>());
    }

    @SuppressWarnings("unchecked")
    public List<T> collected() {
        return new ArrayList<>((List<T>) (List<?>) LISTS.get(key));
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        List<Object> list = LISTS.get(key);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                list.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
