package io.httpsync.connector.table;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonRowDataDeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lookup function decodes the records of several keys whose answers complete on different I/O
 * threads at once, with one format deserializer (Flink's JSON format keeps a reusable list of each
 * call's rows; on a cluster, concurrent calls failed a list lookup join with "Please invoke
 * DeserializationSchema#deserialize(byte[], Collector&lt;RowData&gt;) instead").
 */
class HttpSyncLookupFunctionTest {
    private static final RowType ROW =
            (RowType) DataTypes.ROW(DataTypes.FIELD("id", DataTypes.BIGINT())).getLogicalType();

    @Test
    void recordsDecodedOnManyThreadsAtOnceEachBecomeTheirOwnRow() throws Exception {
        DeserializationSchema<RowData> json =
                new JsonRowDataDeserializationSchema(
                        ROW, InternalTypeInfo.of(ROW), false, false, TimestampFormat.ISO_8601);
        json.open(
                new DeserializationSchema.InitializationContext() {
                    @Override
                    public MetricGroup getMetricGroup() {
                        return new UnregisteredMetricsGroup();
                    }

                    @Override
                    public UserCodeClassLoader getUserCodeClassLoader() {
                        return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
                    }
                });
        int threads = 4;
        int perThread = 20_000;
        CyclicBarrier together = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long first = (long) t * perThread;
                results.add(
                        pool.submit(
                                () -> {
                                    together.await();
                                    List<String> wrong = new ArrayList<>();
                                    for (long id = first; id < first + perThread; id++) {
                                        byte[] record =
                                                ("{\"id\":" + id + "}")
                                                        .getBytes(StandardCharsets.UTF_8);
                                        try {
                                            RowData row =
                                                    HttpSyncLookupFunction.decodeOne(json, record);
                                            if (row == null || row.getLong(0) != id)
                                                wrong.add(id + " became " + row);
                                        } catch (Exception e) {
                                            wrong.add(id + " failed: " + e.getMessage());
                                        }
                                    }
                                    return wrong;
                                }));
            }
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> r : results) wrong.addAll(r.get());
            assertThat(wrong).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
