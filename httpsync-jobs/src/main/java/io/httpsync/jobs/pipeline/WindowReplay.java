package io.httpsync.jobs.pipeline;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.sql.Connection;
import java.util.List;

/**
 * The replay command: reads the failed windows from the job's exception-event table, re-syncs
 * exactly those in one bounded job through the job's own dedupe and sinks, and, only if that job
 * finished, removes the events it answered. Events recorded after the replay started stay, so a
 * failure during the replay is replayed next time.
 */
public final class WindowReplay {
    private WindowReplay() {}

    /** Returns the number of windows replayed (0 if nothing had failed). */
    public static int run(SyncPipeline pipeline) throws Exception {
        return run(
                pipeline,
                StreamExecutionEnvironment.getExecutionEnvironment(
                        SyncPipeline.flinkConfiguration()));
    }

    public static int run(SyncPipeline pipeline, StreamExecutionEnvironment env) throws Exception {
        long asOf = System.currentTimeMillis();
        List<FailedWindows.Window> windows;
        try (Connection c = pipeline.connect()) {
            windows = FailedWindows.read(c, pipeline.eventsTable(), pipeline.tenantIds(), asOf);
        }
        if (windows.isEmpty()) return 0;
        pipeline.addReplayTo(env, windows);
        env.execute(pipeline.jobName() + " (replay of " + windows.size() + " failed windows)");
        try (Connection c = pipeline.connect()) {
            FailedWindows.forget(c, pipeline.eventsTable(), windows, asOf);
        }
        return windows.size();
    }
}
