package io.httpsync.contacts.testutil;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random directories for property tests: a random department tree; employees in one to three random
 * departments; heads drawn from all employees (members or not) and leaders drawn from all
 * employees, so that department &harr; head cycles, leader loops, and cycles mixing both, nested
 * and overlapping, appear in every shape.
 */
public final class RandomDirectories {
    private RandomDirectories() {}

    public static CorpDirectory generate(
            Random random, int departments, int employees, double headShare, double leaderShare) {
        List<Department> ds = new ArrayList<>();
        List<Employee> es = new ArrayList<>();
        for (int e = 0; e < employees; e++) {
            Set<String> deps = new LinkedHashSet<>();
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) deps.add(dept(random.nextInt(departments)));
            String leader = null;
            if (employees > 1 && random.nextDouble() < leaderShare) {
                int l = random.nextInt(employees - 1);
                leader = emp(l >= e ? l + 1 : l);
            }
            es.add(new Employee(emp(e), "e" + e, List.copyOf(deps), leader, null, null, null));
        }
        for (int d = 0; d < departments; d++) {
            String parent = d == 0 ? null : dept(random.nextInt(d));
            Set<String> heads = new LinkedHashSet<>();
            if (employees > 0 && random.nextDouble() < headShare) {
                int n = 1 + random.nextInt(3);
                for (int i = 0; i < n; i++) heads.add(emp(random.nextInt(employees)));
            }
            ds.add(new Department(dept(d), parent, "d" + d, d, List.copyOf(heads)));
        }
        return new CorpDirectory("corp", ds, es);
    }

    public static String dept(int i) {
        return "D" + i;
    }

    public static String emp(int i) {
        return "E" + i;
    }
}
