package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * The windows waiting for a reader, handed out oldest first across all tenants.
 *
 * <p>Oldest first lets the sync positions advance as early as possible, and interleaves tenants
 * whose windows start at the same time. Retried windows and the pieces of hot windows take their
 * place by start time, ahead of newer windows. A window is held at most once.
 *
 * <p>Mutated only by the coordinator thread; {@link #size()} may be read by any thread (the metric
 * reporter).
 */
@Internal
final class UnassignedWindows {

    static final Comparator<WindowSplit> ASSIGNMENT_ORDER =
            Comparator.comparingLong(WindowSplit::startMillis)
                    .thenComparing(WindowSplit::tenant)
                    .thenComparingLong(WindowSplit::endMillis);

    private final TreeSet<WindowSplit> windows = new TreeSet<>(ASSIGNMENT_ORDER);
    private volatile int size;

    /** Adds the window unless it is already waiting; returns whether it was added. */
    boolean add(WindowSplit window) {
        boolean added = windows.add(window);
        size = windows.size();
        return added;
    }

    @Nullable
    WindowSplit poll() {
        WindowSplit next = windows.pollFirst();
        size = windows.size();
        return next;
    }

    /** Removes and returns the windows of {@code tenant}, in assignment order. */
    List<WindowSplit> removeTenant(String tenant) {
        List<WindowSplit> removed = new ArrayList<>();
        windows.removeIf(
                w -> {
                    if (!w.tenant().equals(tenant)) return false;
                    removed.add(w);
                    return true;
                });
        size = windows.size();
        return removed;
    }

    boolean isEmpty() {
        return windows.isEmpty();
    }

    int size() {
        return size;
    }

    List<WindowSplit> snapshot() {
        return new ArrayList<>(windows);
    }
}
