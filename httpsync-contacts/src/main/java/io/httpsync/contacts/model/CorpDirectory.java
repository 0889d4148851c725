package io.httpsync.contacts.model;

import org.apache.flink.annotation.PublicEvolving;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One corp's whole directory: its departments and employees by id. Immutable. {@link #problems()}
 * lists what breaks its referential integrity (a parent, head, leader or department that is not in
 * it, a parent loop); a sync lands only a directory without problems.
 */
@PublicEvolving
public final class CorpDirectory {
    private final String corpId;
    private final Map<String, Department> departments;
    private final Map<String, Employee> employees;

    public CorpDirectory(
            String corpId, Collection<Department> departments, Collection<Employee> employees) {
        if (corpId == null || corpId.isEmpty())
            throw new IllegalArgumentException("a directory needs a corp id");
        this.corpId = corpId;
        TreeMap<String, Department> ds = new TreeMap<>();
        for (Department d : departments) {
            if (ds.put(d.id(), d) != null)
                throw new IllegalArgumentException(
                        corpId + ": department " + d.id() + " is listed twice");
        }
        TreeMap<String, Employee> es = new TreeMap<>();
        for (Employee e : employees) {
            if (es.put(e.id(), e) != null)
                throw new IllegalArgumentException(
                        corpId + ": employee " + e.id() + " is listed twice");
        }
        this.departments = Collections.unmodifiableMap(ds);
        this.employees = Collections.unmodifiableMap(es);
    }

    public String corpId() {
        return corpId;
    }

    /** Departments by id, in id order. */
    public Map<String, Department> departments() {
        return departments;
    }

    /** Employees by id, in id order. */
    public Map<String, Employee> employees() {
        return employees;
    }

    public int size() {
        return departments.size() + employees.size();
    }

    /**
     * What breaks referential integrity, one line each naming the corp and the entity; empty if
     * nothing does.
     */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        for (Department d : departments.values()) {
            if (d.parentId() != null && !departments.containsKey(d.parentId())) {
                out.add(
                        corpId
                                + ": department "
                                + d.id()
                                + " has parent "
                                + d.parentId()
                                + ", which is not in the directory");
            }
            for (String h : d.headIds()) {
                if (!employees.containsKey(h))
                    out.add(
                            corpId
                                    + ": department "
                                    + d.id()
                                    + " has head "
                                    + h
                                    + ", who is not in the directory");
            }
        }
        for (Employee e : employees.values()) {
            for (String dep : e.departmentIds()) {
                if (!departments.containsKey(dep))
                    out.add(
                            corpId
                                    + ": employee "
                                    + e.id()
                                    + " is in department "
                                    + dep
                                    + ", which is not in the directory");
            }
            if (e.leaderId() != null && !employees.containsKey(e.leaderId())) {
                out.add(
                        corpId
                                + ": employee "
                                + e.id()
                                + " has leader "
                                + e.leaderId()
                                + ", who is not in the directory");
            }
        }
        for (Department d : departments.values()) {
            int steps = 0;
            for (String p = d.parentId();
                    p != null && departments.containsKey(p);
                    p = departments.get(p).parentId()) {
                if (++steps > departments.size()) {
                    out.add(
                            corpId
                                    + ": department "
                                    + d.id()
                                    + " is its own ancestor (a parent loop)");
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CorpDirectory other
                && other.corpId.equals(corpId)
                && other.departments.equals(departments)
                && other.employees.equals(employees);
    }

    @Override
    public int hashCode() {
        return corpId.hashCode() * 31 + departments.hashCode() * 17 + employees.hashCode();
    }

    @Override
    public String toString() {
        return "CorpDirectory{"
                + corpId
                + ": "
                + departments.size()
                + " departments, "
                + employees.size()
                + " employees}";
    }
}
