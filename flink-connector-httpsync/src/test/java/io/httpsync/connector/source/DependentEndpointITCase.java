package io.httpsync.connector.source;

import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.domain.ExceptionEvent;
import io.httpsync.connector.endpoint.EndpointSpec;
import io.httpsync.connector.testutil.BeisenOptions;
import io.httpsync.connector.testutil.CollectingSink;
import io.httpsync.simulator.Accounting;
import io.httpsync.simulator.Json;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.GroundTruth;
import io.httpsync.simulator.platform.beisen.BeisenSim;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's associated-data case against the Beisen-style simulator: every department's employees
 * are listed with a scroll that expires (the simulator enforces it; the test lets the platform's
 * clock jump past it while listings are open), and each distinct organization the employees name is
 * read once from a detail API whose limit is a tenth of the list's. Checked: the employees and the
 * organizations equal ground truth, each listing emits each member once although it started again,
 * one detail request per distinct organization, no request refused, no exception event.
 */
class DependentEndpointITCase {
    private static final String CORP = "corp-1";
    private static final int ORG_LIMIT_PER_SECOND = 5;

    @Test
    void employeesOfEveryDepartmentAndEachDistinctOrganizationOnceWithinTheLowerLimit()
            throws Exception {
        try (Simulator sim = new Simulator(7)) {
            BeisenSim beisen = sim.add(BeisenSim::new);
            beisen.scrollTtl(Duration.ofSeconds(30)).latency(15, 10);
            Directory directory =
                    beisen.addTenant(
                            CORP,
                            new ContactsPlatformSim.Credentials("app-1", "secret-1"),
                            DirectorySpec.of(10, 120).multiDepartmentShare(0.3));
            sim.start(0);
            String base = sim.baseUrl(BeisenSim.NAME);
            List<Tenant> tenants =
                    List.of(Tenant.of(CORP, Map.of("app-key", "app-1", "app-secret", "secret-1")));
            Directory.Snapshot snapshot = directory.snapshot();

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            // the departments the app may read: the parents of the employee listings
            List<RawRecord> departments = new ArrayList<>();
            for (Department d : snapshot.departments())
                departments.add(
                        new RawRecord(
                                new RecordMeta(CORP, Long.toString(d.id()), 0, 0, 1, 0),
                                "{\"id\":" + d.id() + "}"));
            // and one the platform does not know: its listing fails, as an event naming it
            departments.add(
                    new RawRecord(new RecordMeta(CORP, "9999", 0, 0, 1, 0), "{\"id\":9999}"));
            DataStream<RawRecord> parents = env.fromData(departments).uid("departments");
            SingleOutputStreamOperator<RawRecord> employees =
                    HttpSyncStreams.dependent(
                            parents,
                            DependentEndpoint.listPerParent(employeeList(base), "/id")
                                    .cursorExpiredCodes(List.of("417"))
                                    .build(),
                            tenants,
                            "employees");
            SingleOutputStreamOperator<RawRecord> orgs =
                    HttpSyncStreams.dependent(
                            employees,
                            DependentEndpoint.detailPerId(
                                            organizationDetail(base), "/oIdOrganization")
                                    .build(),
                            tenants,
                            "orgs");
            CollectingSink<RawRecord> employeeSink = new CollectingSink<>("dep-employees");
            CollectingSink<RawRecord> orgSink = new CollectingSink<>("dep-orgs");
            CollectingSink<ExceptionEvent> eventSink = new CollectingSink<>("dep-events");
            employees.sinkTo(employeeSink).uid("employees-sink");
            orgs.sinkTo(orgSink).uid("orgs-sink");
            employees
                    .getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS)
                    .union(orgs.getSideOutput(HttpSyncStreams.EXCEPTION_EVENTS))
                    .sinkTo(eventSink)
                    .uid("events-sink");

            // while listings are open, the platform's clock passes the scrolls' lifetime once
            AtomicBoolean expired = new AtomicBoolean();
            Thread expirer =
                    new Thread(
                            () -> {
                                Accounting.Stats list;
                                do {
                                    list = employeeStats(sim);
                                    try {
                                        Thread.sleep(5);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                } while (list == null || list.served() < 4);
                                sim.clock().advance(Duration.ofSeconds(31).toMillis());
                                expired.set(true);
                            });
            expirer.setDaemon(true);
            expirer.start();
            long started = System.nanoTime();
            env.execute("associated data");
            System.out.printf(
                    "associated data job: %d ms%n", (System.nanoTime() - started) / 1_000_000);
            expirer.interrupt();

            System.out.printf(
                    "associated data: employees %s, organizations %s, %d expired scrolls%n",
                    employeeStats(sim),
                    sim.accounting().endpoint(BeisenSim.NAME + "/" + BeisenSim.ORGANIZATION),
                    beisen.expiredScrollAnswers());
            List<ExceptionEvent> events = eventSink.collected();
            assertThat(events).as("exception events").hasSize(1);
            ExceptionEvent unknown = events.get(0);
            assertThat(unknown.endpoint()).isEqualTo("beisen/employees");
            assertThat(unknown.platformCode()).isEqualTo("404");
            assertThat(unknown.position()).startsWith("parent=9999 id=9999");
            assertThat(unknown.message()).contains("child 9999 of parent 9999");
            assertThat(expired).isTrue();
            assertThat(beisen.expiredScrollAnswers())
                    .as("pages refused because their scroll expired")
                    .isPositive();

            // each listing emits each member once, although some started again
            int memberships = 0;
            for (Department d : snapshot.departments())
                memberships += snapshot.members(d.id()).size();
            List<RawRecord> listed = employeeSink.collected();
            assertThat(listed).hasSize(memberships);
            Map<String, String> employeeHashes = hashes(listed);
            GroundTruth users = beisen.groundTruth(CORP, ContactsPlatformSim.USERS);
            assertThat(employeeHashes).isEqualTo(truthHashes(users.live()));

            // each organization named by an employee, once
            Set<String> named = new TreeSet<>();
            for (Employee u : snapshot.users()) named.add(Long.toString(u.mainDepartmentId()));
            List<RawRecord> fetchedOrgs = orgSink.collected();
            assertThat(fetchedOrgs).hasSize(named.size());
            Map<String, GroundTruth.TruthRecord> orgTruth =
                    beisen.groundTruth(CORP, ContactsPlatformSim.DEPARTMENTS).byId();
            List<GroundTruth.TruthRecord> namedTruth = new ArrayList<>();
            named.forEach(id -> namedTruth.add(orgTruth.get(id)));
            assertThat(hashes(fetchedOrgs)).isEqualTo(truthHashes(namedTruth));

            Accounting.Stats org =
                    sim.accounting().endpoint(BeisenSim.NAME + "/" + BeisenSim.ORGANIZATION);
            assertThat(org.served()).as("organization detail requests").isEqualTo(named.size());
            assertThat(org.refused()).isZero();
            assertThat(org.maxPerSecond()).isLessThanOrEqualTo(ORG_LIMIT_PER_SECOND);
            assertThat(employeeStats(sim).refused()).isZero();
        }
    }

    private static Accounting.Stats employeeStats(Simulator sim) {
        return sim.accounting().endpoint(BeisenSim.NAME + "/" + BeisenSim.EMPLOYEES);
    }

    private static Map<String, String> hashes(List<RawRecord> records) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (RawRecord r : records) out.put(r.id, Json.contentHash(Json.MAPPER.readTree(r.json)));
        return out;
    }

    private static Map<String, String> truthHashes(List<GroundTruth.TruthRecord> records) {
        Map<String, String> out = new TreeMap<>();
        records.forEach(r -> out.put(r.id(), r.contentHash()));
        return out;
    }

    private static Map<String, String> beisenCommon(String base) {
        return BeisenOptions.common(base);
    }

    /** A department's employees: a scroll valid for a limited time, 5 to a page. */
    static EndpointSpec employeeList(String base) {
        Map<String, String> o = BeisenOptions.employeesByDepartment(base, "${tenant.record.id}");
        o.put("response.record.time-path", "/modifiedTime");
        o.put("response.record.time-format", "yyyy-MM-dd HH:mm:ss");
        o.put("time.zone", "Asia/Shanghai");
        o.put("rate-limit.burst", "1");
        return EndpointSpec.fromOptions(o);
    }

    /** An organization's detail, under a lower limit than the list's. */
    static EndpointSpec organizationDetail(String base) {
        Map<String, String> o = beisenCommon(base);
        o.put("name", "beisen/organization");
        o.put("url", base + "/TenantBaseExternal/api/v5/Organization/GetByOId");
        o.put("request.body.template", "{\"oId\":${tenant.record.id}}");
        o.put("pagination.style", "page");
        o.put("response.records-path", "/data");
        o.put("response.single-record", "true");
        o.put("response.record.id-path", "/oId");
        o.put("rate-limit.permits-per-second", Integer.toString(ORG_LIMIT_PER_SECOND - 1));
        o.put("rate-limit.burst", "1");
        return EndpointSpec.fromOptions(o);
    }
}
