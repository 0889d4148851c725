package io.httpsync.simulator.data;

import io.httpsync.simulator.SimClock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The live records of one tenant (a shop). Reads see a consistent state: a query never observes a
 * record half-moved by a concurrent update. Updates move a record to a newer update time, exactly
 * as on a live shop, so paging a window while mutations run reproduces the platforms' shifting
 * pages.
 */
public final class TenantData {
    /**
     * Sort order of list queries: time then id, both in the requested direction for time, id always
     * ascending.
     */
    private static Comparator<SimRecord> order(TimeField field, boolean descending) {
        Comparator<SimRecord> byTime = Comparator.comparingLong(field::of);
        return (descending ? byTime.reversed() : byTime).thenComparingLong(SimRecord::id);
    }

    private final String tenantId;
    private final SimClock clock;
    private final long resolution;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Long, SimRecord> live = new HashMap<>();

    /**
     * The live records by (update time, id) and (create time, id): a page costs the window's size,
     * not the shop's.
     */
    private final NavigableSet<SimRecord> byUpdate = new TreeSet<>(timeOrder(TimeField.UPDATE));

    private final NavigableSet<SimRecord> byCreate = new TreeSet<>(timeOrder(TimeField.CREATE));

    /**
     * The last version of each deleted record: platforms whose ids embed record fields still render
     * their ids.
     */
    private final Map<Long, SimRecord> deleted = new HashMap<>();

    private final Random random;
    private long nextId;

    public TenantData(String tenantId, SimClock clock, DataSpec spec, long firstId) {
        this.tenantId = tenantId;
        this.clock = clock;
        this.resolution = spec.timeResolutionMillis();
        this.random = new Random(spec.seed() ^ tenantId.hashCode());
        this.nextId = firstId;
        long now = clock.now();
        for (int i = 0; i < spec.records(); i++) {
            long created = now - 1 - (long) (random.nextDouble() * spec.spanMillis());
            addGenerated(created, now);
        }
        for (HotWindow w : spec.hotWindows()) {
            long start = now - w.startAgoMillis();
            for (int i = 0; i < w.records(); i++) {
                long created = start + (long) (random.nextDouble() * w.widthMillis());
                addGeneratedInside(created, start + w.widthMillis());
            }
        }
    }

    private void addGenerated(long created, long now) {
        long c = truncate(created);
        long delay = (long) (random.nextDouble() * Math.min(3_600_000L, Math.max(0, now - 1 - c)));
        long u = truncate(Math.min(now - 1, c + delay));
        putNew(c, Math.max(c, u));
    }

    /** Records of a hot window are updated inside it, so the window is hot on both time axes. */
    private void addGeneratedInside(long created, long endExclusive) {
        long c = truncate(created);
        long room = Math.max(0, endExclusive - 1 - c);
        long u = truncate(c + (long) (random.nextDouble() * Math.min(room, 60_000L)));
        putNew(c, Math.max(c, u));
    }

    private SimRecord putNew(long created, long updated) {
        return putNew(created, updated, "buyer" + random.nextInt(10_000));
    }

    private SimRecord putNew(long created, long updated, String buyer) {
        long id = nextId++;
        SimRecord r =
                new SimRecord(
                        id,
                        created,
                        updated,
                        1,
                        random.nextInt(7),
                        100 + random.nextInt(100_000),
                        buyer);
        putLive(r);
        return r;
    }

    private static Comparator<SimRecord> timeOrder(TimeField field) {
        return Comparator.comparingLong(field::of).thenComparingLong(SimRecord::id);
    }

    /**
     * Adds or replaces a live record in the map and both indexes; callers hold the write lock (or
     * construct).
     */
    private void putLive(SimRecord r) {
        SimRecord previous = live.put(r.id(), r);
        if (previous != null) {
            byUpdate.remove(previous);
            byCreate.remove(previous);
        }
        byUpdate.add(r);
        byCreate.add(r);
    }

    private SimRecord removeLive(long id) {
        SimRecord r = live.remove(id);
        if (r != null) {
            byUpdate.remove(r);
            byCreate.remove(r);
        }
        return r;
    }

    /** A probe that sorts before every record at {@code time} in both indexes. */
    private static SimRecord at(long time) {
        return new SimRecord(Long.MIN_VALUE, time, time, 0, 0, 0, "");
    }

    private long truncate(long t) {
        return t - Math.floorMod(t, resolution);
    }

    public String tenantId() {
        return tenantId;
    }

    /**
     * The records whose {@code field} lies in {@code [from, to)}, sorted by that field (newest
     * first when {@code descending}) and then by id.
     */
    public List<SimRecord> query(TimeField field, long from, long to, boolean descending) {
        lock.readLock().lock();
        try {
            if (from >= to) return new ArrayList<>();
            NavigableSet<SimRecord> index = field == TimeField.UPDATE ? byUpdate : byCreate;
            List<SimRecord> out = new ArrayList<>(index.subSet(at(from), true, at(to), false));
            out.sort(order(field, descending));
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    public SimRecord get(long id) {
        lock.readLock().lock();
        try {
            return live.get(id);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Updates a random live record now (moves it to the newest update time). Returns it, or null if
     * none.
     */
    public SimRecord updateRandom() {
        lock.writeLock().lock();
        try {
            if (live.isEmpty()) return null;
            return updateLocked(pickLocked());
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Updates the given record now. Returns the new version, or null if it does not exist (or was
     * deleted).
     */
    public SimRecord update(long id) {
        lock.writeLock().lock();
        try {
            SimRecord r = live.get(id);
            return r == null ? null : updateLocked(r);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private SimRecord updateLocked(SimRecord r) {
        // strictly newer than the previous version, so "newest version wins" is decidable by update
        // time alone
        long t = Math.max(truncate(clock.now()), r.updateTime() + resolution);
        SimRecord next = r.updatedAt(t);
        putLive(next);
        return next;
    }

    /** Creates a new record now. */
    public SimRecord insert() {
        lock.writeLock().lock();
        try {
            long now = truncate(clock.now());
            return putNew(now, now);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Creates a new record, created and updated at {@code time} (truncated to the time resolution),
     * whose buyer nick is {@code buyer}: a known payload at a known time, for tests that check what
     * a sync returns record by record. Records inserted at the same time are listed in insertion
     * order (ids ascend, and ties on time sort by id).
     */
    public SimRecord insert(long time, String buyer) {
        lock.writeLock().lock();
        try {
            long t = truncate(time);
            return putNew(t, t, buyer);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Deletes a random live record. Returns it, or null if none. */
    public SimRecord deleteRandom() {
        lock.writeLock().lock();
        try {
            if (live.isEmpty()) return null;
            SimRecord r = pickLocked();
            removeLive(r.id());
            deleted.put(r.id(), r);
            return r;
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean delete(long id) {
        lock.writeLock().lock();
        try {
            SimRecord r = removeLive(id);
            if (r == null) return false;
            deleted.put(id, r);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private SimRecord pickLocked() {
        // HashMap iteration order is arbitrary; skipping a random number of entries gives a fair
        // enough pick
        int skip = random.nextInt(live.size());
        for (SimRecord r : live.values()) {
            if (skip-- == 0) return r;
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * All live records, sorted by id, and the ids deleted so far: the platform's state as of now.
     */
    public Snapshot snapshot() {
        lock.readLock().lock();
        try {
            List<SimRecord> records = new ArrayList<>(live.values());
            records.sort(Comparator.comparingLong(SimRecord::id));
            List<Long> gone = new ArrayList<>(deleted.keySet());
            gone.sort(null);
            return new Snapshot(records, gone);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The last version of a deleted record, or null if the record was never deleted. */
    public SimRecord deletedRecord(long id) {
        lock.readLock().lock();
        try {
            return deleted.get(id);
        } finally {
            lock.readLock().unlock();
        }
    }

    public int size() {
        lock.readLock().lock();
        try {
            return live.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A consistent view of a tenant's records. */
    public record Snapshot(List<SimRecord> live, List<Long> deletedIds) {}
}
