package io.httpsync.jobs.preview;

import io.httpsync.connector.endpoint.OptionReader;
import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.source.HttpSyncStreams;
import io.httpsync.connector.source.RawRecord;
import io.httpsync.connector.source.RecordDeserializer;
import io.httpsync.connector.source.SourceConfigReader;
import io.httpsync.connector.source.enumerator.ScanOptions;
import io.httpsync.jobs.pipeline.SyncPipeline;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code sync (--config job.properties | --options file) --out records.jsonl [--from t --to t]}: a
 * bounded sync of every configured tenant, in a local Flink in this process, without checkpoints,
 * into one JSON-lines file ({@link JsonLinesSink}), no database. The range is {@code --from}/{@code
 * --to}, else {@code scan.start} to {@code scan.end}, or to now minus {@code scan.lag} without an
 * end. Exception events are printed to stderr and make the exit code 1, as does a failed job (then
 * no file is written); 0 means every window was read without one.
 */
public final class JsonLinesSync {
    private static final List<String> ARGS = List.of("config", "options", "out", "from", "to");
    private static final String NAME = "httpsync-sync-out";

    private JsonLinesSync() {}

    /** Runs the command; returns its exit code. */
    public static int run(Map<String, String> args, PrintStream out, PrintStream err)
            throws Exception {
        Path target;
        HttpSyncSource<RawRecord> source;
        Instant from;
        Instant to;
        try {
            SourceDescription.onlyKnown("sync", args, ARGS);
            String file = args.get("out");
            if (file == null)
                throw new IllegalArgumentException(
                        "sync needs --out <records.jsonl>, the file the records go to");
            target = Path.of(file).toAbsolutePath();
            Map<String, String> options = SourceDescription.read("sync", args);
            Duration lag = SourceConfigReader.lag(options);
            from = SourceDescription.instant(args, "from");
            to = SourceDescription.instant(args, "to");
            if (from == null) {
                if (!SourceConfigReader.scans(options)) {
                    throw OptionReader.invalid(
                            ScanOptions.START,
                            "is required to know where the sync starts (or give --from)");
                }
                from = SourceConfigReader.start(options);
            }
            if (to == null) {
                Instant end = SourceConfigReader.end(options);
                to = end != null ? end : Instant.now().minus(lag).truncatedTo(ChronoUnit.SECONDS);
            }
            source =
                    HttpSyncSource.<RawRecord>builder()
                            .setConfiguration(Configuration.fromMap(options))
                            .setBounded(from, to, lag)
                            .setDeserializer(RecordDeserializer.raw())
                            .build();
        } catch (IllegalArgumentException e) {
            out.println("SYNC FAILED: " + e.getMessage());
            return 1;
        }
        out.println("sync of [" + from + ", " + to + ") into " + target);
        // its own local Flink: the file is written by this process, wherever the command runs
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        SyncPipeline.flinkConfiguration());
        SingleOutputStreamOperator<RawRecord> records =
                HttpSyncStreams.records(
                        env.fromSource(source, source.watermarkStrategy(), NAME + " source")
                                .uid(NAME + "-source"),
                        Types.POJO(RawRecord.class),
                        NAME);
        records.sinkTo(new JsonLinesSink(target))
                .uid(NAME + "-jsonl")
                .name(NAME + " -> " + target.getFileName())
                .setParallelism(1);
        records.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                .process(new EventsToStderr())
                .uid(NAME + "-events")
                .name(NAME + " events -> stderr")
                .setParallelism(1)
                .sinkTo(new DiscardingSink<>())
                .uid(NAME + "-events-end")
                .setParallelism(1);
        JobExecutionResult result;
        try {
            result = env.execute("httpsync sync --out " + target.getFileName());
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            out.println("SYNC FAILED: the job failed, no file was written: " + root);
            return 1;
        }
        Integer events = result.getAccumulatorResult(EventsToStderr.COUNTER);
        int eventCount = events == null ? 0 : events;
        long lines;
        try (Stream<String> s = Files.lines(target)) {
            lines = s.count();
        }
        out.println(
                "SYNC RESULT: records="
                        + lines
                        + " file="
                        + target
                        + " exception-events="
                        + eventCount);
        if (eventCount > 0) {
            err.println(
                    eventCount
                            + " exception event(s) (printed above): windows failed and were read again, or records"
                            + " may be missing; see docs/preview.md");
            return 1;
        }
        return 0;
    }
}
