package io.httpsync.connector.registry;

import io.httpsync.connector.auth.RegisteredTenant;
import io.httpsync.connector.auth.StoredToken;
import io.httpsync.connector.auth.Tenant;
import io.httpsync.connector.auth.TenantRegistry;
import io.httpsync.connector.auth.TenantRegistryOptions;
import io.httpsync.connector.auth.TokenStore;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A {@link TenantRegistry} and {@link TokenStore} in a PostgreSQL, MySQL or MariaDB database, named
 * by {@code tenants.registry.url}. The app's own authorization flow fills the tenant table ({@code
 * tenants.registry.table}, default {@code httpsync_tenants}; {@link #tenantTableDdl}):
 *
 * <pre>
 *   tenant_id        the tenant's id (primary key)
 *   properties       a JSON object of the tenant's properties: app key, secrets, refresh token, ...
 *   enabled          whether it is synced
 *   start_time       from when a tenant new to a job is synced (null: the job's scan.start)
 *   disabled_reason  why it is disabled (written by the token store when an authorization is revoked)
 * </pre>
 *
 * The token table ({@code tenants.registry.token-table}, default {@code httpsync_tokens}) is the
 * source's own: created if missing, one row per tenant, written only by compare-and-set on its
 * {@code version} column (see {@link TokenStore}).
 *
 * <p>Its properties are parsed with Flink's own (relocated) Jackson, which every Flink process has:
 * a cluster that runs the connector from its {@code -sql} jar (whose Jackson is relocated inside
 * it) needs only this module's jar and the JDBC driver beside it.
 *
 * <p>The JDBC driver is found through the {@link ServiceLoader} of the job's class loader (the
 * PostgreSQL, MariaDB or MySQL driver must be on the job's class path); {@code DriverManager} is
 * not used, since it does not see drivers of a job's class loader.
 *
 * <p><b>Threads.</b> One connection, opened on first use and again after an error; every method is
 * synchronized (the enumerator polls from its worker thread, the token store is used from the token
 * threads). Messages name the tables, never the URL (which may hold a password), the password or a
 * tenant's properties.
 */
@PublicEvolving
public final class JdbcTenantRegistry implements TenantRegistry, TokenStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IDENTIFIER =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final String url;
    @Nullable private final String username;
    @Nullable private final String password;
    private final String tenantTable;
    private final String tokenTable;
    private final boolean mysql;

    @Nullable private Connection connection;
    private boolean tokenTableChecked;

    /**
     * @param options the {@code tenants.registry.*} options without the prefix: {@code url}
     *     (required), {@code username}, {@code password}, {@code table}, {@code token-table}
     */
    public JdbcTenantRegistry(Map<String, String> options) {
        this.url = options.get(key(TenantRegistryOptions.URL.key()));
        if (url == null || url.isBlank())
            throw new IllegalArgumentException(
                    "option '"
                            + TenantRegistryOptions.URL.key()
                            + "' is required by the JDBC tenant registry");
        if (!url.startsWith("jdbc:postgresql:")
                && !url.startsWith("jdbc:mysql:")
                && !url.startsWith("jdbc:mariadb:"))
            throw new IllegalArgumentException(
                    "option '"
                            + TenantRegistryOptions.URL.key()
                            + "' must be a PostgreSQL, MySQL or MariaDB JDBC URL (jdbc:postgresql:, jdbc:mysql:,"
                            + " jdbc:mariadb:)");
        this.mysql = !url.startsWith("jdbc:postgresql:");
        this.username = options.get(key(TenantRegistryOptions.USERNAME.key()));
        this.password = options.get(key(TenantRegistryOptions.PASSWORD.key()));
        this.tenantTable =
                identifier(
                        TenantRegistryOptions.TABLE.key(),
                        options.getOrDefault(
                                key(TenantRegistryOptions.TABLE.key()),
                                TenantRegistryOptions.TABLE.defaultValue()));
        this.tokenTable =
                identifier(
                        TenantRegistryOptions.TOKEN_TABLE.key(),
                        options.getOrDefault(
                                key(TenantRegistryOptions.TOKEN_TABLE.key()),
                                TenantRegistryOptions.TOKEN_TABLE.defaultValue()));
    }

    private static String key(String fullKey) {
        return fullKey.substring(TenantRegistryOptions.PREFIX.length());
    }

    private static String identifier(String option, String name) {
        if (!IDENTIFIER.matcher(name).matches())
            throw new IllegalArgumentException(
                    "option '"
                            + option
                            + "': '"
                            + name
                            + "' is not a table name ([schema.]name of letters, digits, _)");
        return name;
    }

    /** The tenant table's DDL for PostgreSQL ({@code mysql} false) or MySQL/MariaDB. */
    public static String tenantTableDdl(String table, boolean mysql) {
        return "CREATE TABLE IF NOT EXISTS "
                + table
                + " (tenant_id VARCHAR(255) NOT NULL PRIMARY KEY,"
                + " properties TEXT NOT NULL,"
                + " enabled BOOLEAN NOT NULL DEFAULT TRUE,"
                + (mysql ? " start_time TIMESTAMP(3) NULL," : " start_time TIMESTAMPTZ NULL,")
                + " disabled_reason TEXT NULL)";
    }

    /** The token table's DDL (created by the registry itself when missing). */
    public static String tokenTableDdl(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + table
                + " (tenant_id VARCHAR(255) NOT NULL PRIMARY KEY,"
                + " version BIGINT NOT NULL,"
                + " access_token TEXT NULL,"
                + " access_valid_until BIGINT NOT NULL,"
                + " refresh_token TEXT NULL,"
                + " authorization_fingerprint VARCHAR(64) NOT NULL,"
                + " claimed_by VARCHAR(100) NULL,"
                + " claimed_until BIGINT NOT NULL)";
    }

    @Override
    public synchronized List<RegisteredTenant> tenants() throws SQLException {
        try (Statement st = connection().createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT tenant_id, properties, enabled, "
                                        + (mysql
                                                ? "CAST(UNIX_TIMESTAMP(start_time) * 1000 AS SIGNED)"
                                                : "start_time")
                                        + ", disabled_reason FROM "
                                        + tenantTable
                                        + " ORDER BY tenant_id")) {
            List<RegisteredTenant> out = new ArrayList<>();
            while (rs.next()) {
                String id = rs.getString(1);
                out.add(
                        new RegisteredTenant(
                                Tenant.of(id, properties(id, rs.getString(2))),
                                rs.getBoolean(3),
                                startTime(rs),
                                rs.getString(5)));
            }
            return out;
        } catch (SQLException e) {
            throw failed("reading tenant table " + tenantTable, e);
        }
    }

    /**
     * The start time (column 4) as an instant. MySQL's and MariaDB's drivers render a TIMESTAMP in
     * the JVM's default time zone, which need not be the session's: the instant is read as epoch
     * millis instead (a TIMESTAMP is an instant; a DATETIME is taken in UTC, the session's zone).
     * PostgreSQL's driver reads a TIMESTAMPTZ as its instant.
     */
    @Nullable
    private Instant startTime(ResultSet rs) throws SQLException {
        if (!mysql) {
            Timestamp start = rs.getTimestamp(4);
            return start == null ? null : start.toInstant();
        }
        long millis = rs.getLong(4);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    /** The properties column: a JSON object of strings (numbers and booleans are taken as text). */
    private Map<String, String> properties(String tenant, @Nullable String json) {
        Map<String, String> out = new TreeMap<>();
        if (json == null || json.isBlank()) return out;
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (Exception e) {
            // the column holds secrets: say where, not what
            throw new IllegalArgumentException(
                    "tenant table "
                            + tenantTable
                            + ": the properties of tenant '"
                            + tenant
                            + "' are not a JSON object");
        }
        if (!node.isObject())
            throw new IllegalArgumentException(
                    "tenant table "
                            + tenantTable
                            + ": the properties of tenant '"
                            + tenant
                            + "' are not a JSON object");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isValueNode() && !e.getValue().isNull())
                out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    @Override
    public TokenStore tokenStore() {
        return this;
    }

    @Override
    public synchronized Optional<StoredToken> read(String tenant) throws SQLException {
        try (PreparedStatement ps =
                tokenConnection()
                        .prepareStatement(
                                "SELECT version, access_token, access_valid_until, refresh_token,"
                                        + " authorization_fingerprint, claimed_by, claimed_until FROM "
                                        + tokenTable
                                        + " WHERE tenant_id = ?")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(
                        new StoredToken(
                                tenant,
                                rs.getLong(1),
                                rs.getString(2),
                                rs.getLong(3),
                                rs.getString(4),
                                rs.getString(5),
                                rs.getString(6),
                                rs.getLong(7)));
            }
        } catch (SQLException e) {
            throw failed("reading token table " + tokenTable, e);
        }
    }

    @Override
    public synchronized boolean compareAndSet(StoredToken next) throws SQLException {
        Connection c = tokenConnection();
        try {
            if (next.version() == 0) {
                try (PreparedStatement ps =
                        c.prepareStatement(
                                "INSERT INTO "
                                        + tokenTable
                                        + " (version, access_token, access_valid_until, refresh_token,"
                                        + " authorization_fingerprint, claimed_by, claimed_until, tenant_id)"
                                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    bind(ps, next);
                    return ps.executeUpdate() == 1;
                } catch (SQLException e) {
                    if (isDuplicateKey(e)) return false; // another party stored it first
                    throw e;
                }
            }
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE "
                                    + tokenTable
                                    + " SET version = ?, access_token = ?, access_valid_until = ?, refresh_token = ?,"
                                    + " authorization_fingerprint = ?, claimed_by = ?, claimed_until = ?"
                                    + " WHERE tenant_id = ? AND version = ?")) {
                bind(ps, next);
                ps.setLong(9, next.version() - 1);
                return ps.executeUpdate() == 1;
            }
        } catch (SQLException e) {
            throw failed("writing token table " + tokenTable, e);
        }
    }

    private static void bind(PreparedStatement ps, StoredToken t) throws SQLException {
        ps.setLong(1, t.version());
        ps.setString(2, t.accessToken());
        ps.setLong(3, t.accessTokenValidUntilMillis());
        ps.setString(4, t.refreshToken());
        ps.setString(5, t.authorizationFingerprint());
        ps.setString(6, t.claimedBy());
        ps.setLong(7, t.claimedUntilMillis());
        ps.setString(8, t.tenant());
    }

    private static boolean isDuplicateKey(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }

    @Override
    public synchronized void markRevoked(String tenant, String reason) throws SQLException {
        try (PreparedStatement ps =
                connection()
                        .prepareStatement(
                                "UPDATE "
                                        + tenantTable
                                        + " SET enabled = FALSE, disabled_reason = ? WHERE tenant_id = ?")) {
            ps.setString(1, reason);
            ps.setString(2, tenant);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failed("marking tenant '" + tenant + "' revoked in " + tenantTable, e);
        }
    }

    private Connection tokenConnection() throws SQLException {
        Connection c = connection();
        if (!tokenTableChecked) {
            try (Statement st = c.createStatement()) {
                st.execute(tokenTableDdl(tokenTable));
            } catch (SQLException e) {
                // PostgreSQL's CREATE TABLE IF NOT EXISTS is no guard against a concurrent one
                // (two jobs starting on a fresh store): the loser fails on a catalog key; the
                // table is there all the same
                if (!tokenTableExists(c)) throw e;
            }
            tokenTableChecked = true;
        }
        return c;
    }

    private boolean tokenTableExists(Connection c) {
        try (Statement st = c.createStatement()) {
            st.executeQuery("SELECT tenant_id FROM " + tokenTable + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private Connection connection() throws SQLException {
        if (connection != null && !connection.isClosed()) return connection;
        Properties props = new Properties();
        if (username != null) props.setProperty("user", username);
        if (password != null) props.setProperty("password", password);
        Driver driver = driver();
        Connection c = driver.connect(url, props);
        if (c == null)
            throw new SQLException(
                    "the JDBC driver "
                            + driver.getClass().getName()
                            + " refused the registry's URL");
        try {
            c.setAutoCommit(true);
            if (mysql) {
                // a DATETIME start_time means UTC, whatever the server's or the JVM's zone
                try (Statement st = c.createStatement()) {
                    st.execute("SET time_zone = '+00:00'");
                }
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
        return c;
    }

    private Driver driver() throws SQLException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) loader = JdbcTenantRegistry.class.getClassLoader();
        for (ClassLoader l : List.of(loader, JdbcTenantRegistry.class.getClassLoader())) {
            for (Driver d : ServiceLoader.load(Driver.class, l)) {
                if (d.acceptsURL(url)) return d;
            }
        }
        throw new SQLException(
                "no JDBC driver on the job's class path accepts the registry's URL ("
                        + url.substring(0, url.indexOf(':', 5) + 1)
                        + "...): add the PostgreSQL, MariaDB or MySQL driver to the job");
    }

    /**
     * Drops the connection (the next call opens a new one) and says what failed, without the URL.
     */
    private SQLException failed(String what, SQLException e) {
        try {
            if (connection != null) connection.close();
        } catch (SQLException ignored) {
            // it is broken anyway
        }
        connection = null;
        tokenTableChecked = false;
        return new SQLException(
                "tenant registry: " + what + " failed: " + e.getMessage(), e.getSQLState(), e);
    }

    @Override
    public synchronized void close() throws SQLException {
        if (connection != null) connection.close();
        connection = null;
    }

    @Override
    public String toString() {
        return "JdbcTenantRegistry{table="
                + tenantTable
                + ", tokenTable="
                + tokenTable
                + (mysql ? ", mysql" : "")
                + "}";
    }
}
