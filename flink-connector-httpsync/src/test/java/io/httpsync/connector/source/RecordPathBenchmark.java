package io.httpsync.connector.source;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test (no {@code Test} in its name, so the normal build never runs it): records per second
 * of the source's element type on the way from the source to a sink, with the type the source
 * declares now ({@link SyncElementTypeInfo}: the raw record's POJO serializer inside) against the
 * one it declared before ({@code GenericTypeInfo<SyncElement>}: Kryo), side by side in one JVM on a
 * MiniCluster of parallelism 1.
 *
 * <p>Each pipeline turns a sequence into raw records (a Kuaishou-sized order, about 800 bytes of
 * JSON) wrapped as elements of the type under test, keeps the records ({@code filter}), maps each
 * to its JSON's length and counts it: <b>chained</b> (all in one task: each element is handed on as
 * an object and copied by its serializer, Flink's default without object reuse) and
 * <b>unchained</b> (operator chaining off: each element crosses a channel, serialized and
 * deserialized). The HTTP side is left out on purpose: with it, a sync on this machine is bound by
 * paging, not by the element path. A warm-up of every pipeline comes first; then the four pipelines
 * run {@code rounds} times, alternating, and the median of each is printed with the ratio typed ÷
 * Kryo. Arguments: elements per run, rounds.
 */
public final class RecordPathBenchmark {
    /** Records the sink has seen; the MiniCluster runs in this JVM. */
    static final AtomicLong COUNTED = new AtomicLong();

    private static final String ORDER =
            "{\"orderBaseInfo\":{\"oid\":%d,\"status\":30,\"payTime\":1700000000000,"
                    + "\"updateTime\":1700000000123,\"totalFee\":12990,\"expressFee\":0,\"buyerNick\":\"buyer-%d\","
                    + "\"remark\":\"%s\"},\"orderItemInfo\":{\"itemId\":4242,\"itemTitle\":\"%s\",\"num\":1,\"price\":12990}}";
    private static final String FILLER = "x".repeat(250);

    public static void main(String[] args) throws Exception {
        long elements = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        TypeInformation<SyncElement<RawRecord>> typed =
                new SyncElementTypeInfo<>(RecordDeserializer.raw().getProducedType());
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeInformation<SyncElement<RawRecord>> kryo =
                (TypeInformation) new GenericTypeInfo<>(SyncElement.class);
        for (boolean chained : new boolean[] {true, false}) { // warm-up
            run(typed, elements / 10, chained);
            run(kryo, elements / 10, chained);
        }
        List<Double> typedChained = new ArrayList<>();
        List<Double> kryoChained = new ArrayList<>();
        List<Double> typedUnchained = new ArrayList<>();
        List<Double> kryoUnchained = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            kryoChained.add(run(kryo, elements, true));
            typedChained.add(run(typed, elements, true));
            kryoUnchained.add(run(kryo, elements, false));
            typedUnchained.add(run(typed, elements, false));
        }
        System.out.printf(
                Locale.ROOT,
                "| pipeline | Kryo (records/s) | typed (records/s) | typed ÷ Kryo |%n");
        System.out.printf(
                Locale.ROOT,
                "| chained | %.0f | %.0f | %.2f |%n",
                median(kryoChained),
                median(typedChained),
                median(typedChained) / median(kryoChained));
        System.out.printf(
                Locale.ROOT,
                "| unchained | %.0f | %.0f | %.2f |%n",
                median(kryoUnchained),
                median(typedUnchained),
                median(typedUnchained) / median(kryoUnchained));
        System.out.printf(
                Locale.ROOT,
                "all runs (records/s): Kryo chained %s, typed chained %s, Kryo unchained %s, typed unchained %s%n",
                kryoChained,
                typedChained,
                kryoUnchained,
                typedUnchained);
    }

    /** Runs one pipeline over {@code elements} records; returns records per second. */
    private static double run(
            TypeInformation<SyncElement<RawRecord>> type, long elements, boolean chained)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        if (!chained) env.disableOperatorChaining();
        env.fromSequence(1, elements)
                .map(RecordPathBenchmark::element)
                .returns(type)
                .filter(SyncElement::isRecord)
                .map(e -> e.record().json.length())
                .returns(Types.INT)
                .sinkTo(new Counting());
        COUNTED.set(0);
        long started = System.nanoTime();
        env.execute("record path " + (chained ? "chained" : "unchained") + " " + type);
        double seconds = (System.nanoTime() - started) / 1e9;
        if (COUNTED.get() != elements)
            throw new IllegalStateException("counted " + COUNTED.get() + " of " + elements);
        return elements / seconds;
    }

    private static SyncElement<RawRecord> element(long i) {
        RecordMeta meta =
                new RecordMeta(
                        "shop-1",
                        Long.toString(i),
                        1_700_000_000_000L + i,
                        1_700_000_000_000L,
                        1_700_003_600_000L,
                        1_700_010_000_000L);
        return SyncElement.record(
                new RawRecord(
                        meta, String.format(Locale.ROOT, ORDER, i, i % 1000, FILLER, FILLER)));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** Counts what arrives, nothing else. */
    private static final class Counting implements Sink<Integer> {
        @Override
        public SinkWriter<Integer> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Integer element, Context context) {
                    COUNTED.incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
