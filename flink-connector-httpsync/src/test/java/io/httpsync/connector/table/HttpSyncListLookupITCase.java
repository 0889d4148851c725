package io.httpsync.connector.table;

import io.httpsync.connector.testutil.BeisenOptions;
import io.httpsync.connector.testutil.SqlTables;
import io.httpsync.simulator.Simulator;
import io.httpsync.simulator.contacts.Department;
import io.httpsync.simulator.contacts.Directory;
import io.httpsync.simulator.contacts.DirectorySpec;
import io.httpsync.simulator.contacts.Employee;
import io.httpsync.simulator.platform.ContactsPlatformSim;
import io.httpsync.simulator.platform.beisen.BeisenSim;

import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.ExceptionUtils;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A one-to-many lookup join ({@code 'lookup.kind' = 'list'}) against the Beisen-style simulator: a
 * department's employees are a list API paged with a scroll cursor (5 to a page), and each
 * department id of a small VALUES table joins every one of its employees, checked against the
 * simulator's directory. A department the platform does not know fails the join, naming the key.
 */
class HttpSyncListLookupITCase {
    private static final String CORP = "corp-1";
    private static Simulator sim;
    private static Directory.Snapshot snapshot;
    private static String base;

    @BeforeAll
    static void startSimulator() {
        sim = new Simulator(11);
        BeisenSim beisen = sim.add(BeisenSim::new);
        beisen.scrollTtl(Duration.ofSeconds(60));
        Directory directory =
                beisen.addTenant(
                        CORP,
                        new ContactsPlatformSim.Credentials("app-1", "secret-1"),
                        DirectorySpec.of(6, 60).multiDepartmentShare(0.3));
        sim.start(0);
        base = sim.baseUrl(BeisenSim.NAME);
        snapshot = directory.snapshot();
    }

    @AfterAll
    static void stopSimulator() {
        if (sim != null) sim.close();
    }

    @Test
    void listLookupJoinsEveryEmployeeOfEachDepartmentAcrossPages() throws Exception {
        List<Long> departments = snapshot.departments().stream().map(Department::id).toList();
        Map<Long, List<Long>> truth = new TreeMap<>();
        for (long d : departments)
            truth.put(d, snapshot.members(d).stream().map(Employee::id).sorted().toList());
        assertThat(truth.values())
                .as("some department's employees span several pages of 5")
                .anyMatch(members -> members.size() > 5);

        Map<Long, List<Long>> joined = new TreeMap<>();
        List<Row> rows = join(departments);
        assertThat(rows)
                .as("each row carries the key it was listed by, which the records do not hold")
                .allSatisfy(row -> assertThat(row.getField(3)).isEqualTo(row.getField(0)));
        for (Row row : rows) {
            joined.computeIfAbsent((Long) row.getField(0), d -> new ArrayList<>())
                    .add((Long) row.getField(1));
        }
        joined.values().forEach(ids -> ids.sort(null));
        truth.values().removeIf(List::isEmpty); // an inner join has no row for them
        assertThat(joined).isEqualTo(truth);
    }

    @Test
    void aListingThatFailsFailsTheLookupNamingTheKey() {
        assertThatThrownBy(() -> join(List.of(9999L)))
                .satisfies(
                        e ->
                                assertThat(ExceptionUtils.stringifyException(e))
                                        .contains("the listing of key departmentId=9999 failed")
                                        .contains("部门不存在"));
    }

    private static List<Row> join(List<Long> departments) throws Exception {
        TableEnvironment tEnv = SqlTables.streamingEnvironment();
        tEnv.executeSql(
                "CREATE TABLE employees (departmentId BIGINT, userID BIGINT, name STRING) "
                        + SqlTables.with(employeeList()));
        tEnv.executeSql(
                "CREATE TEMPORARY VIEW departments AS SELECT id, PROCTIME() AS proc FROM (VALUES "
                        + departments.stream()
                                .map(d -> "(CAST(" + d + " AS BIGINT))")
                                .collect(Collectors.joining(", "))
                        + ") AS t(id)");
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it =
                tEnv.executeSql(
                                "SELECT d.id, e.userID, e.name, e.departmentId FROM departments AS d"
                                        + " JOIN employees"
                                        + " FOR SYSTEM_TIME AS OF d.proc AS e ON e.departmentId = d.id")
                        .collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** A department's employees, a scroll 5 to a page, looked up by department id. */
    private static Map<String, String> employeeList() {
        Map<String, String> o =
                BeisenOptions.employeesByDepartment(base, "${tenant.lookup.departmentId}");
        o.put("connector", "httpsync");
        o.put("format", "json");
        o.put("json.ignore-parse-errors", "false");
        o.put("tenants", CORP);
        o.put("tenant." + CORP + ".app-key", "app-1");
        o.put("tenant." + CORP + ".app-secret", "secret-1");
        o.put("lookup.kind", "list");
        o.put("lookup.cursor-expired-codes", "417");
        return o;
    }
}
