package io.httpsync.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What Flink's REST API tells about the checkpoints of each watched job, recorded as it goes (Flink
 * keeps only the last few in its history): when every completed checkpoint and savepoint was
 * triggered, and every restore (from which checkpoint, when). Jobs are grouped into lineages: a job
 * and the job resumed from its savepoint are one lineage, whose checkpoint ids continue.
 *
 * <p>Thread contract: a single daemon thread polls every watched job every 500 ms; {@link #watch},
 * {@link #pollNow} and the readers may be called from any thread. All state is guarded by this
 * object's monitor.
 */
final class CheckpointHistory implements RepeatedPages.Checkpoints, AutoCloseable {
    /**
     * One restore of a job: Flink loaded checkpoint {@code checkpointId} at {@code restoreTime}.
     */
    record Restore(String jobId, long checkpointId, long restoreTime, boolean savepoint) {}

    private final LocalFlinkCluster cluster;
    private final Map<String, String> lineageOfJob = new LinkedHashMap<>();
    private final Map<String, Map<Long, Long>> triggerTimes = new HashMap<>();
    private final Map<String, List<Restore>> restores = new HashMap<>();
    private final ScheduledExecutorService poller =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread t = new Thread(r, "checkpoint-history");
                        t.setDaemon(true);
                        return t;
                    });

    CheckpointHistory(LocalFlinkCluster cluster) {
        this.cluster = cluster;
        poller.scheduleWithFixedDelay(this::pollAll, 500, 500, TimeUnit.MILLISECONDS);
    }

    synchronized void watch(String lineage, String jobId) {
        lineageOfJob.put(jobId, lineage);
    }

    /** Polls one job now, e.g. right after it stopped with a savepoint. */
    void pollNow(String jobId) {
        poll(jobId);
    }

    @Override
    public synchronized List<Restore> restores(String lineage) {
        List<Restore> out = new ArrayList<>(restores.getOrDefault(lineage, List.of()));
        out.sort(Comparator.comparingLong(Restore::restoreTime));
        return out;
    }

    @Override
    public synchronized Optional<Long> triggerTime(String lineage, long id) {
        return Optional.ofNullable(triggerTimes.getOrDefault(lineage, Map.of()).get(id));
    }

    /** How many checkpoints and savepoints of the lineage were seen completed. */
    synchronized int completed(String lineage) {
        return triggerTimes.getOrDefault(lineage, Map.of()).size();
    }

    private void pollAll() {
        List<String> jobs;
        synchronized (this) {
            jobs = new ArrayList<>(lineageOfJob.keySet());
        }
        for (String job : jobs) poll(job);
    }

    private void poll(String jobId) {
        JsonNode stats;
        try {
            stats = cluster.get("/jobs/" + jobId + "/checkpoints");
        } catch (RuntimeException e) {
            return; // the JobManager is busy (a failover) or the job not yet known: the next poll
            // catches up
        }
        synchronized (this) {
            String lineage = lineageOfJob.get(jobId);
            Map<Long, Long> triggers = triggerTimes.computeIfAbsent(lineage, k -> new HashMap<>());
            List<JsonNode> completed = new ArrayList<>();
            stats.path("history").forEach(completed::add);
            completed.add(stats.path("latest").path("completed"));
            completed.add(stats.path("latest").path("savepoint"));
            for (JsonNode c : completed) {
                if (c.hasNonNull("id")
                        && c.path("status").asText("COMPLETED").equals("COMPLETED")
                        && c.hasNonNull("trigger_timestamp")) {
                    triggers.put(c.path("id").asLong(), c.path("trigger_timestamp").asLong());
                }
            }
            JsonNode restored = stats.path("latest").path("restored");
            if (restored.hasNonNull("id")) {
                Restore r =
                        new Restore(
                                jobId,
                                restored.path("id").asLong(),
                                restored.path("restore_timestamp").asLong(),
                                restored.path("is_savepoint").asBoolean());
                List<Restore> list = restores.computeIfAbsent(lineage, k -> new ArrayList<>());
                if (!list.contains(r)) list.add(r);
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
