package io.httpsync.contacts.jdbc;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.contacts.testutil.DirectoryMutations;
import io.httpsync.contacts.testutil.RandomDirectories;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer against real PostgreSQL and MariaDB servers whose foreign keys are checked at every
 * statement: random directories full of cycles land equal to themselves, a changed directory lands
 * again, an unchanged one costs one hash comparison and no write, and the sync log and progress
 * count every entity once.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ContactsWriterITCase {
    private static final Databases DATABASES = Databases.shared();
    private static final ContactsSchema POSTGRES_SCHEMA =
            new ContactsSchema(io.httpsync.connector.sink.SqlDialect.POSTGRES, "contacts_");

    private static ContactsWriter writer(Databases.Target db, ContactsWriter.Options options)
            throws SQLException {
        ContactsWriter w =
                new ContactsWriter(
                        db::connect,
                        new ContactsSchema(ContactsSchema.dialectOf(db.jdbcUrl()), "contacts_"),
                        options);
        w.createTables();
        return w;
    }

    private static StoredState stored(Databases.Target db, String corp) throws SQLException {
        try (Connection c = db.connect()) {
            return StoredState.load(
                    c,
                    new ContactsSchema(ContactsSchema.dialectOf(db.jdbcUrl()), "contacts_"),
                    corp);
        }
    }

    /** action -> rows of the run; and the number of distinct entities logged. */
    private static Map<String, Integer> log(Databases.Target db, String run, String corp)
            throws SQLException {
        Map<String, Integer> out = new HashMap<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT action, degraded, COUNT(*) FROM "
                                        + POSTGRES_SCHEMA.syncLog()
                                        + " WHERE run_id = '"
                                        + run
                                        + "' AND corp_id = '"
                                        + corp
                                        + "' GROUP BY action, degraded")) {
            while (rs.next())
                out.merge(
                        rs.getString(1) + (rs.getBoolean(2) ? "+degraded" : ""),
                        rs.getInt(3),
                        Integer::sum);
        }
        return out;
    }

    private static int total(Map<String, Integer> log) {
        return log.values().stream().mapToInt(Integer::intValue).sum();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mariadb"})
    void directoriesFullOfCyclesLandEqualToThemselvesRunAfterRunWithEachEntityLoggedOnce(
            String server) throws Exception {
        Databases.Target db = DATABASES.fresh(server);
        ContactsWriter writer = writer(db, new ContactsWriter.Options(4, 7, false, 1.0));
        Random random = new Random(7);
        CorpDirectory first = RandomDirectories.generate(random, 25, 80, 0.8, 0.7);
        CorpDirectory other = RandomDirectories.generate(new Random(8), 5, 10, 1, 1);
        other =
                new CorpDirectory(
                        "other-corp", other.departments().values(), other.employees().values());
        writer.sync("run-0", "test", other, ContactsWriter.ProgressListener.NONE);

        List<int[]> progress = new ArrayList<>();
        SyncReport one =
                writer.sync(
                        "run-1",
                        "test",
                        first,
                        (corp, done, total) -> progress.add(new int[] {done, total}));

        assertThat(one.status()).isEqualTo(SyncReport.Status.OK);
        assertThat(one.violations()).isZero();
        assertThat(one.cycles()).as("the random directory has cycles").isPositive();
        assertThat(one.degraded()).isPositive();
        assertThat(one.created()).isEqualTo(first.size());
        assertThat(one.hashesCompared()).as("no hashes stored yet").isZero();
        assertThat(stored(db, "corp").live()).isEqualTo(first);
        Map<String, Integer> log1 = log(db, "run-1", "corp");
        assertThat(total(log1)).isEqualTo(first.size());
        assertThat(log1.get("CREATED+degraded")).isEqualTo(one.degraded());
        assertThat(progress).extracting(p -> p[0]).isSorted().last().isEqualTo(first.size());
        assertThat(progress).allMatch(p -> p[1] == first.size());

        CorpDirectory current = first;
        for (int run = 2; run <= 4; run++) {
            CorpDirectory next = DirectoryMutations.mutate(current, random);
            SyncReport r =
                    writer.sync("run-" + run, "test", next, ContactsWriter.ProgressListener.NONE);

            assertThat(r.status())
                    .as("run %d: %s", run, r.message())
                    .isEqualTo(SyncReport.Status.OK);
            assertThat(r.violations()).isZero();
            assertThat(stored(db, "corp").live()).as("run %d", run).isEqualTo(next);
            int deleted =
                    (int)
                                    current.departments().keySet().stream()
                                            .filter(id -> !next.departments().containsKey(id))
                                            .count()
                            + (int)
                                    current.employees().keySet().stream()
                                            .filter(id -> !next.employees().containsKey(id))
                                            .count();
            assertThat(r.deleted()).isEqualTo(deleted).isPositive();
            assertThat(r.unchanged()).isPositive();
            assertThat(r.entities()).isEqualTo(next.size() + deleted);
            assertThat(r.hashesCompared()).isPositive();
            assertThat(r.rowsWritten()).isPositive();
            Map<String, Integer> log = log(db, "run-" + run, "corp");
            assertThat(log.get("UNCHANGED")).as("the unchanged entities in one row").isEqualTo(1);
            assertThat(total(log))
                    .as("each entity of run %d written or deleted logged once", run)
                    .isEqualTo(r.created() + r.updated() + r.deleted() + 1);
            current = next;
        }
        // nothing changed: the root hash says so, nothing is read or written
        SyncReport same =
                writer.sync("run-5", "test", current, ContactsWriter.ProgressListener.NONE);
        assertThat(same.status()).isEqualTo(SyncReport.Status.OK);
        assertThat(same.unchanged()).isEqualTo(current.size());
        assertThat(same.hashesCompared()).isEqualTo(1);
        assertThat(same.rowsWritten()).isZero();
        assertThat(log(db, "run-5", "corp")).isEqualTo(Map.of("UNCHANGED", 1));
        assertThat(stored(db, "corp").live()).isEqualTo(current);
        assertThat(stored(db, "other-corp").live())
                .as("the other corp is untouched")
                .isEqualTo(other);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mariadb"})
    void theForeignKeysAreCheckedAtEveryStatementSoAnOutOfOrderWriteFails(String server)
            throws Exception {
        Databases.Target db = DATABASES.fresh(server);
        writer(db, ContactsWriter.Options.defaults());
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            assertThatThrownBy(
                            () ->
                                    s.executeUpdate(
                                            "INSERT INTO contacts_employee (corp_id, user_id, name, leader_id) VALUES ('c', 'a', 'A', 'not-yet')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).startsWith("23"));
            c.rollback();
            if (server.equals("postgres")) {
                try (ResultSet rs =
                        s.executeQuery(
                                "SELECT COUNT(*) FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' "
                                        + "AND table_name LIKE 'contacts_%' AND (is_deferrable = 'YES' OR initially_deferred = 'YES')")) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("deferrable foreign keys").isZero();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mariadb"})
    void softDeletionMarksGoneEntitiesAndTheRatioGuardKeepsAMassDeletionBack(String server)
            throws Exception {
        Databases.Target db = DATABASES.fresh(server);
        CorpDirectory full = RandomDirectories.generate(new Random(3), 10, 30, 1, 1);
        ContactsWriter soft = writer(db, new ContactsWriter.Options(2, 50, true, 0.5));
        soft.sync("s1", "test", full, ContactsWriter.ProgressListener.NONE);
        CorpDirectory smaller = DirectoryMutations.mutate(full, new Random(4));

        SyncReport r = soft.sync("s2", "test", smaller, ContactsWriter.ProgressListener.NONE);

        assertThat(r.status()).isEqualTo(SyncReport.Status.OK);
        StoredState state = stored(db, "corp");
        assertThat(state.live()).isEqualTo(smaller);
        assertThat(state.softDeleted()).hasSize(r.deleted()).isNotEmpty();
        // a run that would remove nearly everything (a listing that came back nearly empty) deletes
        // nothing
        Department root =
                smaller.departments().values().stream()
                        .filter(Department::isRoot)
                        .findFirst()
                        .orElseThrow();
        Employee one = new Employee("only", "only", List.of(root.id()), null, null, null, null);
        CorpDirectory almostEmpty =
                new CorpDirectory("corp", List.of(root.withoutHeads()), List.of(one));
        SyncReport refused =
                soft.sync("s3", "test", almostEmpty, ContactsWriter.ProgressListener.NONE);
        assertThat(refused.deletionsRefused()).isTrue();
        assertThat(refused.deleted()).isZero();
        assertThat(refused.message()).contains("refused, nothing deleted");
        assertThat(stored(db, "corp").live().employees()).hasSize(smaller.employees().size() + 1);
    }
}
