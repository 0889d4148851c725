package io.httpsync.connector.testutil;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.PassCompletion;
import io.httpsync.connector.sink.PassLease;
import io.httpsync.connector.source.ExceptionPolicy;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SyncElement;
import io.httpsync.simulator.platform.GroundTruth;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One full pass of the Kuaishou fixture's shop into a real database, as a test runs it: bounded
 * rounds over everything updated since {@code start} (the main round up to now, then catch-up
 * rounds), landed by the sink the test picks for the pass, exception events stored in {@code
 * eventsTable}, completed by {@code completion} if (and only if) every round's job finished.
 */
public final class KuaishouFullPass {
    private final KuaishouSimulatorFixture platform;
    private final long start;
    private final SqlDatabase db;
    private Function<FullSyncPass, JdbcRecordSink> sinkForPass;
    private PassCompletion completion;
    private String eventsTable;
    private ExceptionPolicy policy = ExceptionPolicy.FAIL;
    private int catchUpRounds = 1;
    private Consumer<DataStream<RawRecord>> alsoTo = records -> {};
    private RoundListener beforeRound = (index, from, to) -> {};
    private PassLease lease;
    private Integer splitsInFlight;

    /** Called before each round's job is built: {@code index} 0 is the main round. */
    @FunctionalInterface
    public interface RoundListener {
        void before(int index, long fromMillis, long toMillis);
    }

    private KuaishouFullPass(KuaishouSimulatorFixture platform, long start, SqlDatabase db) {
        this.platform = platform;
        this.start = start;
        this.db = db;
    }

    public static KuaishouFullPass of(
            KuaishouSimulatorFixture platform, long start, SqlDatabase db) {
        return new KuaishouFullPass(platform, start, db);
    }

    /** The pass's sink and its completion; exception events go to {@code eventsTable}. */
    public KuaishouFullPass landing(
            Function<FullSyncPass, JdbcRecordSink> sinkForPass,
            PassCompletion completion,
            String eventsTable) {
        this.sinkForPass = sinkForPass;
        this.completion = completion;
        this.eventsTable = eventsTable;
        return this;
    }

    public KuaishouFullPass policy(ExceptionPolicy policy) {
        this.policy = policy;
        return this;
    }

    public KuaishouFullPass catchUpRounds(int rounds) {
        this.catchUpRounds = rounds;
        return this;
    }

    /** More sinks for the pass's records (e.g. a Kafka topic). */
    public KuaishouFullPass alsoTo(Consumer<DataStream<RawRecord>> alsoTo) {
        this.alsoTo = alsoTo;
        return this;
    }

    /** Runs the pass under a lease of its table and tenant. */
    public KuaishouFullPass lease(PassLease lease) {
        this.lease = lease;
        return this;
    }

    /**
     * A fixed number of windows in flight per reader, so that the windows keep the step and hold
     * several pages: readers sized from the rate narrow them to fill their slots, and a window of
     * one page is read before changes made while it is paged can move its records.
     */
    public KuaishouFullPass splitsInFlight(int splits) {
        this.splitsInFlight = splits;
        return this;
    }

    public KuaishouFullPass beforeRound(RoundListener listener) {
        this.beforeRound = listener;
        return this;
    }

    public FullSyncPass.Result run() throws Exception {
        // the main round's end lies strictly after the last mutation; a record updated several
        // times in a row is stamped
        // a millisecond later each time (its versions stay strictly ordered), so its update time
        // can run ahead of the clock
        long lastUpdate =
                platform.kuaishou.groundTruth(KuaishouSimulatorFixture.SHOP).live().stream()
                        .mapToLong(GroundTruth.TruthRecord::updateTime)
                        .max()
                        .orElse(0);
        while (System.currentTimeMillis() <= lastUpdate) Thread.sleep(1);
        // the simulator lists a change at once: no lag before a catch-up round
        FullSyncPass pass =
                FullSyncPass.create(start, System.currentTimeMillis())
                        .withCatchUp(catchUpRounds, Duration.ZERO);
        if (lease != null) pass.withLease(lease);
        int[] rounds = {0};
        try (Connection c = db.connect()) {
            return pass.runAndComplete(
                    (p, from, to) -> {
                        beforeRound.before(rounds[0]++, from, to);
                        return job(p, from, to);
                    },
                    "full pass",
                    c,
                    completion,
                    eventsTable,
                    List.of(KuaishouSimulatorFixture.SHOP));
        }
    }

    private StreamExecutionEnvironment job(FullSyncPass pass, long from, long to) {
        HttpSyncSource<RawRecord> source =
                HttpSyncSource.<RawRecord>builder()
                        .setEndpoint(EndpointSpec.fromOptions(platform.options()))
                        .setTenants(List.of(platform.tenant()))
                        .setBounded(Instant.ofEpochMilli(from), Instant.ofEpochMilli(to))
                        .setDeserializer(RecordDeserializer.raw())
                        .setExceptionPolicy(policy)
                        .setSplitsInFlightPerReader(splitsInFlight)
                        // a bounded sync must end a lag (1 min) before now, as the platform may
                        // list a change late; the
                        // simulator lists it at once, so the source's clock runs ahead instead of
                        // the test waiting a minute
                        .setClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2)))
                        .build();
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        DataStream<SyncElement<RawRecord>> elements =
                env.fromSource(source, source.watermarkStrategy(), "source").uid("source");
        SingleOutputStreamOperator<RawRecord> records =
                HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
        records.sinkTo(sinkForPass.apply(pass).build(db.connectionOptions())).uid("orders-jdbc");
        alsoTo.accept(records);
        records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                .sinkTo(ExceptionEventJdbcSink.insertInto(eventsTable, db.connectionOptions()))
                .uid("events-jdbc");
        return env;
    }
}
