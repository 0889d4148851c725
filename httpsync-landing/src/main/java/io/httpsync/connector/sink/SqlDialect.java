package io.httpsync.connector.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The SQL that lands records, for each database: one table design (one row per tenant and record
 * id, the update time and content hash of the stored version, the full pass that last saw the row,
 * soft deletion), one guarded upsert per database.
 *
 * <p>The guard: a row is rewritten only by a <em>newer</em> version (later update time) or by the
 * same update time with different content; an older version never overwrites a newer one, whatever
 * order batches arrive in, and an unchanged version writes nothing. Independently of the guard, a
 * full pass stamps its id on every row it sees, and a row seen again (in a version at least as new)
 * loses its deletion mark. The snapshot tables of {@link SnapshotTable} reuse the same version
 * columns and guard, keyed by (pass, tenant, id).
 *
 * <p>PostgreSQL evaluates every {@code SET} expression against the old row, so one {@code WHERE}
 * clause guards the row. MySQL/MariaDB assign {@code ON DUPLICATE KEY UPDATE} columns left to
 * right, each later expression seeing the earlier columns' new values; so every column is guarded
 * on its own with {@code IF(...)} on conditions that only read {@code content_hash} and {@code
 * update_time}, and those two are assigned last ({@code update_time} the very last).
 */
@PublicEvolving
public enum SqlDialect {
    POSTGRES("text", "jsonb", "timestamptz", "now()", "?::jsonb", "") {
        @Override
        String current(String table, String column) {
            return table + "." + column;
        }

        @Override
        String incoming(String column) {
            return "EXCLUDED." + column;
        }

        @Override
        String assign(String table, String column, String condition) {
            return column
                    + " = CASE WHEN "
                    + condition
                    + " THEN "
                    + incoming(column)
                    + " ELSE "
                    + current(table, column)
                    + " END";
        }

        @Override
        String onConflict(String key, List<String> assignments, String rewriteWhen) {
            // without the WHERE, PostgreSQL would write a new row version even when nothing changed
            return " ON CONFLICT ("
                    + key
                    + ") DO UPDATE SET "
                    + String.join(", ", assignments)
                    + " WHERE "
                    + rewriteWhen;
        }
    },

    /**
     * MySQL 5.7+/8 and MariaDB ({@code VALUES(col)} is deprecated in MySQL 8.0.20+ but still
     * supported, and MariaDB's only form).
     */
    // utf8mb4 whatever the server's default (often latin1): payloads and messages hold Chinese
    // text; 191 characters
    // keep a utf8mb4 key within InnoDB's index limit
    MYSQL(
            "varchar(191)",
            "longtext",
            "timestamp(3) NULL",
            "CURRENT_TIMESTAMP(3)",
            "?",
            " DEFAULT CHARSET=utf8mb4") {
        @Override
        String current(String table, String column) {
            return column;
        }

        @Override
        String incoming(String column) {
            return "VALUES(" + column + ")";
        }

        @Override
        String assign(String table, String column, String condition) {
            return column + " = IF(" + condition + ", " + incoming(column) + ", " + column + ")";
        }

        @Override
        String onConflict(String key, List<String> assignments, String rewriteWhen) {
            // every assignment is guarded on its own, so no row-level condition is needed (nor
            // possible)
            return " ON DUPLICATE KEY UPDATE " + String.join(", ", assignments);
        }
    };

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String keyType;
    private final String jsonType;
    private final String timestampType;
    private final String now;
    private final String jsonParameter;
    private final String tableOptions;

    SqlDialect(
            String keyType,
            String jsonType,
            String timestampType,
            String now,
            String jsonParameter,
            String tableOptions) {
        this.keyType = keyType;
        this.jsonType = jsonType;
        this.timestampType = timestampType;
        this.now = now;
        this.jsonParameter = jsonParameter;
        this.tableOptions = tableOptions;
    }

    /** The column as stored (before the statement changes it). */
    abstract String current(String table, String column);

    /** The column as the statement would insert it. */
    abstract String incoming(String column);

    /** {@code column} takes the incoming value if {@code condition} holds, else keeps its value. */
    abstract String assign(String table, String column, String condition);

    /**
     * The conflict clause on {@code key}: the {@code assignments} (each guarded on its own), and
     * for databases that evaluate them all against the old row, {@code rewriteWhen}, the condition
     * under which the row is rewritten at all.
     */
    abstract String onConflict(String key, List<String> assignments, String rewriteWhen);

    /**
     * The assignments that take a newer version: the version's columns, then {@code others}, then
     * the two columns the conditions read, {@code content_hash} and {@code update_time} last (see
     * the class comment on MySQL's order).
     */
    private List<String> takeNewerVersion(String table, String... others) {
        List<String> out = new ArrayList<>();
        for (String column : new String[] {"window_start", "payload", "synced_at"})
            out.add(assign(table, column, newer(table)));
        out.addAll(List.of(others));
        out.add(assign(table, "content_hash", newer(table)));
        out.add(assign(table, "update_time", newer(table)));
        return out;
    }

    private String recordUpsertTail(String t) {
        return onConflict(
                "tenant, id",
                takeNewerVersion(
                        t,
                        "pass_id = COALESCE("
                                + incoming("pass_id")
                                + ", "
                                + current(t, "pass_id")
                                + ")",
                        // MySQL: the incoming deleted_at is the NULL inserted
                        assign(t, "deleted_at", seenAgain(t))),
                newer(t)
                        + " OR ("
                        + incoming("pass_id")
                        + " IS NOT NULL AND "
                        + current(t, "pass_id")
                        + " IS DISTINCT FROM "
                        + incoming("pass_id")
                        + ")"
                        + " OR ("
                        + current(t, "deleted_at")
                        + " IS NOT NULL AND "
                        + seenAgain(t)
                        + ")");
    }

    /** The incoming version is newer, or as new with other content. */
    String newer(String table) {
        String stored = current(table, "update_time");
        return "("
                + incoming("update_time")
                + " > "
                + stored
                + " OR ("
                + incoming("update_time")
                + " = "
                + stored
                + " AND "
                + incoming("content_hash")
                + " <> "
                + current(table, "content_hash")
                + "))";
    }

    /**
     * The incoming version is at least as new as the stored one: the record still exists on the
     * platform.
     */
    String seenAgain(String table) {
        return incoming("update_time") + " >= " + current(table, "update_time");
    }

    /** {@code CREATE TABLE IF NOT EXISTS} for a record table. */
    public String createRecordTable(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + checkedIdentifier(table)
                + " (tenant "
                + keyType
                + " NOT NULL, id "
                + keyType
                + " NOT NULL, update_time bigint NOT NULL, window_start bigint NOT NULL, payload "
                + jsonType
                + " NOT NULL, content_hash bigint NOT NULL, pass_id "
                + keyType
                + " NULL, synced_at "
                + timestampType
                + ", deleted_at "
                + timestampType
                + ", PRIMARY KEY (tenant, id))"
                + tableOptions;
    }

    /**
     * The guarded upsert; parameters: tenant, id, update_time, window_start, payload (JSON text),
     * content_hash, pass_id (null outside a full pass).
     */
    public String upsertRecord(String table) {
        String t = checkedIdentifier(table);
        return "INSERT INTO "
                + t
                + " (tenant, id, update_time, window_start, payload, content_hash, pass_id, synced_at, deleted_at)"
                + " VALUES (?, ?, ?, ?, "
                + jsonParameter
                + ", ?, ?, "
                + now
                + ", NULL)"
                + recordUpsertTail(t);
    }

    /**
     * {@code CREATE TABLE IF NOT EXISTS} for a snapshot table: the record table's version columns,
     * one row per (pass, tenant, id), so every full pass keeps its own complete copy ({@link
     * SnapshotTable}).
     */
    public String createSnapshotTable(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + checkedIdentifier(table)
                + " (pass_id "
                + keyType
                + " NOT NULL, tenant "
                + keyType
                + " NOT NULL, id "
                + keyType
                + " NOT NULL, update_time bigint NOT NULL, window_start bigint NOT NULL, payload "
                + jsonType
                + " NOT NULL, content_hash bigint NOT NULL, synced_at "
                + timestampType
                + ", PRIMARY KEY (pass_id, tenant, id))"
                + tableOptions;
    }

    /**
     * {@code CREATE TABLE IF NOT EXISTS} for the passes of a snapshot table: started, and completed
     * per tenant.
     */
    public String createPassTable(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + checkedIdentifier(table)
                + " (tenant "
                + keyType
                + " NOT NULL, pass_id "
                + keyType
                + " NOT NULL, end_millis bigint NOT NULL, started_at "
                + timestampType
                + ", completed_at "
                + timestampType
                + ", PRIMARY KEY (tenant, pass_id))"
                + tableOptions;
    }

    /**
     * Writes a record into its pass's snapshot, with the parameters of {@link #upsertRecord}
     * (pass_id required). Insert-only across passes: no pass touches another pass's rows. Within a
     * pass, a record read twice keeps its newest version under the same guard as the record table,
     * so a replay of the pass writes nothing.
     */
    public String insertSnapshotRecord(String table) {
        String t = checkedIdentifier(table);
        return "INSERT INTO "
                + t
                + " (tenant, id, update_time, window_start, payload, content_hash, pass_id, synced_at)"
                + " VALUES (?, ?, ?, ?, "
                + jsonParameter
                + ", ?, ?, "
                + now
                + ")"
                + onConflict("pass_id, tenant, id", takeNewerVersion(t), newer(t));
    }

    /**
     * What follows a {@code CREATE TABLE}'s column list: MySQL's character set, so that Chinese
     * text fits.
     */
    public String tableOptions() {
        return tableOptions;
    }

    /** The type of a key column (tenant, id, ...). */
    String keyType() {
        return keyType;
    }

    /** The type of a column holding a point in time. */
    String timestampType() {
        return timestampType;
    }

    /** The database's current time, as SQL. */
    public String now() {
        return now;
    }

    /**
     * {@code table}, if it is a plain lower-case SQL identifier (table names cannot be bound as
     * parameters).
     */
    public static String checkedIdentifier(String table) {
        if (table == null || !IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException(
                    "table name '"
                            + table
                            + "' must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)");
        }
        return table;
    }
}
