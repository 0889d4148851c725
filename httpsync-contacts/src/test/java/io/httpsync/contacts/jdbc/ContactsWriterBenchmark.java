package io.httpsync.contacts.jdbc;

import io.httpsync.connector.sink.SqlDialect;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.plan.Planner;
import io.httpsync.contacts.plan.WritePlan;
import io.httpsync.simulator.SimClock;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;

/**
 * The dependency-ordered parallel writer against the first version's serial order, on one embedded
 * PostgreSQL in one run (not a test: a {@code main}; see docs/benchmarks.md). The directory is the
 * simulator's generator's (500 departments, 10,000 employees by default, every department with
 * members headed by one of them, leader loops):
 *
 * <ol>
 *   <li>parallel: {@link ContactsWriter} with the given concurrency and batch size into an empty
 *       corp;
 *   <li>serial, one write at a time as the first version did: all departments (parents first,
 *       without heads), then all employees (without leaders, with their memberships), then every
 *       department's heads and every employee's leader, each write its own transaction.
 * </ol>
 *
 * Both corps are read back and compared with the directory.
 *
 * <p>Arguments: departments, employees, concurrency, batch size (defaults 500 10000 4 200).
 */
public final class ContactsWriterBenchmark {
    private ContactsWriterBenchmark() {}

    public static void main(String[] args) throws Exception {
        int departments = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int employees = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        Directory.Snapshot s =
                Directory.generate(
                                "bench",
                                DirectorySpec.of(departments, employees)
                                        .maxDepth(5)
                                        .multiDepartmentShare(0.1)
                                        .leaderCycles(20)
                                        .leaderCycleLength(4)
                                        .seed(1),
                                new SimClock())
                        .snapshot();
        CorpDirectory parallelCorp = directory("bench-parallel", s);
        CorpDirectory serialCorp = directory("bench-serial", s);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            ContactsSchema schema = new ContactsSchema(SqlDialect.POSTGRES, "contacts_");
            ContactsWriter writer =
                    new ContactsWriter(
                            () -> DriverManager.getConnection(url, "postgres", ""),
                            schema,
                            new ContactsWriter.Options(concurrency, batch, false, 1.0));
            writer.createTables();
            // warm-up: a small corp through both paths (JIT, connections)
            CorpDirectory warm =
                    directory(
                            "warm-up",
                            Directory.generate(
                                            "warm",
                                            DirectorySpec.of(30, 300).seed(2),
                                            new SimClock())
                                    .snapshot());
            writer.sync("warm", "bench", warm, ContactsWriter.ProgressListener.NONE);
            serial(
                    url,
                    schema,
                    directory(
                            "warm-up-serial",
                            Directory.generate(
                                            "warm",
                                            DirectorySpec.of(30, 300).seed(2),
                                            new SimClock())
                                    .snapshot()));

            long planStart = System.nanoTime();
            WritePlan plan =
                    Planner.plan(
                            parallelCorp.departments().values(), parallelCorp.employees().values());
            long planMillis = (System.nanoTime() - planStart) / 1_000_000;

            long t0 = System.nanoTime();
            SyncReport report =
                    writer.sync(
                            "bench", "bench", parallelCorp, ContactsWriter.ProgressListener.NONE);
            long parallelMillis = (System.nanoTime() - t0) / 1_000_000;

            long t1 = System.nanoTime();
            int serialWrites = serial(url, schema, serialCorp);
            long serialMillis = (System.nanoTime() - t1) / 1_000_000;

            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                check(parallelCorp, StoredState.load(c, schema, parallelCorp.corpId()).live());
                check(serialCorp, StoredState.load(c, schema, serialCorp.corpId()).live());
            }
            System.out.printf(
                    "directory: %d departments, %d employees; plan: %d components, %d merged cycles, %d degraded, planned in %d ms%n",
                    parallelCorp.departments().size(),
                    parallelCorp.employees().size(),
                    plan.components().size(),
                    plan.cyclicComponents(),
                    plan.degraded(),
                    planMillis);
            System.out.printf(
                    "parallel (concurrency %d, batches of %d): %s in %d ms%n",
                    concurrency, batch, report.status(), parallelMillis);
            System.out.printf(
                    "serial (one write at a time, %d writes): %d ms%n", serialWrites, serialMillis);
            System.out.printf(
                    "ratio serial / parallel: %.1f%n", (double) serialMillis / parallelMillis);
        }
    }

    /** The first version's order, one write per transaction; returns the number of writes. */
    private static int serial(String url, ContactsSchema schema, CorpDirectory d) throws Exception {
        RowWriter rows = new RowWriter(schema, d.corpId(), "serial");
        int writes = 0;
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            c.setAutoCommit(false);
            List<Department> treeOrder = new ArrayList<>();
            List<String> level = new ArrayList<>();
            d.departments().values().stream()
                    .filter(Department::isRoot)
                    .forEach(r -> level.add(r.id()));
            while (!level.isEmpty()) {
                List<String> next = new ArrayList<>();
                for (String id : level) {
                    treeOrder.add(d.departments().get(id));
                    d.departments().values().stream()
                            .filter(x -> id.equals(x.parentId()))
                            .forEach(x -> next.add(x.id()));
                }
                level.clear();
                level.addAll(next);
            }
            for (Department dep : treeOrder) {
                rows.write(
                        c,
                        List.of(
                                new RowWriter.Item(
                                        dep.ref(), dep, false, true, SyncAction.CREATED)));
                c.commit();
                writes++;
            }
            for (Employee e : d.employees().values()) {
                rows.write(
                        c,
                        List.of(new RowWriter.Item(e.ref(), e, false, true, SyncAction.CREATED)));
                c.commit();
                writes++;
            }
            for (Department dep : treeOrder) {
                rows.patch(
                        c,
                        List.of(
                                new RowWriter.Item(
                                        dep.ref(), dep, true, true, SyncAction.CREATED)));
                c.commit();
                writes++;
            }
            for (Employee e : d.employees().values()) {
                rows.patch(
                        c, List.of(new RowWriter.Item(e.ref(), e, true, true, SyncAction.CREATED)));
                c.commit();
                writes++;
            }
        }
        return writes;
    }

    private static void check(CorpDirectory expected, CorpDirectory actual) {
        if (!expected.equals(actual))
            throw new AssertionError(expected.corpId() + ": the tables differ from the directory");
    }

    private static CorpDirectory directory(String corp, Directory.Snapshot s) {
        List<Department> ds = new ArrayList<>();
        for (io.httpsync.simulator.contacts.Department d : s.departments()) {
            ds.add(
                    new Department(
                            "d" + d.id(),
                            d.isRoot() ? null : "d" + d.parentId(),
                            d.name(),
                            d.order(),
                            d.headIds().stream().map(h -> "u" + h).toList()));
        }
        List<Employee> es = new ArrayList<>();
        for (io.httpsync.simulator.contacts.Employee u : s.users()) {
            es.add(
                    new Employee(
                            "u" + u.id(),
                            u.name(),
                            u.departmentIds().stream().map(x -> "d" + x).toList(),
                            u.hasLeader() ? "u" + u.leaderId() : null,
                            u.title(),
                            u.mobile(),
                            u.email()));
        }
        return new CorpDirectory(corp, ds, es);
    }
}
