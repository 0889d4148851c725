package io.httpsync.contacts.jdbc;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityRef;

import org.apache.flink.annotation.Internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the tables hold for one corp: its live directory, and the soft-deleted entities (rows that
 * exist, so a reappearing entity is an update of its row). Immutable once loaded.
 */
@Internal
public record StoredState(CorpDirectory live, Set<EntityRef> softDeleted) {

    /** Whether the entity has a row, live or soft-deleted. */
    public boolean hasRow(EntityRef ref) {
        return softDeleted.contains(ref)
                || (ref.kind() == io.httpsync.contacts.model.EntityKind.DEPARTMENT
                        ? live.departments().containsKey(ref.id())
                        : live.employees().containsKey(ref.id()));
    }

    /** Reads the corp's rows in one transaction-consistent pass of the four tables. */
    public static StoredState load(Connection c, ContactsSchema schema, String corpId)
            throws SQLException {
        Map<String, List<String>> heads =
                grouped(
                        c,
                        "SELECT dept_id, user_id FROM "
                                + schema.departmentHead()
                                + " WHERE corp_id = ? ORDER BY dept_id, seq",
                        corpId);
        Map<String, List<String>> memberships =
                grouped(
                        c,
                        "SELECT user_id, dept_id FROM "
                                + schema.membership()
                                + " WHERE corp_id = ? ORDER BY user_id, seq",
                        corpId);
        List<Department> departments = new ArrayList<>();
        List<Employee> employees = new ArrayList<>();
        Set<EntityRef> softDeleted = new HashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT dept_id, parent_id, name, sort_order, deleted FROM "
                                + schema.department()
                                + " WHERE corp_id = ?")) {
            ps.setString(1, corpId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    if (rs.getBoolean(5)) {
                        softDeleted.add(EntityRef.department(id));
                    } else {
                        departments.add(
                                new Department(
                                        id,
                                        rs.getString(2),
                                        rs.getString(3),
                                        rs.getLong(4),
                                        heads.getOrDefault(id, List.of())));
                    }
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT user_id, name, leader_id, title, mobile, email, deleted FROM "
                                + schema.employee()
                                + " WHERE corp_id = ?")) {
            ps.setString(1, corpId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    List<String> deps = memberships.get(id);
                    if (rs.getBoolean(7) || deps == null) {
                        // an employee without memberships cannot be live: memberships are written
                        // with the employee
                        softDeleted.add(EntityRef.employee(id));
                    } else {
                        employees.add(
                                new Employee(
                                        id,
                                        rs.getString(2),
                                        deps,
                                        rs.getString(3),
                                        rs.getString(4),
                                        rs.getString(5),
                                        rs.getString(6)));
                    }
                }
            }
        }
        return new StoredState(new CorpDirectory(corpId, departments, employees), softDeleted);
    }

    private static Map<String, List<String>> grouped(Connection c, String sql, String corpId)
            throws SQLException {
        Map<String, List<String>> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, corpId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(rs.getString(2));
            }
        }
        return out;
    }
}
