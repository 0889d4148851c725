package io.httpsync.contacts;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.contacts.fetch.ContactsPlatform;
import io.httpsync.contacts.jdbc.ContactsWriter;
import io.httpsync.contacts.jdbc.SyncReport;
import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.testutil.ContactsSimulation;
import io.httpsync.contacts.testutil.Databases;
import io.httpsync.simulator.contacts.DirectorySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole sync against the simulator's WeCom, DingTalk and Feishu, on PostgreSQL and MariaDB with
 * every foreign key enforced: a corp with department &harr; head cycles (nested and overlapping)
 * and leader loops spanning departments lands equal to ground truth; after the directory changes
 * (moves, new and broken cycles, hires, departures, a removed department) the next run makes the
 * tables equal again, logging each entity it writes once and the unchanged ones in one row.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ContactsSyncITCase {
    private static final Databases DATABASES = Databases.shared();

    static Stream<Arguments> platformsAndDatabases() {
        List<Arguments> out = new ArrayList<>();
        for (ContactsPlatform p : ContactsPlatform.values()) {
            for (String db : List.of("postgres", "mariadb")) out.add(Arguments.of(p, db));
        }
        return out.stream();
    }

    static DirectorySpec spec() {
        return DirectorySpec.of(10, 36)
                .maxDepth(3)
                .multiDepartmentShare(0.3)
                .multiHeadShare(0.4)
                .maxHeadsPerDepartment(3)
                .leaderCycles(2)
                .leaderCycleLength(3)
                .seed(5);
    }

    static ContactsSync sync(Databases.Target db, ContactsSimulation sim, int concurrency) {
        return new ContactsSync(
                List.of(sim.corp()),
                db.jdbcUrl(),
                db.user(),
                db.password(),
                "contacts_",
                new ContactsWriter.Options(concurrency, 8, false, 0.5),
                1);
    }

    private static int logRows(ContactsSync sync, String run, String corp) throws Exception {
        try (Connection c = sync.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT COUNT(*), COUNT(DISTINCT entity_kind, entity_id) FROM contacts_sync_log WHERE run_id = '"
                                        + run
                                        + "' AND corp_id = '"
                                        + corp
                                        + "'")) {
            rs.next();
            assertThat(rs.getInt(2)).as("distinct entities logged").isEqualTo(rs.getInt(1));
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            // PostgreSQL has no COUNT(DISTINCT a, b): count distinct pairs another way
            try (Connection c = sync.connect();
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery(
                                    "SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT entity_kind, entity_id FROM contacts_sync_log "
                                            + "WHERE run_id = '"
                                            + run
                                            + "' AND corp_id = '"
                                            + corp
                                            + "') d) FROM contacts_sync_log WHERE run_id = '"
                                            + run
                                            + "' AND corp_id = '"
                                            + corp
                                            + "'")) {
                rs.next();
                assertThat(rs.getInt(2)).as("distinct entities logged").isEqualTo(rs.getInt(1));
                return rs.getInt(1);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("platformsAndDatabases")
    void aCorpWithEveryKindOfCycleLandsEqualToGroundTruthAndStaysEqualAfterTheDirectoryChanges(
            ContactsPlatform platform, String server) throws Exception {
        Databases.Target db = DATABASES.fresh(server);
        try (ContactsSimulation sim =
                        new ContactsSimulation(platform, "corp-" + platform.id(), spec());
                ContactsSync sync = sync(db, sim, 4)) {
            assertThat(sim.departmentsHeadedByMember())
                    .as("department <-> head cycles")
                    .isGreaterThanOrEqualTo(3);
            assertThat(sim.leaderLoops())
                    .as("leader loops")
                    .hasSize(2)
                    .anySatisfy(
                            loop ->
                                    assertThat(sim.mainDepartments(loop))
                                            .as("a loop spanning departments")
                                            .hasSizeGreaterThan(1));
            sync.createTables();

            ContactsSync.Outcome first =
                    sync.run("run-1", ContactsWriter.ProgressListener.NONE).get(0);

            CorpDirectory truth = sim.truth(sync.fetcher(sim.corp()));
            assertThat(first.report().status())
                    .as(first.report().message())
                    .isEqualTo(SyncReport.Status.OK);
            assertThat(first.report().violations()).isZero();
            assertThat(first.report().cycles()).isPositive();
            assertThat(first.report().degraded())
                    .isGreaterThanOrEqualTo(sim.departmentsHeadedByMember() > 0 ? 2 : 0);
            DirectoryComparison one = DirectoryComparison.compare(truth, sync.stored(sim.corpId));
            assertThat(one.examples()).isEmpty();
            assertThat(one.equal()).isTrue();
            // the same relations as the simulator's own directory: the renderings were read right
            assertThat(ContactsSimulation.relationCounts(sync.stored(sim.corpId)))
                    .isEqualTo(sim.relationCounts());
            assertThat(logRows(sync, "run-1", sim.corpId)).isEqualTo(truth.size());

            sim.change();
            ContactsSync.Outcome second =
                    sync.run("run-2", ContactsWriter.ProgressListener.NONE).get(0);

            CorpDirectory truth2 = sim.truth(sync.fetcher(sim.corp()));
            SyncReport r = second.report();
            assertThat(r.status()).as(r.message()).isEqualTo(SyncReport.Status.OK);
            assertThat(r.violations()).isZero();
            assertThat(r.created()).isEqualTo(2);
            assertThat(r.deleted()).as("two departures and a removed department").isEqualTo(3);
            assertThat(r.updated()).isPositive();
            assertThat(r.unchanged()).isPositive();
            DirectoryComparison two = DirectoryComparison.compare(truth2, sync.stored(sim.corpId));
            assertThat(two.examples()).isEmpty();
            assertThat(two.equal()).isTrue();
            assertThat(ContactsSimulation.relationCounts(sync.stored(sim.corpId)))
                    .isEqualTo(sim.relationCounts());
            assertThat(r.entities()).isEqualTo(truth2.size() + 3);
            assertThat(r.hashesCompared()).as("the hashes of run-1").isPositive();
            assertThat(logRows(sync, "run-2", sim.corpId))
                    .as("each entity written or deleted once, the unchanged ones in one row")
                    .isEqualTo(r.created() + r.updated() + r.deleted() + 1);
        }
    }

    @Test
    void aCorpWhoseListingFailsWritesNothingAndSaysWhyWithoutItsSecret() throws Exception {
        Databases.Target db = DATABASES.fresh("postgres");
        try (ContactsSimulation sim =
                        new ContactsSimulation(ContactsPlatform.FEISHU, "corp-f", spec());
                ContactsSync good = sync(db, sim, 2)) {
            good.createTables();
            good.run("ok", ContactsWriter.ProgressListener.NONE);
            CorpDirectory before = good.stored(sim.corpId);
            sim.change();
            ContactsSync.Corp corp = sim.corp();
            ContactsSync.Corp wrongSecret =
                    new ContactsSync.Corp(
                            corp.corpId(),
                            corp.platform(),
                            corp.baseUrl(),
                            Tenant.of(
                                    corp.corpId(),
                                    Map.of(
                                            "app-key",
                                            corp.tenant().property("app-key").orElseThrow(),
                                            "app-secret",
                                            "a-wrong-secret")));
            // few, quick retries: the refusal is lasting
            try (ContactsSync bad =
                    new ContactsSync(
                            List.of(wrongSecret),
                            db.jdbcUrl(),
                            db.user(),
                            db.password(),
                            "contacts_",
                            ContactsWriter.Options.defaults(),
                            1,
                            Map.of("retry.max-attempts", "2", "retry.initial-backoff", "50 ms"))) {
                SyncReport r =
                        bad.run("failed", ContactsWriter.ProgressListener.NONE).get(0).report();

                assertThat(r.status()).isEqualTo(SyncReport.Status.INCOMPLETE);
                assertThat(r.message()).contains("corp-f").doesNotContain("a-wrong-secret");
                assertThat(bad.stored(sim.corpId))
                        .as("nothing written, nothing deleted")
                        .isEqualTo(before);
            }
        }
    }
}
