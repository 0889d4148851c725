package io.httpsync.connector.source.enumerator;

import io.httpsync.connector.source.split.WindowSplit;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The windows waiting for a reader, one queue per tenant, each oldest first: retried windows, the
 * pieces of hot windows and windows taken back from a failed reader. Newly planned windows are not
 * here: the {@link WindowLedger} plans a tenant's next window when it is that tenant's turn ({@link
 * TenantTurns}), so this holds only windows that came back.
 *
 * <p>A tenant's queue is split at its recent span, if it has one: windows starting at or after
 * {@code recentFromMillis} are recent, the others history. A window is held at most once.
 *
 * <p>Mutated only by the coordinator thread; {@link #size()} may be read by any thread (the metric
 * reporter).
 */
@Internal
final class UnassignedWindows {

    /** The order of the checkpointed lists, and of a tenant's queue: by start. */
    static final Comparator<WindowSplit> ASSIGNMENT_ORDER =
            Comparator.comparingLong(WindowSplit::startMillis)
                    .thenComparing(WindowSplit::tenant)
                    .thenComparingLong(WindowSplit::endMillis);

    private final Map<String, TreeSet<WindowSplit>> byTenant = new HashMap<>();
    private volatile int size;

    /** Adds the window unless it is already waiting; returns whether it was added. */
    boolean add(WindowSplit window) {
        boolean added =
                byTenant.computeIfAbsent(window.tenant(), t -> new TreeSet<>(ASSIGNMENT_ORDER))
                        .add(window);
        if (added) size++;
        return added;
    }

    /** Whether {@code tenant} has a window waiting that starts before {@code beforeMillis}. */
    boolean hasBefore(String tenant, long beforeMillis) {
        TreeSet<WindowSplit> queue = byTenant.get(tenant);
        return queue != null && queue.first().startMillis() < beforeMillis;
    }

    /** Whether {@code tenant} has a window waiting that starts at or after {@code fromMillis}. */
    boolean hasFrom(String tenant, long fromMillis) {
        TreeSet<WindowSplit> queue = byTenant.get(tenant);
        return queue != null && queue.last().startMillis() >= fromMillis;
    }

    /** Removes and returns the oldest window of {@code tenant}, or null. */
    @Nullable
    WindowSplit pollFirst(String tenant) {
        TreeSet<WindowSplit> queue = byTenant.get(tenant);
        return queue == null ? null : removed(tenant, queue, queue.first());
    }

    /**
     * Removes and returns the oldest window of {@code tenant} starting at or after {@code
     * fromMillis}, or null.
     */
    @Nullable
    WindowSplit pollFrom(String tenant, long fromMillis) {
        TreeSet<WindowSplit> queue = byTenant.get(tenant);
        if (queue == null) return null;
        WindowSplit probe =
                WindowSplit.of(tenant, fromMillis, fromMillis + 1); // first at fromMillis
        WindowSplit found = queue.ceiling(probe);
        return found == null ? null : removed(tenant, queue, found);
    }

    private WindowSplit removed(String tenant, TreeSet<WindowSplit> queue, WindowSplit window) {
        queue.remove(window);
        if (queue.isEmpty()) byTenant.remove(tenant);
        size--;
        return window;
    }

    /** Removes and returns the windows of {@code tenant}, in assignment order. */
    List<WindowSplit> removeTenant(String tenant) {
        TreeSet<WindowSplit> queue = byTenant.remove(tenant);
        if (queue == null) return List.of();
        size -= queue.size();
        return new ArrayList<>(queue);
    }

    /** Where the oldest waiting window of {@code tenant} starts; Long.MAX_VALUE if none waits. */
    long firstStart(String tenant) {
        TreeSet<WindowSplit> queue = byTenant.get(tenant);
        return queue == null ? Long.MAX_VALUE : queue.first().startMillis();
    }

    /** Whether {@code tenant} has any window waiting. */
    boolean has(String tenant) {
        return byTenant.containsKey(tenant);
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Every waiting window, in {@link #ASSIGNMENT_ORDER}. */
    List<WindowSplit> snapshot() {
        List<WindowSplit> all = new ArrayList<>(size);
        byTenant.values().forEach(all::addAll);
        all.sort(ASSIGNMENT_ORDER);
        return all;
    }
}
