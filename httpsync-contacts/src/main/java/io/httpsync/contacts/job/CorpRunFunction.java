package io.httpsync.contacts.job;

import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.contacts.ContactsSync;
import io.httpsync.contacts.DirectoryComparison;
import io.httpsync.contacts.fetch.CorpGate;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.jdbc.SyncReport;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs one corp's sync per request with the plain driver ({@link ContactsSync#syncCorp}: fetch the
 * whole directory, then land it in dependency order), up to {@code threads} corps at once per
 * subtask. The job keys the requests by corp, so a corp's runs always happen on the same subtask,
 * and this function never runs two of them at once: a request that comes while the corp's previous
 * run is still going is answered {@code SKIPPED}.
 *
 * <p>Metrics, in the operator's group {@code contacts} (a bounded number: a few per operator and
 * five per corp of the subtask, none per entity): counters {@code runsOk}, {@code runsIncomplete},
 * {@code runsFailed}, {@code runsSkipped}, {@code deletionsRefused}, {@code requests}, {@code
 * hashesCompared}, {@code rowsWritten} (summed over the runs); gauge {@code corpsRunning}; per
 * platform and egress IP, in group {@code platform.<platform>_in_namespace_<namespace>}: gauges
 * {@code corpsInFlight} (fetching now) and {@code corpsWaiting} (for their turn under the cap); and
 * per corp, in group {@code corp.<corp id>}: {@code progress} (entities done &divide; entities of
 * the current run, from 0 at its start to 1 when it ends OK, never falling in between), {@code
 * entitiesDone}, {@code entitiesTotal}, {@code lastStatus} (-1 none yet, 0 OK, 1 INCOMPLETE, 2
 * FAILED) and {@code lastRunMillis}.
 *
 * <p>Failures: a listing that failed, deletions the ratio guard refused and a write that failed are
 * outcomes with an exception event each; the job goes on. A database that cannot be used at all
 * (the driver throws) fails the job, and Flink's restart strategy runs the corps that were in
 * flight again (the requests in flight are the async operator's checkpointed state): a run is
 * idempotent, it compares what the tables hold and continues from there.
 *
 * <p>Thread contract: {@link #asyncInvoke} and {@link #timeout} are called on the task thread; the
 * runs happen on this function's pool, which completes their futures; the progress listener is
 * called on the thread running the corp. The metric fields are volatile, read by the metric
 * reporters' threads.
 */
@Internal
public final class CorpRunFunction extends RichAsyncFunction<CorpRunRequest, CorpRunOutcome> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CorpRunFunction.class);

    /**
     * Told how far each corp's run is, on the thread running it; it travels in the job graph, so it
     * is serializable.
     */
    @FunctionalInterface
    public interface Progress extends ContactsWriter.ProgressListener, Serializable {
        Progress NONE = (corp, done, total) -> {};
    }

    private final Map<String, String> config;
    private final String runPrefix;
    private final boolean verify;
    private final int threads;
    private final Duration runTimeout;
    private final Progress progress;

    private transient ContactsSync sync;
    private transient ExecutorService pool;
    private transient Set<String> running;
    private transient Map<String, CorpMetrics> corpMetrics;
    private transient MetricGroup metrics;
    private transient Counter ok;
    private transient Counter incomplete;
    private transient Counter failed;
    private transient Counter skipped;
    private transient Counter refused;
    private transient Counter requests;
    private transient Counter hashesCompared;
    private transient Counter rowsWritten;

    /**
     * @param config the contacts configuration ({@link ContactsSync#fromProperties}'s keys),
     *     secrets included
     * @param runPrefix the start of every run id: {@code <prefix>-<round>-<start epoch millis>}
     * @param verify compare the tables with the directory fetched after each run
     */
    CorpRunFunction(
            Map<String, String> config,
            String runPrefix,
            boolean verify,
            int threads,
            Duration runTimeout,
            Progress progress) {
        this.config = new TreeMap<>(config);
        this.runPrefix = runPrefix;
        this.verify = verify;
        this.threads = threads;
        this.runTimeout = runTimeout;
        this.progress = progress;
    }

    @Override
    public void open(OpenContext context) {
        Properties p = new Properties();
        p.putAll(config);
        // the subtasks split the per-IP budgets and caps evenly (a corp is always on one subtask)
        sync =
                ContactsSync.fromProperties(
                        p,
                        "the contacts job's configuration",
                        getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, "contacts-corp-run-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
        running = ConcurrentHashMap.newKeySet();
        corpMetrics = new ConcurrentHashMap<>();
        metrics = getRuntimeContext().getMetricGroup().addGroup("contacts");
        ok = metrics.counter("runsOk");
        incomplete = metrics.counter("runsIncomplete");
        failed = metrics.counter("runsFailed");
        skipped = metrics.counter("runsSkipped");
        refused = metrics.counter("deletionsRefused");
        requests = metrics.counter("requests");
        hashesCompared = metrics.counter("hashesCompared");
        rowsWritten = metrics.counter("rowsWritten");
        metrics.gauge("corpsRunning", () -> running.size());
        for (CorpGate gate : sync.gates()) {
            MetricGroup g = metrics.addGroup("platform", gate.name().replace(' ', '_'));
            g.gauge("corpsInFlight", gate::inFlight);
            g.gauge("corpsWaiting", gate::waiting);
        }
    }

    @Override
    public void asyncInvoke(CorpRunRequest request, ResultFuture<CorpRunOutcome> result) {
        ContactsSync.Corp corp = sync.corp(request.corpId());
        CorpMetrics m =
                corpMetrics.computeIfAbsent(
                        corp.corpId(), id -> new CorpMetrics(metrics.addGroup("corp", id)));
        if (!running.add(corp.corpId())) {
            skipped.inc();
            LOG.info(
                    "corp {}: round {} skipped, its previous run is still going",
                    corp.corpId(),
                    request.round());
            result.complete(
                    List.of(
                            CorpRunOutcome.without(
                                    request,
                                    corp.platform().id(),
                                    CorpRunOutcome.Status.SKIPPED,
                                    "",
                                    "the corp's previous run was still going",
                                    0,
                                    List.of())));
            return;
        }
        m.started();
        pool.execute(
                () -> {
                    CorpRunOutcome outcome;
                    try {
                        outcome = run(request, corp, m);
                    } catch (Throwable t) {
                        running.remove(corp.corpId());
                        LOG.warn(
                                "corp {}: round {} could not use the database; the job fails and runs it again: {}",
                                corp.corpId(),
                                request.round(),
                                corp.tenant().redact(String.valueOf(t.getMessage())));
                        result.completeExceptionally(t);
                        return;
                    }
                    running.remove(corp.corpId());
                    m.finished(outcome);
                    count(outcome);
                    LOG.info(
                            "corp {} ({}) round {} run {}: {} created={} updated={} unchanged={} deleted={} degraded={} cycles={} "
                                    + "violations={} requests={} hashesCompared={} rowsWritten={} in {} ms{}",
                            outcome.corpId(),
                            outcome.platform(),
                            outcome.round(),
                            outcome.runId(),
                            outcome.status(),
                            outcome.created(),
                            outcome.updated(),
                            outcome.unchanged(),
                            outcome.deleted(),
                            outcome.degraded(),
                            outcome.cycles(),
                            outcome.violations(),
                            outcome.requests(),
                            outcome.hashesCompared(),
                            outcome.rowsWritten(),
                            outcome.elapsedMillis(),
                            outcome.message() == null ? "" : " - " + outcome.message());
                    result.complete(List.of(outcome));
                });
    }

    private CorpRunOutcome run(CorpRunRequest request, ContactsSync.Corp corp, CorpMetrics m)
            throws SQLException {
        long start = System.currentTimeMillis();
        String runId = runPrefix + "-" + request.round() + "-" + start;
        String platform = corp.platform().id();
        ContactsSync.Outcome o;
        try {
            o =
                    sync.syncCorp(
                            runId,
                            corp,
                            (c, done, total) -> {
                                m.progress(done, total);
                                progress.onProgress(c, done, total);
                            });
        } catch (IllegalArgumentException e) {
            // the platform answered a directory that does not hold together (e.g. it changed
            // between two listings):
            // nothing was written; the next run reads it again
            String message = corp.tenant().redact(e.getMessage());
            return CorpRunOutcome.without(
                    request,
                    platform,
                    CorpRunOutcome.Status.FAILED,
                    runId,
                    message,
                    System.currentTimeMillis() - start,
                    List.of(event(platform, "directory", corp, runId, message)));
        }
        SyncReport r = o.report();
        List<ExceptionEvent> events = new ArrayList<>();
        CorpRunOutcome.Status status =
                switch (r.status()) {
                    case OK -> CorpRunOutcome.Status.OK;
                    case INCOMPLETE -> CorpRunOutcome.Status.INCOMPLETE;
                    case FAILED -> CorpRunOutcome.Status.FAILED;
                };
        if (status == CorpRunOutcome.Status.INCOMPLETE) {
            events.add(
                    o.listingFailure() != null
                            ? o.listingFailure()
                            : event(platform, "listing", corp, runId, r.message()));
        }
        if (r.deletionsRefused())
            events.add(event(platform, "deletions", corp, runId, r.message()));
        if (status == CorpRunOutcome.Status.FAILED)
            events.add(event(platform, "write", corp, runId, r.message()));
        DirectoryComparison c =
                verify && o.fetched() != null
                        ? DirectoryComparison.compare(o.fetched(), sync.stored(corp.corpId()))
                        : null;
        return new CorpRunOutcome(
                corp.corpId(),
                platform,
                request.round(),
                runId,
                status,
                r.created(),
                r.updated(),
                r.unchanged(),
                r.deleted(),
                r.degraded(),
                r.cycles(),
                r.violations(),
                r.deletionsRefused(),
                r.message(),
                System.currentTimeMillis() - start,
                o.fetched() == null ? 0 : o.fetched().departments().size(),
                o.fetched() == null ? 0 : o.fetched().employees().size(),
                c == null ? -1 : c.missing(),
                c == null ? -1 : c.wrong(),
                events,
                o.requests(),
                r.hashesCompared(),
                r.rowsWritten());
    }

    /**
     * An event about a corp's run rather than one request: the API named {@code
     * contacts/<platform>/<what>}, the corp as the tenant, the run as the position, no window
     * ({@code [0, 0)}, which the replay command skips).
     */
    private static ExceptionEvent event(
            String platform, String what, ContactsSync.Corp corp, String runId, String message) {
        return ExceptionEvent.ofWindow(
                "contacts/" + platform + "/" + what,
                corp.corpId(),
                0,
                0,
                "run " + runId,
                corp.tenant().redact(String.valueOf(message)),
                System.currentTimeMillis());
    }

    private void count(CorpRunOutcome o) {
        switch (o.status()) {
            case OK -> ok.inc();
            case INCOMPLETE -> incomplete.inc();
            case FAILED -> failed.inc();
            case SKIPPED -> skipped.inc();
        }
        if (o.deletionsRefused()) refused.inc();
        requests.inc(o.requests());
        hashesCompared.inc(o.hashesCompared());
        rowsWritten.inc(o.rowsWritten());
    }

    /**
     * A run longer than {@code contacts.run-timeout}: answered FAILED with an event; the run itself
     * goes on in the background (a listing is bounded, a write is not interrupted half-way), and
     * the corp's requests are skipped until it ends.
     */
    @Override
    public void timeout(CorpRunRequest request, ResultFuture<CorpRunOutcome> result) {
        ContactsSync.Corp corp = sync.corp(request.corpId());
        String message =
                "the run did not end within "
                        + runTimeout
                        + " (contacts.run-timeout); it goes on, and the corp's "
                        + "next runs are skipped until it ends";
        failed.inc();
        result.complete(
                List.of(
                        CorpRunOutcome.without(
                                request,
                                corp.platform().id(),
                                CorpRunOutcome.Status.FAILED,
                                "",
                                message,
                                runTimeout.toMillis(),
                                List.of(
                                        event(
                                                corp.platform().id(),
                                                "run",
                                                corp,
                                                "of round " + request.round(),
                                                message)))));
    }

    @Override
    public void close() throws Exception {
        if (pool != null) pool.shutdownNow();
        if (sync != null) sync.close();
    }

    /**
     * One corp's gauges. Written by the thread running the corp, read by reporters: volatile
     * fields.
     */
    private static final class CorpMetrics {
        volatile double progress;
        volatile int done;
        volatile int total;
        volatile int lastStatus = -1;
        volatile long lastRunMillis;

        CorpMetrics(MetricGroup group) {
            group.gauge("progress", () -> progress);
            group.gauge("entitiesDone", () -> done);
            group.gauge("entitiesTotal", () -> total);
            group.gauge("lastStatus", () -> lastStatus);
            group.gauge("lastRunMillis", () -> lastRunMillis);
        }

        void started() {
            progress = 0;
            done = 0;
            total = 0;
        }

        void progress(int done, int total) {
            this.done = done;
            this.total = total;
            this.progress = total == 0 ? 1.0 : (double) done / total;
        }

        void finished(CorpRunOutcome o) {
            if (o.status() == CorpRunOutcome.Status.OK) progress = 1.0;
            lastStatus = o.status().ordinal();
            lastRunMillis = o.elapsedMillis();
        }
    }
}
