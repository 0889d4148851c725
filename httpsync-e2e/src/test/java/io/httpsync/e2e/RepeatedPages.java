package io.httpsync.e2e;

import io.httpsync.simulator.Accounting.RequestLogEntry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds pages that a job requested again although they were answered before the checkpoint it
 * resumed from, in the simulator's log of list requests.
 *
 * <p>A page is one list request of a tenant: its time window and paging position (the simulator
 * logs them as {@code [begin,end) cursor=...}); the time of an entry is when the simulator
 * answered. A job restored from checkpoint C resumes every window at the page after the last one it
 * had emitted when C was taken, so it may request again only pages answered after C was triggered.
 * An answer reaches the reader and is emitted a little after the simulator logged it (latency, the
 * reader's queue), so a page counts as <em>answered before C</em> if it was answered more than
 * {@code grace} before C was triggered. A request is <em>repeated</em> if the same page of the same
 * tenant had been answered successfully before (at t1), and either no restore of the tenant's job
 * happened between that answer and the request (a page requested twice in a plain run), or the last
 * restore between them loaded a checkpoint triggered after t1 + grace (a checkpointed page
 * requested again).
 */
final class RepeatedPages {
    /**
     * One repeated request: the page, when it was answered before, when it was requested again, and
     * why that is wrong.
     */
    record Repeat(String tenant, String page, long answeredAt, long requestedAgainAt, String why) {}

    /**
     * @param repeats the repeated requests
     * @param reRequestedAfterRestore pages requested again after a restore that had been answered
     *     after the checkpoint it loaded: what a restore should re-read, shown so that a run can
     *     tell the check had something to judge
     */
    record Result(List<Repeat> repeats, int reRequestedAfterRestore) {}

    /** What the check needs to know of the jobs' checkpoints (see {@link CheckpointHistory}). */
    interface Checkpoints {
        /** The lineage's restores, oldest first. */
        List<CheckpointHistory.Restore> restores(String lineage);

        /**
         * When the lineage's checkpoint or savepoint {@code id} was triggered, if it completed and
         * was seen.
         */
        Optional<Long> triggerTime(String lineage, long id);
    }

    private RepeatedPages() {}

    /**
     * @param requests the simulator's request log
     * @param endpoint the list API's accounting name, e.g. {@code kuaishou/open.order.cursor.list}
     * @param lineageOfTenant which job lineage syncs a tenant (empty: not one of the checked jobs)
     */
    static Result find(
            List<RequestLogEntry> requests,
            String endpoint,
            Function<String, Optional<String>> lineageOfTenant,
            Checkpoints history,
            long grace) {
        List<RequestLogEntry> sorted = new ArrayList<>(requests);
        sorted.sort(Comparator.comparingLong(RequestLogEntry::time));
        Map<String, Long> lastAnswered = new HashMap<>();
        List<Repeat> repeats = new ArrayList<>();
        int reRequested = 0;
        for (RequestLogEntry e : sorted) {
            if (!e.endpoint().equals(endpoint) || e.tenant() == null) continue;
            Optional<String> lineage = lineageOfTenant.apply(e.tenant());
            if (lineage.isEmpty()) continue;
            String key = e.tenant() + " " + e.position();
            Long answered = lastAnswered.get(key);
            if (answered != null) {
                Optional<CheckpointHistory.Restore> restore =
                        history.restores(lineage.get()).stream()
                                .filter(
                                        r ->
                                                r.restoreTime() > answered
                                                        && r.restoreTime() <= e.time())
                                .reduce((a, b) -> b);
                if (restore.isEmpty()) {
                    repeats.add(
                            new Repeat(
                                    e.tenant(),
                                    e.position(),
                                    answered,
                                    e.time(),
                                    "no restore in between"));
                } else {
                    Optional<Long> trigger =
                            history.triggerTime(lineage.get(), restore.get().checkpointId());
                    if (trigger.isPresent() && trigger.get() > answered + grace) {
                        repeats.add(
                                new Repeat(
                                        e.tenant(),
                                        e.position(),
                                        answered,
                                        e.time(),
                                        "answered "
                                                + (trigger.get() - answered)
                                                + " ms before checkpoint "
                                                + restore.get().checkpointId()
                                                + " that job "
                                                + restore.get().jobId()
                                                + " restored from"));
                    } else if (trigger.isEmpty()) {
                        throw new IllegalStateException(
                                "checkpoint "
                                        + restore.get().checkpointId()
                                        + " of "
                                        + lineage.get()
                                        + " was restored but never seen completed: the check cannot judge "
                                        + e);
                    } else {
                        reRequested++;
                    }
                }
            }
            if (e.outcome().equals("ok")) lastAnswered.put(key, e.time());
        }
        return new Result(repeats, reRequested);
    }
}
