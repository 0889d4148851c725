package io.httpsync.connector.ratelimit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Resources shared by every limiter of this class loader (a worker thread, a Redis connection,
 * concurrency counters), reference-counted: created by the first {@link #acquire}, disposed of when
 * the last {@link Lease} is closed.
 *
 * <p><b>Why.</b> In a session cluster, Flink loads a job's classes in a class loader of its own and
 * drops it when the job ends; a static thread or connection that outlives the job keeps running and
 * pins the class loader (and so every class of the job) for the life of the TaskManager. Readers
 * take a lease in {@code createReader} and close it in {@code close}, so nothing of a cancelled job
 * is left.
 *
 * <p>Thread-safe: {@link #acquire} and {@link Lease#close} are synchronized on this object;
 * creation and disposal run under that lock (they are quick: a thread pool, a client object).
 */
@Internal
final class JvmShared<K, V> {
    private final Function<K, V> create;
    private final Consumer<V> dispose;
    private final Map<K, Entry<V>> entries = new HashMap<>();

    JvmShared(Function<K, V> create, Consumer<V> dispose) {
        this.create = create;
        this.dispose = dispose;
    }

    /** The resource of {@code key}, created if no lease holds it; close the lease when done. */
    synchronized Lease acquire(K key) {
        Entry<V> e = entries.computeIfAbsent(key, k -> new Entry<>(create.apply(k)));
        e.leases++;
        return new Lease(key, e.value);
    }

    /** How many resources are alive (held by at least one lease). */
    @VisibleForTesting
    synchronized int alive() {
        return entries.size();
    }

    /** How many leases are open, over all resources. */
    @VisibleForTesting
    synchronized int leases() {
        return entries.values().stream().mapToInt(e -> e.leases).sum();
    }

    private synchronized void release(K key, V value) {
        Entry<V> e = entries.get(key);
        if (e == null || e.value != value) return;
        if (--e.leases == 0) {
            entries.remove(key);
            dispose.accept(value);
        }
    }

    private static final class Entry<V> {
        final V value;
        int leases;

        Entry(V value) {
            this.value = value;
        }
    }

    /** One holder's use of a shared resource; closing it more than once is harmless. */
    final class Lease implements AutoCloseable {
        private final K key;
        private final V value;
        private boolean closed;

        private Lease(K key, V value) {
            this.key = key;
            this.value = value;
        }

        V value() {
            return value;
        }

        @Override
        public void close() {
            synchronized (JvmShared.this) {
                if (closed) return;
                closed = true;
                release(key, value);
            }
        }
    }
}
