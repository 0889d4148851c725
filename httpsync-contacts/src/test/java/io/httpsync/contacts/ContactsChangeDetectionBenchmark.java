package io.httpsync.contacts;

import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.jdbc.SyncReport;
import io.httpsync.contacts.testutil.ContactsSimulation;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.util.Comparator;
import java.util.List;

/**
 * Change detection at scale (not a test: a {@code main}; see docs/benchmarks.md): one corp of the
 * simulator's WeCom (500 departments, 10,000 employees by default, depth 5, leader loops) synced by
 * {@link ContactsSync} into an embedded PostgreSQL four times: into empty tables; again, unchanged;
 * after one employee's title changed in one of the deepest departments; after one department moved
 * to another parent. Per run: requests to the platform, hashes compared, rows written, entities
 * created/updated/deleted, the write phase's time; the tables are compared with ground truth after
 * each run.
 *
 * <p>Arguments: departments, employees (defaults 500 10000).
 */
public final class ContactsChangeDetectionBenchmark {
    private ContactsChangeDetectionBenchmark() {}

    public static void main(String[] args) throws Exception {
        int departments = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int employees = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        DirectorySpec spec =
                DirectorySpec.of(departments, employees)
                        .maxDepth(5)
                        .multiDepartmentShare(0.1)
                        .leaderCycles(20)
                        .leaderCycleLength(4)
                        .seed(1);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                ContactsSimulation sim =
                        new ContactsSimulation(ContactsPlatform.WECOM, "bench", spec);
                ContactsSync sync =
                        new ContactsSync(
                                List.of(sim.corp()),
                                pg.getJdbcUrl("postgres", "postgres"),
                                "postgres",
                                "",
                                "contacts_",
                                new ContactsWriter.Options(4, 200, false, 0.5),
                                1)) {
            sync.createTables();
            System.out.println(
                    "| run | requests | hashes compared | rows written | created / updated / deleted | write phase | equal to ground truth |");
            System.out.println("|---|---|---|---|---|---|---|");
            run(sync, sim, "first (empty tables)");
            run(sync, sim, "second, unchanged");
            Directory.Snapshot s = sim.directory().snapshot();
            Employee deep =
                    s.users().stream()
                            .max(
                                    Comparator.comparingInt(
                                                    (Employee u) -> s.depth(u.mainDepartmentId()))
                                            .thenComparing(u -> -u.id()))
                            .orElseThrow();
            sim.directory().setUserTitle(deep.id(), "Principal engineer");
            run(sync, sim, "one title changed (depth " + s.depth(deep.mainDepartmentId()) + ")");
            io.httpsync.simulator.contacts.Department moved =
                    s.departments().stream()
                            .filter(d -> s.depth(d.id()) >= 2 && !s.children(d.id()).isEmpty())
                            .findFirst()
                            .orElseThrow();
            long newParent =
                    s.children(Directory.ROOT_ID).stream()
                            .filter(
                                    d ->
                                            s.subtree(d.id()).stream()
                                                    .noneMatch(x -> x.id() == moved.id()))
                            .findFirst()
                            .orElseThrow()
                            .id();
            sim.directory().moveDepartment(moved.id(), newParent);
            run(
                    sync,
                    sim,
                    "one department moved ("
                            + s.subtree(moved.id()).size()
                            + " departments below it and itself)");
            // the comparison before change detection: every row read and compared
            try (java.sql.Connection c = sync.connect();
                    java.sql.Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM " + sync.schema().corpHash());
            }
            run(sync, sim, "unchanged, without stored hashes (the whole corp read and compared)");
        }
    }

    private static void run(ContactsSync sync, ContactsSimulation sim, String what)
            throws Exception {
        ContactsSync.Outcome o =
                sync.run("bench-" + System.nanoTime(), ContactsWriter.ProgressListener.NONE).get(0);
        SyncReport r = o.report();
        if (r.status() != SyncReport.Status.OK)
            throw new AssertionError(what + ": " + r.status() + " " + r.message());
        DirectoryComparison c =
                DirectoryComparison.compare(
                        sim.truth(sync.fetcher(sim.corp())), sync.stored(sim.corpId));
        System.out.printf(
                "| %s | %,d | %,d | %,d | %,d / %,d / %,d | %,d ms | %s |%n",
                what,
                o.requests(),
                r.hashesCompared(),
                r.rowsWritten(),
                r.created(),
                r.updated(),
                r.deleted(),
                r.elapsedMillis(),
                c.equal() ? "yes" : "NO " + c.examples());
    }
}
