package io.httpsync.jobs;

import io.httpsync.connector.sink.DeletionMarker;
import io.httpsync.connector.sink.FullSyncPass;
import io.httpsync.connector.sink.PassLease;
import io.httpsync.connector.source.WindowFailedException;
import io.httpsync.jobs.bench.Bench;
import io.httpsync.jobs.contacts.ContactsCommand;
import io.httpsync.jobs.contacts.ContactsDemo;
import io.httpsync.jobs.demo.Demo;
import io.httpsync.jobs.pipeline.SyncPipeline;
import io.httpsync.jobs.pipeline.WindowReplay;
import io.httpsync.jobs.preview.JsonLinesSync;
import io.httpsync.jobs.preview.PreviewCommand;
import io.httpsync.simulator.SimulatorMain;

import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The httpsync command line.
 *
 * <pre>
 * demo [--duration-seconds 40] [--shops 2] [--orders 3000] [--parallelism 2]
 *     runs a real sync on embedded defaults: the platform simulator (a Kuaishou-style shop whose orders keep
 *     changing), the httpsync source in a local Flink, an upsert into an embedded PostgreSQL; prints progress and a
 *     summary comparing the table with the simulator's ground truth. The default command.
 * run --config job.properties
 *     runs the sync job a properties file describes (source, dedupe, JDBC and/or Kafka sinks; see SyncPipeline),
 *     in a local Flink, or on a cluster when submitted with {@code flink run}. Locally, its checkpoints go to
 *     job.checkpoint-dir (default ./httpsync-checkpoints/&lt;source.name&gt;), and a new run resumes from the newest
 *     one retained there (e.g. after the process was killed). Each tenant's sync position goes to
 *     jdbc.positions-table (default sync_positions).
 * full-pass --config job.properties
 *     runs one full pass of the configured tenants (pass.* settings, see SyncPipeline): bounded rounds over everything
 *     updated since httpsync.scan.start, then the rows the pass did not see marked deleted, or the pass published as the
 *     latest snapshot; exits with 1 if the pass was interrupted (nothing marked), printing why: e.g. a window that
 *     failed httpsync.scan.failed-window.max-failures times in a row with the same lasting cause (a refused signature, an
 *     unknown error code, a body that is not JSON), with the platform's answer. Exits with 3, reading nothing, if
 *     another pass of the same table and tenant holds the lease (printing which pass, and until when), unless
 *     pass.lease-wait lets it wait.
 * preview (--config job.properties | --options file) [--tenant id] [--from t --to t] [--pages 3]
 *     tries a source's description against the platform without Flink: one tenant (the first unless --tenant), one
 *     window (the newest of httpsync.scan.window.step unless --from/--to), at most --pages pages; prints each request
 *     (secrets masked), its answer's status and classification, the records found with the first ids and update times,
 *     the next position and what ended the window, then "PREVIEW RESULT: requests=.. pages=.. records=.. end=..";
 *     exits with 1 and a line "PREVIEW FAILED: .." naming the option when the description is wrong (a records path
 *     that matches nothing, an id path that reads nothing) or the platform refuses a page. --options is a file of the
 *     connector's options as a SQL WITH clause has them, one key=value a line.
 * sync (--config job.properties | --options file) --out records.jsonl [--from t --to t]
 *     a bounded sync of every configured tenant (httpsync.scan.start to scan.end, or to now minus scan.lag) in a local
 *     Flink, every record one JSON line of the file (tenant, id, update_time, record), no database; exception events go
 *     to stderr and make the exit code 1, as does a failed job (then no file is written).
 * replay --config job.properties
 *     re-syncs exactly the windows recorded in the job's exception-event table (jdbc.events-table), then removes
 *     those events.
 * simulator [--port 8080] [--platforms kuaishou,taobao,...] [--tenants 2] [--records 2000] [--latency-ms 0] ...
 *     starts the platform simulator alone (see SimulatorMain), to develop a job without real credentials.
 * contacts --config contacts.properties
 *     the contacts (通讯录) job of the corps the file describes (WeCom, DingTalk, Feishu; see ContactsJob):
 *     departments, heads, employees, leaders and memberships into tables with enforced foreign keys, written in
 *     dependency order with the cycles merged, the corps in parallel. contacts.mode=bounded (the default) syncs each
 *     corp once; contacts.mode=continuous with contacts.interval syncs each corp again every interval. Outside a
 *     cluster it runs in a local Flink with a progress bar per corp and a line per corp run, each run checked against
 *     what it fetched; a bounded run ends with "CONTACTS RESULT: corps=.. departments=.. employees=.. missing=..
 *     wrong=.. violations=.. cycles=.." and exits with 1 unless missing, wrong and violations are 0 and every corp's
 *     listings completed. Failed listings, refused deletions and failed writes go to jdbc.events-table.
 * contacts-demo [--departments 12] [--users 40]
 *     the contacts job on embedded defaults: simulator corps on WeCom, DingTalk and Feishu with cycles, an embedded
 *     PostgreSQL; two bounded runs with a reorganization between them, each checked against ground truth; the same
 *     last line.
 * bench landing [--shops 3] [--orders 30000] [--parallelism 2]
 *     benchmarks from the source tree (simulator, embedded PostgreSQL), each printing "BENCH name=.. key=value .."
 *     lines: landing compares source -> dedupe -> PostgreSQL with flink-connector-jdbc's JdbcSink fed from memory
 *     and raw JDBC batch upserts, in one run (see docs/benchmarks.md).
 * bench e2e-overlimit [--real 3] [--configured 10] [--seconds 150] [--warm-up-s 60]
 *     a job against a platform allowing 3 requests/s while 10/s is configured: the accepted rate after the warm-up
 *     as a share of the real limit, and the share of refused requests.
 * bench e2e [--q 100] [--latency-ms 50] [--shops 3] [--orders 20000] [--days 3] [--serial true]
 *     a sync at the rate limit (app limit q/s, latency on every answer) through source -> dedupe -> PostgreSQL with
 *     the defaults, and one request at a time in the same run: wall / floor, achieved / q, refusals, speed-up.
 * bench memory [--records 2000000] [--windows 10000] [--heap-mb 512]
 *     a 2-million-record, 10,000-window sync (source -> discard) in a child JVM with -Xmx512m: heap after GC in the
 *     first and the last quarter of the records, growth per window, the enumerator's checkpointed state.
 * bench tenants [--shops 3000] [--large 5] [--platform 300] [--shop-limit 10] [--large-limit 100] [--days 30]
 *     thousands of shops (a few large at 100/s, most small at 10/s, under a platform limit) synced continuously,
 *     recent windows first and, in the same run, history first: achieved / limit, refusals, the time until every
 *     shop's last hour is in, the spread of the shops' progress, the enumerator's checkpointed state and its heap.
 * </pre>
 *
 * On a cluster: {@code flink run -c io.httpsync.jobs.HttpSyncCli httpsync-jobs-<version>-job.jar
 * run --config job.properties} (likewise {@code full-pass}, {@code replay} and {@code contacts}).
 * The job jar (built by {@code mvn package}) carries the connector, Flink's JDBC and Kafka
 * connectors and the JDBC drivers, but neither Flink nor the demo's simulator and embedded
 * PostgreSQL, so {@code demo} and {@code simulator} run from the source tree only.
 */
public final class HttpSyncCli {
    private HttpSyncCli() {}

    public static void main(String[] argv) throws Exception {
        // Maven's exec:exec passes -Dhttpsync.args="demo --shops 3" as one argument
        String[] args = argv.length == 1 ? argv[0].trim().split("\\s+") : argv;
        String command = args.length == 0 || args[0].startsWith("--") ? "demo" : args[0];
        String[] rest =
                args.length == 0 || args[0].startsWith("--")
                        ? args
                        : Arrays.copyOfRange(args, 1, args.length);
        if ((command.equals("demo")
                        || command.equals("simulator")
                        || command.equals("contacts-demo")
                        || command.equals("bench"))
                && !onClassPath("io.httpsync.simulator.SimulatorMain")) {
            System.err.println(
                    "'"
                            + command
                            + "' needs the simulator and an embedded PostgreSQL, which the job jar leaves out;"
                            + " run it from the source tree: mvn -B -ntp -pl httpsync-jobs -am test-compile -Dmaven.test.skip=true exec:exec (see README)");
            System.exit(2);
        }
        switch (command) {
            case "demo" -> System.exit(Demo.run(SimulatorMain.parse(rest)) ? 0 : 1);
            // the job jar's commands parse with Flink's ParameterTool: the simulator is not in the
            // job jar
            case "run" -> runPipeline(ParameterTool.fromArgs(rest).toMap());
            case "full-pass" -> System.exit(fullPass(ParameterTool.fromArgs(rest).toMap()));
            case "preview" ->
                    System.exit(
                            PreviewCommand.run(ParameterTool.fromArgs(rest).toMap(), System.out));
            case "sync" ->
                    System.exit(
                            JsonLinesSync.run(
                                    ParameterTool.fromArgs(rest).toMap(), System.out, System.err));
            case "replay" ->
                    System.out.println(
                            "replayed "
                                    + replay(ParameterTool.fromArgs(rest).toMap())
                                    + " windows");
            case "simulator" -> SimulatorMain.main(rest);
            case "contacts" ->
                    System.exit(
                            ContactsCommand.run(
                                            configFile(
                                                    "contacts",
                                                    ParameterTool.fromArgs(rest).toMap()),
                                            System.out)
                                    ? 0
                                    : 1);
            case "contacts-demo" -> System.exit(ContactsDemo.run(rest, System.out) ? 0 : 1);
            case "bench" -> {
                Bench.run(rest, System.out);
                System.exit(0);
            }
            default -> {
                System.err.println(
                        "unknown command '"
                                + command
                                + "'; commands: demo, run, full-pass, preview, sync, replay, simulator, contacts, contacts-demo, bench");
                System.exit(2);
            }
        }
    }

    private static Path configFile(String command, Map<String, String> options) {
        String file = options.get("config");
        if (file == null)
            throw new IllegalArgumentException(command + " needs --config <file.properties>");
        return Path.of(file);
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, HttpSyncCli.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void runPipeline(Map<String, String> options) throws Exception {
        String file = options.get("config");
        if (file == null) throw new IllegalArgumentException("run needs --config <job.properties>");
        SyncPipeline pipeline = SyncPipeline.fromFile(Path.of(file));
        pipeline.createTables();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        SyncPipeline.flinkConfiguration());
        // outside `flink run` (no cluster gave us a context environment): our own local Flink,
        // which keeps its
        // checkpoints and resumes from them; on a cluster, its configuration and `flink run -s`
        // decide
        if (env instanceof LocalStreamEnvironment) env = pipeline.localEnvironment();
        pipeline.addTo(env);
        env.execute(pipeline.jobName());
    }

    /**
     * The exit code of {@code full-pass} when another pass of the table and tenant holds the lease.
     */
    static final int LEASE_HELD_ELSEWHERE = 3;

    /**
     * Runs a full pass of the configured job and prints how it ended; returns the exit code: 0
     * completed, 1 interrupted, {@value #LEASE_HELD_ELSEWHERE} refused because another pass holds
     * the lease.
     */
    static int fullPass(Map<String, String> options) throws Exception {
        String file = options.get("config");
        if (file == null)
            throw new IllegalArgumentException("full-pass needs --config <job.properties>");
        FullSyncPass.Result result =
                SyncPipeline.fromFile(Path.of(file))
                        .runFullPass(
                                () ->
                                        StreamExecutionEnvironment.getExecutionEnvironment(
                                                SyncPipeline.flinkConfiguration()));
        if (result.interruption() instanceof PassLease.HeldElsewhereException held) {
            System.out.println(held.getMessage());
            return LEASE_HELD_ELSEWHERE;
        }
        if (!result.completed()) {
            System.out.println(
                    "full pass "
                            + result.passId()
                            + " interrupted, nothing marked: "
                            + cause(result.interruption()));
            return 1;
        }
        System.out.println(
                "full pass "
                        + result.passId()
                        + " completed in "
                        + result.rounds().size()
                        + " rounds");
        for (DeletionMarker.Outcome o : result.outcomes()) {
            System.out.println(
                    "  "
                            + o.tenant()
                            + ": "
                            + (o.refused()
                                    ? o.refusal().message()
                                    : o.markedIds().size()
                                            + " of "
                                            + o.candidates()
                                            + " records gone from the platform"
                                            + (o.keptLive().isEmpty()
                                                    ? ""
                                                    : ", "
                                                            + o.keptLive().size()
                                                            + " unseen but still on the platform, left live")));
        }
        return 0;
    }

    /**
     * What ended a job, in a line: the window that kept failing and the platform's answer, or else
     * the innermost cause (Flink wraps it in job and scheduler exceptions whose messages say
     * nothing about it).
     */
    static String cause(Throwable error) {
        WindowFailedException window = WindowFailedException.findIn(error);
        if (window != null) return window.getMessage();
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.toString();
    }

    /** Re-syncs the failed windows of the configured job; returns how many windows it replayed. */
    static int replay(Map<String, String> options) throws Exception {
        String file = options.get("config");
        if (file == null)
            throw new IllegalArgumentException("replay needs --config <job.properties>");
        return WindowReplay.run(SyncPipeline.fromFile(Path.of(file)));
    }
}
