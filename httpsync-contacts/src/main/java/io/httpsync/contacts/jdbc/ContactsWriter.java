package io.httpsync.contacts.jdbc;

import io.httpsync.contacts.merkle.MerkleTree;
import io.httpsync.contacts.merkle.StoredHashes;
import io.httpsync.contacts.merkle.TreeDiff;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityKind;
import io.httpsync.contacts.model.EntityRef;
import io.httpsync.contacts.plan.Planner;
import io.httpsync.contacts.plan.WritePlan;

import org.apache.flink.annotation.PublicEvolving;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Lands a corp's directory into the {@link ContactsSchema} tables, foreign keys enforced at every
 * statement:
 *
 * <ol>
 *   <li>compares the directory's {@link MerkleTree} with the hashes the last completed run stored,
 *       top-down ({@link TreeDiff}): an equal root ends the run there, nothing written; otherwise
 *       only the departments on changed paths whose own row or members changed are read from the
 *       tables, with their members, and compared entity by entity: created, updated, unchanged,
 *       deleted (without stored hashes, the whole corp is read and compared);
 *   <li>plans the created and updated ones ({@link Planner}: the condensed dependency graph with
 *       cycles merged);
 *   <li>writes the plan with up to {@code concurrency} transactions in flight: a component goes as
 *       soon as every component it depends on is committed (in-degree zero first, the others wait
 *       in a pending pool); components of one entity that are ready together go in JDBC batches of
 *       up to {@code batchSize}; a merged cycle is one transaction of degraded writes and then its
 *       patches;
 *   <li>deletes what is gone, in reverse dependency order with references cleared first (or marks
 *       it, with {@code softDelete}), unless that is more than {@code maxDeleteRatio} of the corp's
 *       entities;
 *   <li>logs each entity it wrote or deleted once in the sync log, and the unchanged rest in one
 *       row; the run in the run table; and, if the run completed (every write in, no deletion
 *       refused), the new hashes along the changed paths, which it cleared before writing.
 * </ol>
 *
 * Progress is entities done &divide; (departments + employees + deleted), reported as it only
 * grows: an entity counts once, when its component is committed (a degraded one when its patch is).
 *
 * <p>Thread contract: {@link #sync} may be called from one thread at a time per instance; it runs
 * its writes on a pool of its own, one JDBC connection per pool thread, and calls the progress
 * listener on the calling thread.
 */
@PublicEvolving
public final class ContactsWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ContactsWriter.class);

    /** Opens a JDBC connection to the database of the tables. */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    /**
     * Told how far a corp's run is; called on the thread running {@link #sync}, with {@code done}
     * never falling.
     */
    @FunctionalInterface
    public interface ProgressListener {
        ProgressListener NONE = (corp, done, total) -> {};

        void onProgress(String corpId, int done, int total);
    }

    /**
     * @param concurrency transactions in flight at once (connections used)
     * @param batchSize the most entities in one JDBC batch
     * @param softDelete mark gone entities {@code deleted} instead of removing their rows
     * @param maxDeleteRatio the largest share of the corp's stored entities one run may delete, in
     *     [0, 1]
     */
    public record Options(
            int concurrency, int batchSize, boolean softDelete, double maxDeleteRatio) {
        public Options {
            if (concurrency < 1)
                throw new IllegalArgumentException(
                        "concurrency must be at least 1, was " + concurrency);
            if (batchSize < 1)
                throw new IllegalArgumentException(
                        "batchSize must be at least 1, was " + batchSize);
            if (!(maxDeleteRatio >= 0 && maxDeleteRatio <= 1))
                throw new IllegalArgumentException(
                        "maxDeleteRatio must lie in [0, 1], was " + maxDeleteRatio);
        }

        public static Options defaults() {
            return new Options(4, 200, false, 0.5);
        }
    }

    private final ConnectionFactory connections;
    private final ContactsSchema schema;
    private final Options options;

    public ContactsWriter(ConnectionFactory connections, ContactsSchema schema, Options options) {
        this.connections = connections;
        this.schema = schema;
        this.options = options;
    }

    /** Creates the tables that do not exist yet. */
    public void createTables() throws SQLException {
        try (Connection c = connections.open()) {
            schema.create(c);
        }
    }

    /** Records a run that wrote nothing because a listing of the corp did not complete. */
    public SyncReport recordIncomplete(String runId, String platform, String corpId, String why)
            throws SQLException {
        SyncReport report =
                new SyncReport(
                        runId,
                        corpId,
                        SyncReport.Status.INCOMPLETE,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        false,
                        why,
                        0,
                        0,
                        0);
        try (Connection c = connections.open()) {
            recordRun(c, platform, report);
        }
        return report;
    }

    /**
     * Makes the tables hold {@code target} for its corp; never throws for a failed write, which the
     * report tells.
     */
    public SyncReport sync(
            String runId, String platform, CorpDirectory target, ProgressListener progress)
            throws SQLException {
        List<String> problems = target.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    target.corpId()
                            + ": the directory is not consistent, nothing written: "
                            + String.join("; ", problems.subList(0, Math.min(5, problems.size()))));
        }
        return new Run(runId, platform, target, progress).execute();
    }

    /**
     * One corp's run; lives on the thread calling {@link #sync}, except for the write tasks it
     * hands its pool.
     */
    private final class Run {
        final String runId;
        final String platform;
        final CorpDirectory target;
        final ProgressListener progress;
        final RowWriter rows;
        final long started = System.currentTimeMillis();
        final Map<EntityRef, RowWriter.Item> items = new HashMap<>();
        final HashStore hashes;

        /**
         * The entities compared row by row (null: all of them); the others are unchanged, as their
         * departments' hashes say.
         */
        Set<EntityRef> examined;

        int unchanged;
        int created;
        int updated;
        int done;
        int total;
        int violations;

        Run(String runId, String platform, CorpDirectory target, ProgressListener progress) {
            this.runId = runId;
            this.platform = platform;
            this.target = target;
            this.progress = progress;
            this.rows = new RowWriter(schema, target.corpId(), runId);
            this.hashes = new HashStore(schema, target.corpId());
        }

        SyncReport execute() throws SQLException {
            BlockingQueue<Connection> pool = new ArrayBlockingQueue<>(options.concurrency());
            ExecutorService threads =
                    Executors.newFixedThreadPool(
                            options.concurrency(),
                            r -> {
                                Thread t = new Thread(r, "contacts-writer-" + target.corpId());
                                t.setDaemon(true);
                                return t;
                            });
            try {
                for (int i = 0; i < options.concurrency(); i++) {
                    Connection c = connections.open();
                    c.setAutoCommit(false);
                    // no gap locks between the parallel transactions (MySQL/MariaDB's default
                    // REPEATABLE READ takes
                    // them on the relation rows' deletes); each transaction writes rows no other
                    // one in flight touches
                    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    pool.add(c);
                }
                MerkleTree tree = MerkleTree.of(target);
                Connection first = pool.take();
                StoredHashes storedHashes;
                TreeDiff diff;
                StoredState stored;
                try {
                    // the root alone first: for an unchanged corp it is all there is to read
                    StoredHashes root = hashes.loadRoot(first);
                    storedHashes = root.rootMatches(tree) ? root : hashes.loadAll(first, root);
                    diff = TreeDiff.compare(tree, storedHashes);
                    stored = read(first, tree, diff);
                    first.commit();
                } finally {
                    pool.add(first);
                }
                compare(stored);
                Deletions deletions = deletions(stored);
                total = target.size() + deletions.count();
                unchanged = target.size() - created - updated;
                inTransaction(pool, c -> rows.logUnchanged(c, unchanged));
                advance(unchanged);
                if (!items.isEmpty() || deletions.count() > 0 || deletions.refusal != null) {
                    // a run that stops half way must not leave hashes that vouch for what it
                    // changed
                    inTransaction(pool, c -> hashes.invalidate(c, diff, tree, storedHashes, runId));
                }
                WritePlan plan =
                        Planner.plan(
                                items.values().stream()
                                        .filter(i -> i.ref().kind() == EntityKind.DEPARTMENT)
                                        .map(RowWriter.Item::department)
                                        .toList(),
                                items.values().stream()
                                        .filter(i -> i.ref().kind() == EntityKind.EMPLOYEE)
                                        .map(RowWriter.Item::employee)
                                        .toList(),
                                ref ->
                                        stored.hasRow(ref)
                                                || (examined != null
                                                        && !examined.contains(ref)
                                                        && inTarget(ref)));
                String failure = writeInOrder(plan, pool, threads);
                boolean refused = false;
                int deleted = 0;
                if (failure == null) {
                    if (deletions.refusal != null) {
                        refused = true;
                        LOG.warn("{}", deletions.refusal);
                    } else if (deletions.count() > 0) {
                        try {
                            inTransaction(
                                    pool,
                                    c ->
                                            rows.delete(
                                                    c,
                                                    deletions.employees,
                                                    deletions.departmentsByLevel,
                                                    options.softDelete()));
                            deleted = deletions.count();
                            advance(deleted);
                        } catch (SQLException e) {
                            failure = describe(e);
                            violations += isViolation(e) ? 1 : 0;
                        }
                    }
                }
                SyncReport report =
                        new SyncReport(
                                runId,
                                target.corpId(),
                                failure == null ? SyncReport.Status.OK : SyncReport.Status.FAILED,
                                created,
                                updated,
                                unchanged,
                                deleted,
                                plan.degraded(),
                                plan.cyclicComponents(),
                                violations,
                                refused,
                                failure != null ? failure : refused ? deletions.refusal : null,
                                System.currentTimeMillis() - started,
                                diff.hashesCompared(),
                                rows.rowsWritten());
                boolean completed = failure == null && !refused;
                inTransaction(
                        pool,
                        c -> {
                            // in the run record's transaction: hashes are never newer than the
                            // record of the run that made the tables match them
                            if (completed) hashes.store(c, diff, tree, runId);
                            recordRun(c, platform, report);
                        });
                return report;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException(target.corpId() + ": interrupted while writing", e);
            } finally {
                threads.shutdownNow();
                for (Connection c : pool) closeQuietly(c);
            }
        }

        /**
         * Reads the rows the comparison needs: none for an unchanged corp; all for a full one; else
         * the changed departments' rows and their members' rows (members the directory lists and
         * members the tables hold, so that a departure or a move out is seen).
         */
        StoredState read(Connection c, MerkleTree tree, TreeDiff diff) throws SQLException {
            if (diff.full()) return StoredState.load(c, schema, target.corpId());
            examined = new HashSet<>();
            if (diff.unchanged())
                return new StoredState(
                        new CorpDirectory(target.corpId(), List.of(), List.of()), Set.of());
            Set<String> users = new HashSet<>();
            for (String d : diff.dirty()) {
                examined.add(EntityRef.department(d));
                MerkleTree.Node n = tree.node(d);
                if (n != null) users.addAll(n.members());
            }
            users.addAll(StoredState.members(c, schema, target.corpId(), diff.dirty()));
            users.forEach(u -> examined.add(EntityRef.employee(u)));
            return StoredState.load(c, schema, target.corpId(), diff.dirty(), users);
        }

        boolean inTarget(EntityRef ref) {
            return ref.kind() == EntityKind.DEPARTMENT
                    ? target.departments().containsKey(ref.id())
                    : target.employees().containsKey(ref.id());
        }

        /** Classifies the examined entities of the directory: created, updated or unchanged. */
        void compare(StoredState stored) {
            for (Department d : target.departments().values()) {
                if (examined != null && !examined.contains(d.ref())) continue;
                Department old = stored.live().departments().get(d.id());
                classify(
                        d.ref(),
                        d,
                        old,
                        old == null ? null : old.equals(d),
                        stored.softDeleted().contains(d.ref()));
            }
            for (Employee e : target.employees().values()) {
                if (examined != null && !examined.contains(e.ref())) continue;
                Employee old = stored.live().employees().get(e.id());
                classify(
                        e.ref(),
                        e,
                        old,
                        old == null ? null : old.equals(e),
                        stored.softDeleted().contains(e.ref()));
            }
        }

        private void classify(
                EntityRef ref, Object entity, Object old, Boolean same, boolean softDeleted) {
            if (Boolean.TRUE.equals(same)) {
                return;
            } else if (old != null) {
                updated++;
                items.put(ref, new RowWriter.Item(ref, entity, true, false, SyncAction.UPDATED));
            } else {
                created++;
                items.put(
                        ref,
                        new RowWriter.Item(ref, entity, softDeleted, false, SyncAction.CREATED));
            }
        }

        /**
         * Runs the plan: a dispatcher loop on this thread hands ready components to the pool and,
         * as each task commits, releases the components waiting on it. Returns null, or what failed
         * (then no further component is started, and those in flight are waited for).
         */
        String writeInOrder(WritePlan plan, BlockingQueue<Connection> pool, ExecutorService threads)
                throws InterruptedException {
            List<WritePlan.Component> components = plan.components();
            int[] waiting = new int[components.size()];
            Deque<WritePlan.Component> ready = new ArrayDeque<>();
            for (WritePlan.Component c : components) {
                waiting[c.index()] = c.dependsOn().length;
                if (waiting[c.index()] == 0) ready.add(c);
            }
            ExecutorCompletionService<List<WritePlan.Component>> completions =
                    new ExecutorCompletionService<>(threads);
            int inFlight = 0;
            int finished = 0;
            String failure = null;
            while (finished < components.size()) {
                if (failure == null) {
                    for (List<WritePlan.Component> task : tasks(ready)) {
                        completions.submit(
                                () -> {
                                    run(task, pool);
                                    return task;
                                });
                        inFlight++;
                    }
                }
                if (inFlight == 0) break; // failed, and nothing is left in flight
                Future<List<WritePlan.Component>> next = completions.take();
                inFlight--;
                try {
                    for (WritePlan.Component c : next.get()) {
                        finished++;
                        advance(c.writes().size());
                        for (int d : c.dependents()) {
                            if (--waiting[d] == 0) ready.add(components.get(d));
                        }
                    }
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SQLException s && isViolation(s)) violations++;
                    if (failure == null)
                        failure =
                                cause instanceof SQLException s
                                        ? describe(s)
                                        : String.valueOf(cause);
                    LOG.warn(
                            "{}: a write failed; no further component is started: {}",
                            target.corpId(),
                            failure);
                }
            }
            return failure;
        }

        /**
         * The ready components as tasks: each merged cycle alone; single entities in batches, split
         * so that every pool thread gets some while each batch stays at most {@code batchSize}.
         */
        List<List<WritePlan.Component>> tasks(Deque<WritePlan.Component> ready) {
            List<List<WritePlan.Component>> out = new ArrayList<>();
            List<WritePlan.Component> singles = new ArrayList<>();
            while (!ready.isEmpty()) {
                WritePlan.Component c = ready.poll();
                if (c.cyclic()) {
                    out.add(List.of(c));
                } else {
                    singles.add(c);
                }
            }
            int chunk =
                    Math.max(
                            1,
                            Math.min(
                                    options.batchSize(),
                                    (singles.size() + options.concurrency() - 1)
                                            / options.concurrency()));
            for (int i = 0; i < singles.size(); i += chunk)
                out.add(singles.subList(i, Math.min(singles.size(), i + chunk)));
            return out;
        }

        /** One task on a pool thread: one transaction on a connection of the pool. */
        void run(List<WritePlan.Component> task, BlockingQueue<Connection> pool) throws Exception {
            inTransaction(
                    pool,
                    c -> {
                        if (task.size() == 1 && task.get(0).cyclic()) {
                            WritePlan.Component cycle = task.get(0);
                            List<RowWriter.Item> degraded = new ArrayList<>();
                            for (WritePlan.EntityWrite w : cycle.writes()) {
                                RowWriter.Item item = item(w);
                                rows.write(c, List.of(item));
                                if (w.degraded()) degraded.add(item);
                            }
                            rows.patch(c, degraded);
                        } else {
                            rows.write(
                                    c,
                                    task.stream().map(comp -> item(comp.writes().get(0))).toList());
                        }
                    });
        }

        RowWriter.Item item(WritePlan.EntityWrite w) {
            RowWriter.Item i = items.get(w.ref());
            return new RowWriter.Item(i.ref(), i.entity(), i.rowExists(), w.degraded(), i.action());
        }

        void advance(int n) {
            if (n == 0) return;
            done += n;
            progress.onProgress(target.corpId(), done, total);
        }

        Deletions deletions(StoredState stored) {
            List<String> employees =
                    stored.live().employees().keySet().stream()
                            .filter(id -> !target.employees().containsKey(id))
                            .toList();
            Map<Integer, List<String>> byDepth =
                    new TreeMap<>((a, b) -> Integer.compare(b, a)); // deepest first
            for (Department d : stored.live().departments().values()) {
                if (target.departments().containsKey(d.id())) continue;
                int depth = 0;
                for (Department p = d;
                        p != null && p.parentId() != null;
                        p = stored.live().departments().get(p.parentId())) depth++;
                byDepth.computeIfAbsent(depth, k -> new ArrayList<>()).add(d.id());
            }
            int count = employees.size() + byDepth.values().stream().mapToInt(List::size).sum();
            // the stored entities: those read, and those the hashes vouch for (not read, unchanged)
            int candidates =
                    stored.live().size()
                            + (examined == null
                                    ? 0
                                    : target.size()
                                            - (int)
                                                    examined.stream()
                                                            .filter(this::inTarget)
                                                            .count());
            String refusal = null;
            if (count > 0 && count > options.maxDeleteRatio() * candidates) {
                refusal =
                        String.format(
                                "%s: the run would delete %d of the %d stored departments and employees (more than %.0f%%); "
                                        + "refused, nothing deleted",
                                target.corpId(), count, candidates, 100 * options.maxDeleteRatio());
            }
            return new Deletions(employees, new ArrayList<>(byDepth.values()), refusal);
        }
    }

    private record Deletions(
            List<String> employees, List<List<String>> departmentsByLevel, String refusal) {
        int count() {
            return refusal != null
                    ? 0
                    : employees.size() + departmentsByLevel.stream().mapToInt(List::size).sum();
        }
    }

    @FunctionalInterface
    private interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    /**
     * Runs work in one transaction on a connection borrowed from the pool; rolls back if it fails,
     * and runs it again (up to {@value #ATTEMPTS} times) if the database chose it as a deadlock
     * victim or could not serialize it.
     */
    private static void inTransaction(BlockingQueue<Connection> pool, SqlWork work)
            throws SQLException, InterruptedException {
        Connection c = pool.take();
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    work.run(c);
                    c.commit();
                    return;
                } catch (SQLException | RuntimeException e) {
                    try {
                        c.rollback();
                    } catch (SQLException rollback) {
                        e.addSuppressed(rollback);
                    }
                    if (attempt >= ATTEMPTS || !(e instanceof SQLException s && isTransient(s)))
                        throw e;
                    LOG.debug("transaction rolled back ({}), running it again", e.getMessage());
                }
            }
        } finally {
            pool.add(c);
        }
    }

    private static final int ATTEMPTS = 3;

    /**
     * A deadlock victim (40P01, MySQL 40001/1213) or a serialization failure (40001): the same work
     * may succeed.
     */
    static boolean isTransient(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (s.getSQLState() != null && s.getSQLState().startsWith("40")) return true;
        }
        return false;
    }

    private void recordRun(Connection c, String platform, SyncReport r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO "
                                + schema.syncRun()
                                + " (run_id, corp_id, platform, status, "
                                + "created, updated, unchanged, deleted, degraded, cycles, message, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                + schema.dialect().now()
                                + ")")) {
            ps.setString(1, r.runId());
            ps.setString(2, r.corpId());
            ps.setString(3, platform);
            ps.setString(4, r.status().name());
            ps.setInt(5, r.created());
            ps.setInt(6, r.updated());
            ps.setInt(7, r.unchanged());
            ps.setInt(8, r.deleted());
            ps.setInt(9, r.degraded());
            ps.setInt(10, r.cycles());
            String message = r.message();
            ps.setString(
                    11,
                    message == null
                            ? null
                            : message.substring(0, Math.min(2000, message.length())));
            ps.executeUpdate();
        }
    }

    private static final String VIOLATION = "constraint violation: ";

    static boolean isViolation(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if (s.getSQLState() != null && s.getSQLState().startsWith("23")) return true;
        }
        return false;
    }

    private static String describe(SQLException e) {
        SQLException root = e.getNextException() != null ? e.getNextException() : e;
        return (isViolation(e) ? VIOLATION : "") + root.getMessage();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing after the run: nothing left to lose
        }
    }
}
