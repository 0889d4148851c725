package io.httpsync.contacts.jdbc;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityKind;
import io.httpsync.contacts.model.EntityRef;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the tables hold for one corp, or for some of its departments and employees: the live
 * entities as a directory, and the soft-deleted ones (rows that exist, so a reappearing entity is
 * an update of its row). Immutable once loaded.
 */
@Internal
public record StoredState(CorpDirectory live, Set<EntityRef> softDeleted) {

    /** Ids in one {@code IN (...)} list: well below every database's limit on parameters. */
    private static final int IN_CHUNK = 500;

    /** Whether the entity has a row, live or soft-deleted. */
    public boolean hasRow(EntityRef ref) {
        return softDeleted.contains(ref)
                || (ref.kind() == EntityKind.DEPARTMENT
                        ? live.departments().containsKey(ref.id())
                        : live.employees().containsKey(ref.id()));
    }

    /** Reads the corp's rows in one transaction-consistent pass of the four tables. */
    public static StoredState load(Connection c, ContactsSchema schema, String corpId)
            throws SQLException {
        return load(c, schema, corpId, null, null);
    }

    /**
     * Reads the rows of some departments (with their heads) and some employees (with all their
     * memberships); {@code null} for all of them.
     */
    public static StoredState load(
            Connection c,
            ContactsSchema schema,
            String corpId,
            @Nullable Collection<String> departmentIds,
            @Nullable Collection<String> userIds)
            throws SQLException {
        Map<String, List<String>> heads = new TreeMap<>();
        query(
                c,
                "SELECT dept_id, user_id FROM " + schema.departmentHead() + " WHERE corp_id = ?",
                "dept_id",
                " ORDER BY dept_id, seq",
                corpId,
                departmentIds,
                rs ->
                        heads.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(rs.getString(2)));
        Map<String, List<String>> memberships = new TreeMap<>();
        query(
                c,
                "SELECT user_id, dept_id FROM " + schema.membership() + " WHERE corp_id = ?",
                "user_id",
                " ORDER BY user_id, seq",
                corpId,
                userIds,
                rs ->
                        memberships
                                .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(rs.getString(2)));
        List<Department> departments = new ArrayList<>();
        List<Employee> employees = new ArrayList<>();
        Set<EntityRef> softDeleted = new HashSet<>();
        query(
                c,
                "SELECT dept_id, parent_id, name, sort_order, deleted FROM "
                        + schema.department()
                        + " WHERE corp_id = ?",
                "dept_id",
                "",
                corpId,
                departmentIds,
                rs -> {
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
                });
        query(
                c,
                "SELECT user_id, name, leader_id, title, mobile, email, deleted FROM "
                        + schema.employee()
                        + " WHERE corp_id = ?",
                "user_id",
                "",
                corpId,
                userIds,
                rs -> {
                    String id = rs.getString(1);
                    List<String> deps = memberships.get(id);
                    if (rs.getBoolean(7) || deps == null) {
                        // an employee without memberships cannot be live: memberships are
                        // written with the employee
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
                });
        return new StoredState(new CorpDirectory(corpId, departments, employees), softDeleted);
    }

    /** The employees the membership table puts in any of {@code departmentIds}. */
    public static Set<String> members(
            Connection c, ContactsSchema schema, String corpId, Collection<String> departmentIds)
            throws SQLException {
        Set<String> out = new TreeSet<>();
        query(
                c,
                "SELECT user_id FROM " + schema.membership() + " WHERE corp_id = ?",
                "dept_id",
                "",
                corpId,
                departmentIds,
                rs -> out.add(rs.getString(1)));
        return Collections.unmodifiableSet(out);
    }

    @FunctionalInterface
    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    /**
     * Runs {@code select} (its one parameter the corp) for all rows, or, with {@code ids}, for the
     * rows whose {@code column} is one of them, in chunks of {@value #IN_CHUNK}.
     */
    private static void query(
            Connection c,
            String select,
            String column,
            String orderBy,
            String corpId,
            @Nullable Collection<String> ids,
            RowReader reader)
            throws SQLException {
        if (ids == null) {
            run(c, select + orderBy, corpId, List.of(), reader);
            return;
        }
        List<String> all = List.copyOf(ids);
        for (int i = 0; i < all.size(); i += IN_CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + IN_CHUNK));
            String in = String.join(", ", Collections.nCopies(chunk.size(), "?"));
            run(c, select + " AND " + column + " IN (" + in + ")" + orderBy, corpId, chunk, reader);
        }
    }

    private static void run(
            Connection c, String sql, String corpId, List<String> ids, RowReader reader)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, corpId);
            for (int i = 0; i < ids.size(); i++) ps.setString(i + 2, ids.get(i));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) reader.read(rs);
            }
        }
    }
}
