package io.httpsync.contacts;

import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.jdbc.ContactsSchema;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.jdbc.StoredState;
import io.httpsync.contacts.jdbc.SyncReport;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.testutil.ContactsSimulation;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.contacts.testutil.DirectoryMutations;
import io.httpsync.contacts.testutil.RandomDirectories;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Change detection by the Merkle tree against the simulator's WeCom, on PostgreSQL and MariaDB: a
 * corp synced again unchanged costs one hash comparison and writes no row; one employee's new title
 * deep in the tree, and one department moved to another parent, rewrite only that entity, with hash
 * comparisons along the path; the tables equal ground truth after every run. And a run that fails
 * half way leaves no hash vouching for what it wrote.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ContactsChangeDetectionITCase {
    private static final Databases DATABASES = Databases.shared();

    private static ContactsSync.Outcome run(ContactsSync sync, String runId) throws Exception {
        ContactsSync.Outcome o = sync.run(runId, ContactsWriter.ProgressListener.NONE).get(0);
        assertThat(o.report().status()).as(o.report().message()).isEqualTo(SyncReport.Status.OK);
        assertThat(o.report().violations()).isZero();
        return o;
    }

    private static void assertEqualToTruth(ContactsSync sync, ContactsSimulation sim)
            throws Exception {
        DirectoryComparison c =
                DirectoryComparison.compare(
                        sim.truth(sync.fetcher(sim.corp())), sync.stored(sim.corpId));
        assertThat(c.examples()).isEmpty();
        assertThat(c.equal()).isTrue();
    }

    private static Map<String, Integer> log(ContactsSync sync, String runId) throws SQLException {
        Map<String, Integer> out = new java.util.TreeMap<>();
        try (Connection c = sync.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT entity_kind, action, COUNT(*) FROM contacts_sync_log WHERE run_id = '"
                                        + runId
                                        + "' GROUP BY entity_kind, action")) {
            while (rs.next()) out.put(rs.getString(1) + " " + rs.getString(2), rs.getInt(3));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mariadb"})
    void anUnchangedCorpWritesNothingAndASmallChangeRewritesOnlyItsPath(String server)
            throws Exception {
        Databases.Target db = DATABASES.fresh(server);
        DirectorySpec spec = DirectorySpec.of(80, 300).maxDepth(5).multiDepartmentShare(0.2);
        try (ContactsSimulation sim =
                        new ContactsSimulation(ContactsPlatform.WECOM, "corp-cd", spec.seed(3));
                ContactsSync sync = ContactsSyncITCase.sync(db, sim, 2)) {
            sync.createTables();
            ContactsSync.Outcome first = run(sync, "r1");
            assertEqualToTruth(sync, sim);
            assertThat(first.report().hashesCompared()).as("no hashes yet").isZero();
            assertThat(first.report().rowsWritten()).isPositive();
            assertThat(first.requests()).isPositive();

            ContactsSync.Outcome again = run(sync, "r2");

            SyncReport r2 = again.report();
            assertThat(r2.hashesCompared()).as("the root only").isEqualTo(1);
            assertThat(r2.rowsWritten()).isZero();
            assertThat(r2.created() + r2.updated() + r2.deleted()).isZero();
            assertThat(r2.unchanged()).isEqualTo(first.fetched().size());
            assertThat(log(sync, "r2")).isEqualTo(Map.of("CORP UNCHANGED", 1));
            assertThat(again.requests())
                    .as("the directory is listed whole either way")
                    .isEqualTo(first.requests());
            assertEqualToTruth(sync, sim);

            // one employee's title, in one of the deepest departments
            Directory.Snapshot s = sim.directory().snapshot();
            io.httpsync.simulator.contacts.Employee deep =
                    s.users().stream()
                            .max(
                                    Comparator.comparingInt(
                                                    (io.httpsync.simulator.contacts.Employee u) ->
                                                            s.depth(u.mainDepartmentId()))
                                            .thenComparing(u -> -u.id()))
                            .orElseThrow();
            assertThat(s.depth(deep.mainDepartmentId())).isGreaterThanOrEqualTo(3);
            CorpDirectory before = sim.truth(sync.fetcher(sim.corp()));
            sim.directory().setUserTitle(deep.id(), "Principal engineer");
            CorpDirectory after = sim.truth(sync.fetcher(sim.corp()));

            SyncReport r3 = run(sync, "r3").report();

            assertThat(r3.updated()).isEqualTo(1);
            assertThat(r3.created() + r3.deleted()).isZero();
            assertThat(r3.rowsWritten()).isEqualTo(rowsOfUpdates(before, after));
            assertThat(r3.hashesCompared())
                    .as("along the changed path, of %d departments", before.departments().size())
                    .isEqualTo(comparisonsAlongPaths(before, after))
                    .isLessThan(before.departments().size());
            assertThat(log(sync, "r3"))
                    .isEqualTo(Map.of("EMPLOYEE UPDATED", 1, "CORP UNCHANGED", 1));
            assertEqualToTruth(sync, sim);

            // one department moved to another parent (with its subtree and members)
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
            CorpDirectory afterMove = sim.truth(sync.fetcher(sim.corp()));

            SyncReport r4 = run(sync, "r4").report();

            assertThat(r4.updated()).as("the moved department only").isEqualTo(1);
            assertThat(r4.created() + r4.deleted()).isZero();
            assertThat(r4.rowsWritten()).isEqualTo(rowsOfUpdates(after, afterMove));
            assertThat(r4.hashesCompared())
                    .isEqualTo(comparisonsAlongPaths(after, afterMove))
                    .isLessThan(before.departments().size());
            assertThat(log(sync, "r4"))
                    .isEqualTo(Map.of("DEPARTMENT UPDATED", 1, "CORP UNCHANGED", 1));
            assertEqualToTruth(sync, sim);

            // and unchanged again
            assertThat(run(sync, "r5").report().rowsWritten()).isZero();
        }
    }

    /**
     * The hash comparisons a top-down walk makes for a change: the corp's root, each top
     * department, and for each department above a changed entity (in either tree) its leaf hash and
     * the subtree hash of each of its sub-departments (in either tree).
     */
    private static int comparisonsAlongPaths(CorpDirectory before, CorpDirectory after) {
        java.util.Set<String> touched = new java.util.HashSet<>();
        for (CorpDirectory[] pair :
                List.of(new CorpDirectory[] {before, after}, new CorpDirectory[] {after, before})) {
            for (Department d : pair[0].departments().values()) {
                if (!d.equals(pair[1].departments().get(d.id()))) {
                    touched.add(d.id());
                    if (d.parentId() != null) touched.add(d.parentId());
                }
            }
            for (Employee e : pair[0].employees().values()) {
                if (!e.equals(pair[1].employees().get(e.id()))) touched.addAll(e.departmentIds());
            }
        }
        java.util.Set<String> path = new java.util.HashSet<>();
        for (String t : touched) {
            for (CorpDirectory d : List.of(before, after)) {
                for (String p = t; p != null && d.departments().containsKey(p); ) {
                    path.add(p);
                    p = d.departments().get(p).parentId();
                }
            }
        }
        java.util.Set<String> children = new java.util.HashSet<>();
        for (CorpDirectory d : List.of(before, after)) {
            for (Department x : d.departments().values())
                if (x.parentId() != null && path.contains(x.parentId())) children.add(x.id());
        }
        long roots = after.departments().values().stream().filter(Department::isRoot).count();
        return 1 + (int) roots + path.size() + children.size();
    }

    /**
     * Rows the writer changes for entities that differ: the entity's row, and its heads or
     * memberships replaced whole (the old ones deleted, the new ones inserted).
     */
    private static long rowsOfUpdates(CorpDirectory before, CorpDirectory after) {
        long rows = 0;
        for (Department d : after.departments().values()) {
            Department old = before.departments().get(d.id());
            if (!d.equals(old)) rows += 1 + old.headIds().size() + d.headIds().size();
        }
        for (Employee e : after.employees().values()) {
            Employee old = before.employees().get(e.id());
            if (!e.equals(old)) rows += 1 + old.departmentIds().size() + e.departmentIds().size();
        }
        return rows;
    }

    @Test
    void aRunThatFailsHalfWayLeavesNoHashVouchingForWhatItWrote() throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        ContactsSchema schema = new ContactsSchema(ContactsSchema.dialectOf(db.jdbcUrl()), "c_");
        // one write per transaction, one at a time: the failure comes after some have committed
        ContactsWriter writer =
                new ContactsWriter(db::connect, schema, new ContactsWriter.Options(1, 1, false, 1));
        writer.createTables();
        Random random = new Random(21);
        CorpDirectory one = RandomDirectories.generate(random, 12, 40, 0.5, 0.5);
        CorpDirectory two = DirectoryMutations.mutate(one, random);
        assertThat(writer.sync("f1", "test", one, ContactsWriter.ProgressListener.NONE).status())
                .isEqualTo(SyncReport.Status.OK);
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE SEQUENCE employee_writes");
            s.execute(
                    "CREATE FUNCTION fail_employee() RETURNS trigger AS $$ BEGIN IF nextval('employee_writes') = 4 THEN "
                            + "RAISE EXCEPTION 'injected: the 4th employee write fails'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
            s.execute(
                    "CREATE TRIGGER fail_employee BEFORE INSERT OR UPDATE ON c_employee FOR EACH ROW EXECUTE FUNCTION fail_employee()");
        }

        SyncReport failed = writer.sync("f2", "test", two, ContactsWriter.ProgressListener.NONE);

        assertThat(failed.status()).isEqualTo(SyncReport.Status.FAILED);
        assertThat(stored(db, schema).live())
                .as("part of the change is in")
                .isNotEqualTo(one)
                .isNotEqualTo(two);
        // the directory is back as it was: the stored root must not claim the tables hold it
        SyncReport back = writer.sync("f3", "test", one, ContactsWriter.ProgressListener.NONE);
        assertThat(back.status()).isEqualTo(SyncReport.Status.OK);
        assertThat(back.created() + back.updated() + back.deleted()).isPositive();
        assertThat(stored(db, schema).live()).isEqualTo(one);
        SyncReport forward = writer.sync("f4", "test", two, ContactsWriter.ProgressListener.NONE);
        assertThat(forward.status()).isEqualTo(SyncReport.Status.OK);
        assertThat(stored(db, schema).live()).isEqualTo(two);
        assertThat(
                        writer.sync("f5", "test", two, ContactsWriter.ProgressListener.NONE)
                                .hashesCompared())
                .isEqualTo(1);
        assertThat(Objects.requireNonNull(stored(db, schema).live())).isEqualTo(two);
    }

    private static StoredState stored(Databases.Target db, ContactsSchema schema)
            throws SQLException {
        try (Connection c = db.connect()) {
            return StoredState.load(c, schema, "corp");
        }
    }
}
