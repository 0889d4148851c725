package io.httpsync.e2e;

import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.dingtalk.DingTalkSim;
import io.httpsync.simulator.platform.wecom.WeComSim;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contacts job as a user submits it: {@code flink run -c io.httpsync.jobs.HttpSyncCli <job jar>
 * contacts --config contacts.properties} on the multi-process cluster of {@code
 * deploy/local/flink-local.sh} (the PostgreSQL driver in its lib/), a WeCom and a DingTalk corp
 * with department &harr; head cycles and leader loops, the corps on two subtasks. The bounded job
 * finishes with each corp's run recorded OK and its tables holding exactly the simulator's
 * departments, employees, heads, leaders and memberships, each entity logged once.
 */
class ContactsClusterIT {
    private final Path home =
            Path.of(System.getProperty("httpsync.e2e.home", "target/e2e"))
                    .toAbsolutePath()
                    .resolve("contacts");

    @Test
    void theJobJarRunsTheBoundedContactsJobOnAClusterAndLandsEveryCorpWhole() throws Exception {
        Files.createDirectories(home);
        DirectorySpec spec =
                DirectorySpec.of(8, 30)
                        .maxDepth(3)
                        .multiDepartmentShare(0.3)
                        .multiHeadShare(0.4)
                        .leaderCycles(2)
                        .seed(12);
        try (Simulator sim = new Simulator(13);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            Map<String, ContactsPlatformSim> corps = new LinkedHashMap<>();
            corps.put("wecom", sim.add(WeComSim::new));
            corps.put("dingtalk", sim.add(DingTalkSim::new));
            String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
            List<String> lines =
                    new ArrayList<>(
                            List.of(
                                    "jdbc.url = " + jdbcUrl,
                                    "jdbc.user = postgres",
                                    "contacts.corps = cluster-wecom, cluster-dingtalk",
                                    "contacts.parallelism = 2"));
            corps.forEach(
                    (platform, s) -> {
                        String corp = "cluster-" + platform;
                        String key =
                                platform.equals("wecom")
                                        ? corp
                                        : "key-" + corp; // WeCom: the corp id
                        s.addTenant(
                                corp,
                                new ContactsPlatformSim.Credentials(
                                        key, "cluster-secret-" + platform),
                                spec);
                        lines.add("contacts.corp." + corp + ".platform = " + platform);
                        lines.add("contacts.corp." + corp + ".app-key = " + key);
                        lines.add(
                                "contacts.corp."
                                        + corp
                                        + ".app-secret = cluster-secret-"
                                        + platform);
                    });
            sim.start(0);
            corps.keySet()
                    .forEach(
                            p ->
                                    lines.add(
                                            "contacts.corp.cluster-"
                                                    + p
                                                    + ".base-url = "
                                                    + sim.baseUrl(p)));
            Path config = home.resolve("contacts.properties");
            Files.write(config, lines, StandardCharsets.UTF_8);

            LocalFlinkCluster cluster =
                    new LocalFlinkCluster(
                            ClusterEndToEndIT.artifact("httpsync.flink-local.script"),
                            home.resolve("cluster"));
            Thread stopOnExit = new Thread(cluster::close);
            Runtime.getRuntime().addShutdownHook(stopOnExit);
            try (cluster) {
                cluster.start(1, 2, List.of(ClusterEndToEndIT.jdbcDriver()));
                String job =
                        cluster.submit(
                                Optional.empty(),
                                SqlJobs.jobJarArgs("contacts", "--config", config.toString()));
                cluster.awaitFinished(job, Duration.ofMinutes(2));
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            }

            try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                    Statement s = c.createStatement()) {
                for (Map.Entry<String, ContactsPlatformSim> e : corps.entrySet()) {
                    String corp = "cluster-" + e.getKey();
                    Directory.Snapshot truth = e.getValue().directory(corp).snapshot();
                    int departments = truth.departments().size();
                    int employees = truth.users().size();
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_sync_run WHERE status = 'OK' AND corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(1);
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_department WHERE corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(departments);
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_employee WHERE corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(employees);
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_department_head WHERE corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(
                                    truth.departments().stream()
                                            .mapToInt(d -> d.headIds().size())
                                            .sum());
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_employee WHERE leader_id IS NOT NULL AND corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(
                                    (int)
                                            truth.users().stream()
                                                    .filter(Employee::hasLeader)
                                                    .count());
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_membership WHERE corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(
                                    truth.users().stream()
                                            .mapToInt(u -> u.departmentIds().size())
                                            .sum());
                    assertThat(
                                    count(
                                            s,
                                            "SELECT COUNT(*) FROM contacts_sync_log WHERE corp_id = '"
                                                    + corp
                                                    + "'"))
                            .isEqualTo(departments + employees);
                }
            }
        }
    }

    private static int count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
