package io.httpsync.connector.dedupe;

import io.httpsync.connector.source.RawRecord;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import javax.annotation.Nullable;

import java.time.Duration;

/**
 * Puts the dedupe operator ({@link RecordDedupeFunction}) on a stream of records, so that re-syncs,
 * look-backs and replays of unchanged data cost no writes downstream:
 *
 * <pre>{@code
 * DataStream<RawRecord> changed = Dedupe.records(records, Duration.ofDays(30), "orders");   // uid "orders-dedupe"
 * changed.sinkTo(JdbcRecordSink.builder(SqlDialect.POSTGRES, "orders").build(connection)).uid("orders-postgres");
 * }</pre>
 *
 * The operator is keyed by {@link #KEY tenant and record id}; its uid is {@code <name>-dedupe},
 * stable, so its state survives savepoints and upgrades.
 */
@PublicEvolving
public final class Dedupe {
    /** (tenant, record id) as one string; the unit separator cannot occur in either in practice. */
    public static final KeySelector<RawRecord, String> KEY = r -> r.tenant + '\u001f' + r.id;

    private Dedupe() {}

    /**
     * @param ttl how long a record's last version is remembered after it was last seen (null:
     *     forever); pick it longer than the widest look-back or replay you run, or those replays
     *     will write again
     */
    public static SingleOutputStreamOperator<RawRecord> records(
            DataStream<RawRecord> records, @Nullable Duration ttl, String name) {
        return records.keyBy(KEY, Types.STRING)
                .process(new RecordDedupeFunction(ttl), Types.POJO(RawRecord.class))
                .uid(name + "-dedupe")
                .name(name + " dedupe");
    }
}
