package io.httpsync.contacts.jdbc;

import io.httpsync.connector.sink.SqlDialect;

import org.apache.flink.annotation.PublicEvolving;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables a contacts sync lands into, every key led by the corp id, every reference a foreign
 * key that the database checks at once (none is deferrable or disabled):
 *
 * <ul>
 *   <li>{@code <prefix>department}: parent &rarr; department;
 *   <li>{@code <prefix>employee}: leader &rarr; employee;
 *   <li>{@code <prefix>department_head}: department &harr; employee, with the head's rank ({@code
 *       seq}, 0 = main);
 *   <li>{@code <prefix>membership}: employee &harr; department, with the department's rank ({@code
 *       seq}, 0 = main);
 *   <li>{@code <prefix>sync_log}: per run and corp, each entity once with what happened to it (its
 *       primary key makes a second row for the same entity a constraint error);
 *   <li>{@code <prefix>sync_run}: per run and corp, its status and counts;
 *   <li>{@code <prefix>department_hash}: per corp and department, the Merkle hashes the last
 *       completed run left (its parent, subtree hash and leaf hash), and {@code <prefix>corp_hash}:
 *       per corp, the root hash. No foreign keys: a hash row outlives its department's row until
 *       the run that deleted the department completes.
 * </ul>
 *
 * {@code deleted} marks soft-deleted departments and employees (the soft-delete option). Immutable.
 */
@PublicEvolving
public final class ContactsSchema {
    private final SqlDialect dialect;
    private final String prefix;

    /**
     * @param prefix what every table name starts with, e.g. {@code contacts_} (a lower-case SQL
     *     identifier)
     */
    public ContactsSchema(SqlDialect dialect, String prefix) {
        this.dialect = dialect;
        this.prefix = SqlDialect.checkedIdentifier(prefix);
    }

    /** The dialect of a JDBC URL: PostgreSQL, or MySQL/MariaDB. */
    public static SqlDialect dialectOf(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:postgresql:")) return SqlDialect.POSTGRES;
        if (jdbcUrl.startsWith("jdbc:mysql:") || jdbcUrl.startsWith("jdbc:mariadb:"))
            return SqlDialect.MYSQL;
        int second = jdbcUrl.indexOf(':', 5);
        throw new IllegalArgumentException(
                "contacts sync supports PostgreSQL (jdbc:postgresql:) and MySQL/MariaDB "
                        + "(jdbc:mysql:, jdbc:mariadb:), not '"
                        + (second > 0
                                ? jdbcUrl.substring(0, second + 1)
                                : "a URL without a database")
                        + "'");
    }

    public SqlDialect dialect() {
        return dialect;
    }

    public String department() {
        return prefix + "department";
    }

    public String employee() {
        return prefix + "employee";
    }

    public String departmentHead() {
        return prefix + "department_head";
    }

    public String membership() {
        return prefix + "membership";
    }

    public String syncLog() {
        return prefix + "sync_log";
    }

    public String syncRun() {
        return prefix + "sync_run";
    }

    public String departmentHash() {
        return prefix + "department_hash";
    }

    public String corpHash() {
        return prefix + "corp_hash";
    }

    /** Creates the tables that do not exist yet. */
    public void create(Connection c) throws SQLException {
        String key = "VARCHAR(128) NOT NULL";
        String corp = "corp_id VARCHAR(64) NOT NULL";
        String ts = dialect == SqlDialect.POSTGRES ? "TIMESTAMPTZ" : "TIMESTAMP(3) NULL";
        String opts = dialect.tableOptions();
        List<String> ddl =
                List.of(
                        "CREATE TABLE IF NOT EXISTS "
                                + department()
                                + " ("
                                + corp
                                + ", dept_id "
                                + key
                                + ", parent_id VARCHAR(128) NULL, "
                                + "name VARCHAR(255) NOT NULL, sort_order BIGINT NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE, "
                                + "PRIMARY KEY (corp_id, dept_id), CONSTRAINT "
                                + department()
                                + "_parent_fk FOREIGN KEY (corp_id, parent_id) "
                                + "REFERENCES "
                                + department()
                                + " (corp_id, dept_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + employee()
                                + " ("
                                + corp
                                + ", user_id "
                                + key
                                + ", name VARCHAR(255) NOT NULL, "
                                + "leader_id VARCHAR(128) NULL, title VARCHAR(255) NULL, mobile VARCHAR(64) NULL, email VARCHAR(255) NULL, "
                                + "deleted BOOLEAN NOT NULL DEFAULT FALSE, PRIMARY KEY (corp_id, user_id), CONSTRAINT "
                                + employee()
                                + "_leader_fk FOREIGN KEY (corp_id, leader_id) REFERENCES "
                                + employee()
                                + " (corp_id, user_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + departmentHead()
                                + " ("
                                + corp
                                + ", dept_id "
                                + key
                                + ", user_id "
                                + key
                                + ", seq INT NOT NULL, PRIMARY KEY (corp_id, dept_id, user_id), CONSTRAINT "
                                + departmentHead()
                                + "_dept_fk FOREIGN KEY (corp_id, dept_id) REFERENCES "
                                + department()
                                + " (corp_id, dept_id), CONSTRAINT "
                                + departmentHead()
                                + "_user_fk FOREIGN KEY (corp_id, user_id) REFERENCES "
                                + employee()
                                + " (corp_id, user_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + membership()
                                + " ("
                                + corp
                                + ", user_id "
                                + key
                                + ", dept_id "
                                + key
                                + ", seq INT NOT NULL, PRIMARY KEY (corp_id, user_id, dept_id), CONSTRAINT "
                                + membership()
                                + "_user_fk FOREIGN KEY (corp_id, user_id) REFERENCES "
                                + employee()
                                + " (corp_id, user_id), CONSTRAINT "
                                + membership()
                                + "_dept_fk FOREIGN KEY (corp_id, dept_id) REFERENCES "
                                + department()
                                + " (corp_id, dept_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + syncLog()
                                + " (run_id VARCHAR(64) NOT NULL, "
                                + corp
                                + ", entity_kind VARCHAR(16) NOT NULL, "
                                + "entity_id "
                                + key
                                + ", action VARCHAR(16) NOT NULL, degraded BOOLEAN NOT NULL, logged_at "
                                + ts
                                + ", "
                                + "PRIMARY KEY (run_id, corp_id, entity_kind, entity_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + syncRun()
                                + " (run_id VARCHAR(64) NOT NULL, "
                                + corp
                                + ", platform VARCHAR(32) NOT NULL, "
                                + "status VARCHAR(16) NOT NULL, created INT NOT NULL, updated INT NOT NULL, unchanged INT NOT NULL, "
                                + "deleted INT NOT NULL, degraded INT NOT NULL, cycles INT NOT NULL, message VARCHAR(2000) NULL, "
                                + "finished_at "
                                + ts
                                + ", PRIMARY KEY (run_id, corp_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + departmentHash()
                                + " ("
                                + corp
                                + ", dept_id "
                                + key
                                + ", parent_id VARCHAR(128) NULL, subtree_hash CHAR(64) NULL, "
                                + "leaf_hash CHAR(64) NULL, PRIMARY KEY (corp_id, dept_id))"
                                + opts,
                        "CREATE TABLE IF NOT EXISTS "
                                + corpHash()
                                + " ("
                                + corp
                                + ", root_hash CHAR(64) NULL, run_id VARCHAR(64) NOT NULL, updated_at "
                                + ts
                                + ", PRIMARY KEY (corp_id))"
                                + opts);
        try (Statement s = c.createStatement()) {
            for (String sql : ddl) s.execute(sql);
        }
    }
}
