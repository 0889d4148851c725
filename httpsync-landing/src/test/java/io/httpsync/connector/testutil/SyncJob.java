package io.httpsync.connector.testutil;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.SyncElement;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.UUID;

/**
 * The job every source ITCase runs: the source, its records upserted into a table of a PostgreSQL
 * or MariaDB database, its exception events and sync positions collected in memory. Stable uids, so
 * savepoints restore.
 */
public final class SyncJob {
    public final CollectingSink<ExceptionEvent> events =
            new CollectingSink<>("events-" + UUID.randomUUID());
    public final CollectingSink<Long> positions =
            new CollectingSink<>("positions-" + UUID.randomUUID());

    public SyncJob(
            StreamExecutionEnvironment env,
            HttpSyncSource<RawRecord> source,
            SqlDatabase db,
            String table) {
        DataStream<SyncElement<RawRecord>> elements =
                env.fromSource(source, source.watermarkStrategy(), "source").uid("source");
        SingleOutputStreamOperator<RawRecord> records =
                HttpSyncStreams.records(elements, Types.POJO(RawRecord.class), "test");
        records.sinkTo(JdbcRecordSink.builder(db.dialect(), table).build(db.connectionOptions()))
                .uid("jdbc")
                .name("jdbc");
        records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                .sinkTo(events)
                .uid("events")
                .name("events");
        HttpSyncStreams.syncPosition(elements, "test")
                .sinkTo(positions)
                .uid("positions")
                .name("positions")
                .setParallelism(1);
    }

    /** The highest sync position seen so far, or -1. */
    public long position() {
        return positions.collected().stream().mapToLong(Long::longValue).max().orElse(-1);
    }
}
