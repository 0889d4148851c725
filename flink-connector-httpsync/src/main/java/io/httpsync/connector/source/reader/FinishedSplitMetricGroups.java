package io.httpsync.connector.source.reader;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.annotation.Nullable;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.Map;

/**
 * Releases the metric group Flink keeps for each split once the split has finished, which Flink
 * 2.2.1 does not do (FLINK-40549, fixed on Flink's release branches after 2.2.1).
 *
 * <p>Why: since FLIP-513 the source operator adds a group {@code split.<split id>} (with a {@code
 * watermark} child) under the operator's metric group for every split it is given. When the split
 * finishes, Flink 2.2.1 closes the {@code watermark} child (its gauges leave the registry) but
 * leaves the two emptied groups in their parents' maps: {@code AbstractMetricGroup#close} never
 * removes a group from its parent, and no public API does. This connector makes a new split per
 * window (a new id each time), so a long or continuous sync kept about 1.4 KB of heap per finished
 * window in every TaskManager, for the job's lifetime.
 *
 * <p>What: after a split finished (Flink's own handling of it, {@code
 * SourceOperator#splitFinished}, has run by then), its group {@code split.<id>} is closed and
 * removed from the {@code split} key group, which is what the upstream fix does. Removing needs the
 * key group's private map of children ({@code AbstractMetricGroup#groups}), read by reflection,
 * under the group's own lock as Flink's {@code addGroup} and {@code close} take it. Where that is
 * not possible (no such field in another Flink version, access refused, metric groups that are not
 * Flink's runtime groups, as in tests) it does nothing and says so once; with a Flink that has the
 * fix the group is already gone and this finds nothing to remove.
 *
 * <p>Only finished splits are touched: the groups of splits still being read keep their gauges.
 *
 * <p>Thread contract: called on the task's mailbox thread (from {@code
 * SourceReaderBase#onSplitFinished}), the thread the source operator creates and closes split
 * groups on; the map is read and changed only under the key group's monitor.
 */
@Internal
final class FinishedSplitMetricGroups {
    private static final Logger LOG = LoggerFactory.getLogger(FinishedSplitMetricGroups.class);

    /** The key group Flink's {@code InternalSourceSplitMetricGroup} puts every split under. */
    static final String SPLIT_GROUP = "split";

    /** {@code AbstractMetricGroup#groups}, or null where it cannot be reached. */
    @Nullable private static final Field CHILDREN = childrenField();

    private static boolean toldUnavailable;

    private FinishedSplitMetricGroups() {}

    /**
     * Closes and forgets the metric groups of the finished splits under the reader's operator
     * group.
     *
     * @param readerGroup the reader context's metric group (it adds groups to the operator's)
     */
    static void release(MetricGroup readerGroup, Collection<String> finishedSplitIds) {
        AbstractMetricGroup<?> key = keyGroup(readerGroup);
        Map<String, AbstractMetricGroup<?>> splits = key == null ? null : children(key);
        if (splits == null) return;
        for (String id : finishedSplitIds) {
            AbstractMetricGroup<?> group;
            synchronized (key) {
                group = splits.remove(id);
            }
            // closes what is left (the watermark child is closed already): nothing of it stays
            // registered with a reporter
            if (group != null) group.close();
        }
    }

    /**
     * How many split groups the operator's metric group holds now, or -1 if that cannot be seen.
     */
    @VisibleForTesting
    static int retained(MetricGroup readerGroup) {
        AbstractMetricGroup<?> key = keyGroup(readerGroup);
        Map<String, AbstractMetricGroup<?>> splits = key == null ? null : children(key);
        if (splits == null) return -1;
        synchronized (key) {
            return splits.size();
        }
    }

    /**
     * The operator's {@code split} key group, or null. {@code addGroup} on the reader's group
     * returns the operator's existing key group (Flink's split groups made it when the first split
     * came); it is only called here after a split finished.
     */
    @Nullable
    private static AbstractMetricGroup<?> keyGroup(MetricGroup readerGroup) {
        if (CHILDREN == null) return null;
        MetricGroup key = readerGroup.addGroup(SPLIT_GROUP);
        if (key instanceof AbstractMetricGroup<?> group) return group;
        unavailable("the reader's metric group is not one of Flink's runtime groups");
        return null;
    }

    @Nullable
    @SuppressWarnings("unchecked")
    private static Map<String, AbstractMetricGroup<?>> children(AbstractMetricGroup<?> group) {
        try {
            return (Map<String, AbstractMetricGroup<?>>) CHILDREN.get(group);
        } catch (IllegalAccessException | RuntimeException e) {
            unavailable(e.toString());
            return null;
        }
    }

    @Nullable
    private static Field childrenField() {
        try {
            Field f = AbstractMetricGroup.class.getDeclaredField("groups");
            if (!Map.class.isAssignableFrom(f.getType())) return null;
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.info(
                    "finished splits' metric groups stay with Flink (FLINK-40549), cannot reach them: {}",
                    e.toString());
            return null;
        }
    }

    private static void unavailable(String why) {
        if (toldUnavailable) return;
        toldUnavailable = true; // a benign race at worst: said twice
        LOG.debug("finished splits' metric groups not released here: {}", why);
    }
}
