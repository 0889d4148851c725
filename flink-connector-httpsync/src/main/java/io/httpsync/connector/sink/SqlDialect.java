package io.httpsync.connector.sink;

import org.apache.flink.annotation.PublicEvolving;

import java.util.regex.Pattern;

/**
 * The SQL that lands records, for each database: one table design (one row per tenant and record id, the update
 * time and content hash of the stored version, the full pass that last saw the row, soft deletion), one guarded
 * upsert per database.
 *
 * <p>The guard: a row is rewritten only by a <em>newer</em> version (later update time) or by the same update time
 * with different content; an older version never overwrites a newer one, whatever order batches arrive in, and an
 * unchanged version writes nothing. Independently of the guard, a full pass stamps its id on every row it sees, and a
 * row seen again (in a version at least as new) loses its deletion mark.
 *
 * <p>PostgreSQL evaluates every {@code SET} expression against the old row, so one {@code WHERE} clause guards the
 * row. MySQL/MariaDB assign {@code ON DUPLICATE KEY UPDATE} columns left to right, each later expression seeing the
 * earlier columns' new values; so every column is guarded on its own with {@code IF(...)} on conditions that only read
 * {@code content_hash} and {@code update_time}, and those two are assigned last ({@code update_time} the very last).
 */
@PublicEvolving
public enum SqlDialect {
    POSTGRES("text", "jsonb", "timestamptz", "now()", "?::jsonb") {
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
            return column + " = CASE WHEN " + condition + " THEN " + incoming(column) + " ELSE " + current(table, column) + " END";
        }

        @Override
        String upsertTail(String table) {
            String t = table;
            return " ON CONFLICT (tenant, id) DO UPDATE SET "
                    + String.join(", ",
                            assign(t, "window_start", newer(t)),
                            assign(t, "payload", newer(t)),
                            assign(t, "synced_at", newer(t)),
                            "pass_id = COALESCE(EXCLUDED.pass_id, " + t + ".pass_id)",
                            assign(t, "deleted_at", seenAgain(t)),
                            assign(t, "content_hash", newer(t)),
                            assign(t, "update_time", newer(t)))
                    // without this, PostgreSQL would write a new row version even when nothing changed
                    + " WHERE " + newer(t)
                    + " OR (EXCLUDED.pass_id IS NOT NULL AND " + t + ".pass_id IS DISTINCT FROM EXCLUDED.pass_id)"
                    + " OR (" + t + ".deleted_at IS NOT NULL AND " + seenAgain(t) + ")";
        }
    },

    /** MySQL 5.7+/8 and MariaDB ({@code VALUES(col)} is deprecated in MySQL 8.0.20+ but still supported, and MariaDB's only form). */
    MYSQL("varchar(191)", "longtext", "timestamp(3) NULL", "CURRENT_TIMESTAMP(3)", "?") {
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
        String upsertTail(String table) {
            return " ON DUPLICATE KEY UPDATE "
                    + String.join(", ",
                            assign(table, "window_start", newer(table)),
                            assign(table, "payload", newer(table)),
                            assign(table, "synced_at", newer(table)),
                            "pass_id = COALESCE(VALUES(pass_id), pass_id)",
                            // deleted_at: VALUES(deleted_at) is the NULL inserted
                            assign(table, "deleted_at", seenAgain(table)),
                            // the two columns the conditions read: content_hash, then update_time last
                            assign(table, "content_hash", newer(table)),
                            assign(table, "update_time", newer(table)));
        }
    };

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String keyType;
    private final String jsonType;
    private final String timestampType;
    private final String now;
    private final String jsonParameter;

    SqlDialect(String keyType, String jsonType, String timestampType, String now, String jsonParameter) {
        this.keyType = keyType;
        this.jsonType = jsonType;
        this.timestampType = timestampType;
        this.now = now;
        this.jsonParameter = jsonParameter;
    }

    /** The column as stored (before the statement changes it). */
    abstract String current(String table, String column);

    /** The column as the statement would insert it. */
    abstract String incoming(String column);

    /** {@code column} takes the incoming value if {@code condition} holds, else keeps its value. */
    abstract String assign(String table, String column, String condition);

    abstract String upsertTail(String table);

    /** The incoming version is newer, or as new with other content. */
    String newer(String table) {
        String stored = current(table, "update_time");
        return "(" + incoming("update_time") + " > " + stored + " OR (" + incoming("update_time") + " = " + stored
                + " AND " + incoming("content_hash") + " <> " + current(table, "content_hash") + "))";
    }

    /** The incoming version is at least as new as the stored one: the record still exists on the platform. */
    String seenAgain(String table) {
        return incoming("update_time") + " >= " + current(table, "update_time");
    }

    /** {@code CREATE TABLE IF NOT EXISTS} for a record table. */
    public String createRecordTable(String table) {
        return "CREATE TABLE IF NOT EXISTS " + checkedIdentifier(table) + " (tenant " + keyType + " NOT NULL, id " + keyType
                + " NOT NULL, update_time bigint NOT NULL, window_start bigint NOT NULL, payload " + jsonType
                + " NOT NULL, content_hash bigint NOT NULL, pass_id " + keyType + " NULL, synced_at " + timestampType
                + ", deleted_at " + timestampType + ", PRIMARY KEY (tenant, id))";
    }

    /**
     * The guarded upsert; parameters: tenant, id, update_time, window_start, payload (JSON text), content_hash,
     * pass_id (null outside a full pass).
     */
    public String upsertRecord(String table) {
        String t = checkedIdentifier(table);
        return "INSERT INTO " + t + " (tenant, id, update_time, window_start, payload, content_hash, pass_id, synced_at, deleted_at)"
                + " VALUES (?, ?, ?, ?, " + jsonParameter + ", ?, ?, " + now + ", NULL)" + upsertTail(t);
    }

    /** The database's current time, as SQL. */
    public String now() {
        return now;
    }

    /** {@code table}, if it is a plain lower-case SQL identifier (table names cannot be bound as parameters). */
    public static String checkedIdentifier(String table) {
        if (table == null || !IDENTIFIER.matcher(table).matches()) {
            throw new IllegalArgumentException("table name '" + table + "' must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)");
        }
        return table;
    }
}
