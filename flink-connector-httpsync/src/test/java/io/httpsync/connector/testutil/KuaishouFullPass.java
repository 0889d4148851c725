package io.httpsync.connector.testutil;

import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.sink.ExceptionEventJdbcSink;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.sink.PassCompletion;
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
 * One full pass of the Kuaishou fixture's shop into a real database, as a test runs it: the bounded source over
 * everything updated since {@code start} and before now, landed by the sink the test picks for the pass, exception
 * events stored in {@code eventsTable}, completed by {@code completion} if (and only if) the job finished.
 */
public final class KuaishouFullPass {
    private KuaishouFullPass() {}

    public static FullSyncPass.Result run(KuaishouSimulatorFixture platform, long start, SqlDatabase db,
                                          Function<FullSyncPass, JdbcRecordSink> sinkForPass, PassCompletion completion,
                                          String eventsTable, ExceptionPolicy policy) throws Exception {
        return run(platform, start, db, sinkForPass, completion, eventsTable, policy, records -> {});
    }

    /** As above; {@code alsoTo} adds more sinks for the pass's records (e.g. a Kafka topic). */
    public static FullSyncPass.Result run(KuaishouSimulatorFixture platform, long start, SqlDatabase db,
                                          Function<FullSyncPass, JdbcRecordSink> sinkForPass, PassCompletion completion,
                                          String eventsTable, ExceptionPolicy policy,
                                          Consumer<DataStream<RawRecord>> alsoTo) throws Exception {
        // the pass's end lies strictly after the last mutation; a record updated several times in a row is stamped a
        // millisecond later each time (its versions stay strictly ordered), so its update time can run ahead of the clock
        long lastUpdate = platform.kuaishou.groundTruth(KuaishouSimulatorFixture.SHOP).live().stream()
                .mapToLong(GroundTruth.TruthRecord::updateTime).max().orElse(0);
        while (System.currentTimeMillis() <= lastUpdate) Thread.sleep(1);
        FullSyncPass pass = FullSyncPass.create(System.currentTimeMillis());
        HttpSyncSource<RawRecord> source = HttpSyncSource.<RawRecord>builder()
                .setEndpoint(EndpointSpec.fromOptions(platform.options()))
                .setTenants(List.of(platform.tenant()))
                .setBounded(Instant.ofEpochMilli(start), Instant.ofEpochMilli(pass.endMillis()))
                .setDeserializer(RecordDeserializer.raw())
                .setExceptionPolicy(policy)
                // a bounded sync must end a lag (1 min) before now, as records may move while it reads; nothing changes
                // on this platform during a pass, so the source's clock runs ahead instead of the test waiting a minute
                .setClock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2)))
                .build();
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        DataStream<SyncElement<RawRecord>> elements = env.fromSource(source, source.watermarkStrategy(), "source").uid("source");
        SingleOutputStreamOperator<RawRecord> records = HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "orders");
        records.sinkTo(sinkForPass.apply(pass).build(db.connectionOptions())).uid("orders-jdbc");
        alsoTo.accept(records);
        records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                .sinkTo(ExceptionEventJdbcSink.insertInto(eventsTable, db.connectionOptions())).uid("events-jdbc");
        try (Connection c = db.connect()) {
            return pass.runAndComplete(env, "full pass", c, completion, eventsTable, List.of(KuaishouSimulatorFixture.SHOP));
        }
    }
}
