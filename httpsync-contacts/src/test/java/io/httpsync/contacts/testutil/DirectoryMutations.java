package io.httpsync.contacts.testutil;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Random changes between two runs, keeping the directory consistent the way the platforms do:
 * departures (their head posts and the leader fields pointing at them cleared), removed departments
 * (their members moved to the parent first, sub-departments too), moves of departments and people,
 * new leader loops, new heads, hires.
 */
public final class DirectoryMutations {
    private DirectoryMutations() {}

    public static CorpDirectory mutate(CorpDirectory d, Random random) {
        Map<String, Department> ds = new LinkedHashMap<>(d.departments());
        Map<String, Employee> es = new LinkedHashMap<>(d.employees());
        List<String> ids = new ArrayList<>(es.keySet());
        // departures
        Set<String> gone = new HashSet<>();
        for (String id : ids) if (random.nextDouble() < 0.1) gone.add(id);
        gone.forEach(es::remove);
        ds.replaceAll(
                (k, dep) ->
                        new Department(
                                dep.id(),
                                dep.parentId(),
                                dep.name(),
                                dep.order(),
                                dep.headIds().stream().filter(h -> !gone.contains(h)).toList()));
        es.replaceAll((k, e) -> gone.contains(e.leaderId()) ? e.withoutLeader() : e);
        // removed departments: members and sub-departments move to the parent first
        for (String id : new ArrayList<>(ds.keySet())) {
            Department dep = ds.get(id);
            if (dep.isRoot() || random.nextDouble() >= 0.15) continue;
            String parent = dep.parentId();
            ds.replaceAll(
                    (k, c) ->
                            id.equals(c.parentId())
                                    ? new Department(
                                            c.id(), parent, c.name(), c.order(), c.headIds())
                                    : c);
            es.replaceAll(
                    (k, e) ->
                            e.departmentIds().contains(id)
                                    ? withDepartments(e, replace(e.departmentIds(), id, parent))
                                    : e);
            ds.remove(id);
        }
        List<String> depIds = new ArrayList<>(ds.keySet());
        // moves of departments below a department outside their subtree
        for (String id : depIds) {
            Department dep = ds.get(id);
            if (dep.isRoot() || random.nextDouble() >= 0.15) continue;
            String target = depIds.get(random.nextInt(depIds.size()));
            if (!isBelowOrSame(ds, target, id))
                ds.put(
                        id,
                        new Department(
                                id, target, dep.name() + "'", dep.order() + 1, dep.headIds()));
        }
        // hires
        int hires = 1 + random.nextInt(5);
        List<String> people = new ArrayList<>(es.keySet());
        for (int i = 0; i < hires; i++) {
            String id = "N" + random.nextInt(1_000_000);
            if (es.containsKey(id)) continue;
            String leader = people.isEmpty() ? null : people.get(random.nextInt(people.size()));
            es.put(
                    id,
                    new Employee(
                            id,
                            "new " + id,
                            List.of(depIds.get(random.nextInt(depIds.size()))),
                            leader,
                            "新人",
                            null,
                            null));
            people.add(id);
        }
        // moves of people, new leaders (loops among them appear and old ones break), new heads
        for (String id : new ArrayList<>(es.keySet())) {
            Employee e = es.get(id);
            if (random.nextDouble() < 0.15)
                e = withDepartments(e, List.of(depIds.get(random.nextInt(depIds.size()))));
            if (random.nextDouble() < 0.2 && people.size() > 1) {
                String leader = people.get(random.nextInt(people.size()));
                e =
                        leader.equals(id)
                                ? e.withoutLeader()
                                : new Employee(
                                        e.id(),
                                        e.name(),
                                        e.departmentIds(),
                                        leader,
                                        e.title(),
                                        e.mobile(),
                                        e.email());
            }
            es.put(id, e);
        }
        for (String id : depIds) {
            Department dep = ds.get(id);
            if (random.nextDouble() < 0.2 && !people.isEmpty()) {
                ds.put(
                        id,
                        new Department(
                                id,
                                dep.parentId(),
                                dep.name(),
                                dep.order(),
                                List.of(people.get(random.nextInt(people.size())))));
            }
        }
        return new CorpDirectory(d.corpId(), ds.values(), es.values());
    }

    private static boolean isBelowOrSame(Map<String, Department> ds, String candidate, String top) {
        for (String p = candidate; p != null; p = ds.get(p).parentId()) {
            if (p.equals(top)) return true;
        }
        return false;
    }

    private static List<String> replace(List<String> ids, String from, String to) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            String v = id.equals(from) ? to : id;
            if (!out.contains(v)) out.add(v);
        }
        return out;
    }

    private static Employee withDepartments(Employee e, List<String> departments) {
        return new Employee(
                e.id(), e.name(), departments, e.leaderId(), e.title(), e.mobile(), e.email());
    }
}
