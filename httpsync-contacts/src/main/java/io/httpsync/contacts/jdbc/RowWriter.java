package io.httpsync.contacts.jdbc;

import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityKind;
import io.httpsync.contacts.model.EntityRef;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The statements of one corp's sync, each group sent as one JDBC batch on the caller's connection
 * and transaction. Stateless apart from its settings and a counter of rows written (atomic): any
 * number of threads may use it, each with its own connection.
 */
@Internal
final class RowWriter {
    /**
     * One entity to write. {@code rowExists}: its row is there (live or soft-deleted), so it is
     * updated; {@code degraded}: written without its heads or leader, which {@link #patch} adds
     * later.
     */
    record Item(
            EntityRef ref, Object entity, boolean rowExists, boolean degraded, SyncAction action) {
        Department department() {
            return (Department) entity;
        }

        Employee employee() {
            return (Employee) entity;
        }
    }

    /** The sync log's entity kind of the row that stands for every entity a run left unchanged. */
    static final String CORP_KIND = "CORP";

    private final ContactsSchema schema;
    private final String corpId;
    private final String runId;

    /** Added to by the pool threads writing the corp's transactions. */
    private final AtomicLong rowsWritten = new AtomicLong();

    RowWriter(ContactsSchema schema, String corpId, String runId) {
        this.schema = schema;
        this.corpId = corpId;
        this.runId = runId;
    }

    /**
     * Writes entities none of which references another of them: their rows first, then their head
     * and membership rows; logs the ones written whole.
     */
    void write(Connection c, List<Item> items) throws SQLException {
        List<Item> departments =
                items.stream().filter(i -> i.ref().kind() == EntityKind.DEPARTMENT).toList();
        List<Item> employees =
                items.stream().filter(i -> i.ref().kind() == EntityKind.EMPLOYEE).toList();
        counted(
                c,
                "INSERT INTO "
                        + schema.department()
                        + " (corp_id, dept_id, parent_id, name, sort_order, deleted) VALUES (?, ?, ?, ?, ?, FALSE)",
                departments.stream().filter(i -> !i.rowExists()).toList(),
                (ps, i) -> {
                    Department d = i.department();
                    ps.setString(1, corpId);
                    ps.setString(2, d.id());
                    setNullable(ps, 3, d.parentId());
                    ps.setString(4, d.name());
                    ps.setLong(5, d.order());
                });
        counted(
                c,
                "UPDATE "
                        + schema.department()
                        + " SET parent_id = ?, name = ?, sort_order = ?, deleted = FALSE WHERE corp_id = ? AND dept_id = ?",
                departments.stream().filter(Item::rowExists).toList(),
                (ps, i) -> {
                    Department d = i.department();
                    setNullable(ps, 1, d.parentId());
                    ps.setString(2, d.name());
                    ps.setLong(3, d.order());
                    ps.setString(4, corpId);
                    ps.setString(5, d.id());
                });
        counted(
                c,
                "INSERT INTO "
                        + schema.employee()
                        + " (corp_id, user_id, name, leader_id, title, mobile, email, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, FALSE)",
                employees.stream().filter(i -> !i.rowExists()).toList(),
                (ps, i) -> {
                    Employee e = i.employee();
                    ps.setString(1, corpId);
                    ps.setString(2, e.id());
                    ps.setString(3, e.name());
                    setNullable(ps, 4, i.degraded() ? null : e.leaderId());
                    setNullable(ps, 5, e.title());
                    setNullable(ps, 6, e.mobile());
                    setNullable(ps, 7, e.email());
                });
        counted(
                c,
                "UPDATE "
                        + schema.employee()
                        + " SET name = ?, leader_id = ?, title = ?, mobile = ?, email = ?, deleted = FALSE WHERE corp_id = ? AND user_id = ?",
                employees.stream().filter(Item::rowExists).toList(),
                (ps, i) -> {
                    Employee e = i.employee();
                    ps.setString(1, e.name());
                    setNullable(ps, 2, i.degraded() ? null : e.leaderId());
                    setNullable(ps, 3, e.title());
                    setNullable(ps, 4, e.mobile());
                    setNullable(ps, 5, e.email());
                    ps.setString(6, corpId);
                    ps.setString(7, e.id());
                });
        // relations are replaced whole: an updated entity's old heads or memberships go first
        counted(
                c,
                "DELETE FROM " + schema.departmentHead() + " WHERE corp_id = ? AND dept_id = ?",
                departments.stream().filter(Item::rowExists).toList(),
                (ps, i) -> {
                    ps.setString(1, corpId);
                    ps.setString(2, i.ref().id());
                });
        counted(
                c,
                "DELETE FROM " + schema.membership() + " WHERE corp_id = ? AND user_id = ?",
                employees.stream().filter(Item::rowExists).toList(),
                (ps, i) -> {
                    ps.setString(1, corpId);
                    ps.setString(2, i.ref().id());
                });
        insertHeads(
                c, departments.stream().filter(i -> !i.degraded()).map(Item::department).toList());
        counted(
                c,
                "INSERT INTO "
                        + schema.membership()
                        + " (corp_id, user_id, dept_id, seq) VALUES (?, ?, ?, ?)",
                employees.stream()
                        .flatMap(
                                i ->
                                        seq(i.employee().departmentIds()).stream()
                                                .map(p -> new String[] {i.ref().id(), p[0], p[1]}))
                        .toList(),
                (ps, row) -> {
                    ps.setString(1, corpId);
                    ps.setString(2, row[0]);
                    ps.setString(3, row[1]);
                    ps.setInt(4, Integer.parseInt(row[2]));
                });
        log(c, items.stream().filter(i -> !i.degraded()).toList());
    }

    /** Adds the withheld heads and leaders of degraded entities, and logs those entities. */
    void patch(Connection c, List<Item> degraded) throws SQLException {
        insertHeads(
                c,
                degraded.stream()
                        .filter(i -> i.ref().kind() == EntityKind.DEPARTMENT)
                        .map(Item::department)
                        .toList());
        counted(
                c,
                "UPDATE "
                        + schema.employee()
                        + " SET leader_id = ? WHERE corp_id = ? AND user_id = ?",
                degraded.stream().filter(i -> i.ref().kind() == EntityKind.EMPLOYEE).toList(),
                (ps, i) -> {
                    setNullable(ps, 1, i.employee().leaderId());
                    ps.setString(2, corpId);
                    ps.setString(3, i.ref().id());
                });
        log(c, degraded);
    }

    /**
     * Removes entities that are gone, references first: their head and membership rows, the leader
     * fields among them; then the employees; then the departments in the given order (children
     * before parents). Soft deletion marks the rows instead of removing them; the relation rows go
     * either way.
     */
    void delete(
            Connection c,
            List<String> employees,
            List<List<String>> departmentsByLevel,
            boolean soft)
            throws SQLException {
        List<String> allDepartments = departmentsByLevel.stream().flatMap(List::stream).toList();
        counted(
                c,
                "DELETE FROM " + schema.departmentHead() + " WHERE corp_id = ? AND dept_id = ?",
                allDepartments,
                this::corpAnd);
        counted(
                c,
                "DELETE FROM " + schema.departmentHead() + " WHERE corp_id = ? AND user_id = ?",
                employees,
                this::corpAnd);
        counted(
                c,
                "DELETE FROM " + schema.membership() + " WHERE corp_id = ? AND user_id = ?",
                employees,
                this::corpAnd);
        counted(
                c,
                "DELETE FROM " + schema.membership() + " WHERE corp_id = ? AND dept_id = ?",
                allDepartments,
                this::corpAnd);
        counted(
                c,
                "UPDATE "
                        + schema.employee()
                        + " SET leader_id = NULL WHERE corp_id = ? AND user_id = ?",
                employees,
                this::corpAnd);
        counted(
                c,
                soft
                        ? "UPDATE "
                                + schema.employee()
                                + " SET deleted = TRUE WHERE corp_id = ? AND user_id = ?"
                        : "DELETE FROM " + schema.employee() + " WHERE corp_id = ? AND user_id = ?",
                employees,
                this::corpAnd);
        for (List<String> level : departmentsByLevel) {
            counted(
                    c,
                    soft
                            ? "UPDATE "
                                    + schema.department()
                                    + " SET deleted = TRUE WHERE corp_id = ? AND dept_id = ?"
                            : "DELETE FROM "
                                    + schema.department()
                                    + " WHERE corp_id = ? AND dept_id = ?",
                    level,
                    this::corpAnd);
        }
        List<Item> logged = new java.util.ArrayList<>();
        employees.forEach(
                id ->
                        logged.add(
                                new Item(
                                        EntityRef.employee(id),
                                        null,
                                        true,
                                        false,
                                        SyncAction.DELETED)));
        allDepartments.forEach(
                id ->
                        logged.add(
                                new Item(
                                        EntityRef.department(id),
                                        null,
                                        true,
                                        false,
                                        SyncAction.DELETED)));
        log(c, logged);
    }

    /**
     * Logs the entities the run leaves as they are in one row, however many they are: kind {@value
     * #CORP_KIND}, the corp's id, {@code UNCHANGED}; nothing if there are none.
     */
    void logUnchanged(Connection c, int unchanged) throws SQLException {
        if (unchanged == 0) return;
        batch(
                c,
                "INSERT INTO "
                        + schema.syncLog()
                        + " (run_id, corp_id, entity_kind, entity_id, action, degraded, logged_at) "
                        + "VALUES (?, ?, ?, ?, ?, FALSE, "
                        + schema.dialect().now()
                        + ")",
                List.of(corpId),
                (ps, id) -> {
                    ps.setString(1, runId);
                    ps.setString(2, corpId);
                    ps.setString(3, CORP_KIND);
                    ps.setString(4, id);
                    ps.setString(5, SyncAction.UNCHANGED.name());
                });
    }

    /** Rows the statements of this writer changed in the contacts tables (not the sync log). */
    long rowsWritten() {
        return rowsWritten.get();
    }

    private void log(Connection c, List<Item> items) throws SQLException {
        batch(
                c,
                "INSERT INTO "
                        + schema.syncLog()
                        + " (run_id, corp_id, entity_kind, entity_id, action, degraded, logged_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, "
                        + schema.dialect().now()
                        + ")",
                items,
                (ps, i) -> {
                    ps.setString(1, runId);
                    ps.setString(2, corpId);
                    ps.setString(3, i.ref().kind().name());
                    ps.setString(4, i.ref().id());
                    ps.setString(5, i.action().name());
                    ps.setBoolean(6, i.degraded());
                });
    }

    private void insertHeads(Connection c, List<Department> departments) throws SQLException {
        counted(
                c,
                "INSERT INTO "
                        + schema.departmentHead()
                        + " (corp_id, dept_id, user_id, seq) VALUES (?, ?, ?, ?)",
                departments.stream()
                        .flatMap(
                                d ->
                                        seq(d.headIds()).stream()
                                                .map(p -> new String[] {d.id(), p[0], p[1]}))
                        .toList(),
                (ps, row) -> {
                    ps.setString(1, corpId);
                    ps.setString(2, row[0]);
                    ps.setString(3, row[1]);
                    ps.setInt(4, Integer.parseInt(row[2]));
                });
    }

    private void corpAnd(PreparedStatement ps, String id) throws SQLException {
        ps.setString(1, corpId);
        ps.setString(2, id);
    }

    private static List<String[]> seq(List<String> ids) {
        java.util.ArrayList<String[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < ids.size(); i++)
            out.add(new String[] {ids.get(i), Integer.toString(i)});
        return out;
    }

    static void setNullable(PreparedStatement ps, int index, @Nullable String value)
            throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    @FunctionalInterface
    interface Binder<T> {
        void bind(PreparedStatement ps, T value) throws SQLException;
    }

    /** A batch on the contacts tables: its rows count as written. */
    private <T> void counted(Connection c, String sql, List<T> values, Binder<T> binder)
            throws SQLException {
        rowsWritten.addAndGet(batch(c, sql, values, binder));
    }

    /**
     * Runs one statement per value as a JDBC batch; returns the rows it changed as the driver
     * reports them (a statement the driver reports without a count counts as one row).
     */
    static <T> int batch(Connection c, String sql, List<T> values, Binder<T> binder)
            throws SQLException {
        if (values.isEmpty()) return 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (T v : values) {
                binder.bind(ps, v);
                ps.addBatch();
            }
            int rows = 0;
            for (int n : ps.executeBatch())
                rows += n >= 0 ? n : n == Statement.SUCCESS_NO_INFO ? 1 : 0;
            return rows;
        }
    }
}
