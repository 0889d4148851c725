package io.httpsync.connector.sink;

import io.httpsync.connector.domain.CandidateCheck;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.annotation.VisibleForTesting;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps two full passes of one record table and tenant from running at once: before its first
 * round, a pass takes a lease per tenant, a row of the lease table keyed by (record table, tenant)
 * that names the holder pass and when the lease expires; it renews the lease while it runs and
 * releases it at its end. A second pass finds the lease held and refuses ({@link
 * HeldElsewhereException}, naming the table, the tenant, the holder and the expiry), or waits for
 * it ({@link #waitingUpTo}). A holder that crashed stops renewing, so its lease expires and the
 * next pass takes it over.
 *
 * <p>Why: a pass stamps its id on every row it reads ({@code pass_id}) and judges the rows it did
 * not stamp. Two overlapping passes overwrite each other's stamps, and each then takes the rows the
 * other stamped for unseen. The candidate check ({@link CandidateCheck}) keeps such rows from being
 * marked (they are alive on the platform), but each costs a request, and a tenant's whole table may
 * look unseen (the ratio guard then refuses). The lease keeps the stamps of a running pass its own.
 *
 * <p>Atomicity: taking a lease is one conditional upsert (PostgreSQL {@code INSERT ... ON CONFLICT
 * DO UPDATE ... WHERE}, MySQL/MariaDB {@code INSERT ... ON DUPLICATE KEY UPDATE} with each column
 * guarded), which the database runs under the row's lock, followed in the same transaction by
 * reading the row back: the holder read is the one the upsert left, so of two passes racing for a
 * free or expired lease exactly one reads its own id. Expiry is judged by the database's clock
 * ({@code now()} / {@code CURRENT_TIMESTAMP(3)}), so the passes' hosts' clocks do not matter.
 *
 * <p>Thread contract: {@link #acquire} runs on the caller's thread with a connection of its own. A
 * {@link Held} lease renews itself every third of its time to live on one daemon thread of its own,
 * over a connection of its own; its methods may be called from any thread (they synchronize on the
 * lease).
 */
@PublicEvolving
public final class PassLease {
    private static final Logger LOG = LoggerFactory.getLogger(PassLease.class);

    /** The lease table's default name; one table serves every record table of a database. */
    public static final String DEFAULT_TABLE = "httpsync_pass_leases";

    /** Opens a new connection to the database of the record table. */
    @FunctionalInterface
    public interface Connector {
        Connection connect() throws SQLException;
    }

    /** Another pass holds the lease of a table and tenant. */
    @PublicEvolving
    public static final class HeldElsewhereException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String table;
        private final String tenant;
        private final String holder;

        HeldElsewhereException(
                String passId,
                String table,
                String tenant,
                String holder,
                String expiresAt,
                Duration waited) {
            super(
                    "full pass "
                            + passId
                            + " refused: tenant "
                            + tenant
                            + " of table "
                            + table
                            + " is leased to full pass "
                            + holder
                            + " until "
                            + expiresAt
                            + " (database time)"
                            + (waited.isZero() ? "" : ", still after waiting " + waited)
                            + ". Two passes of one table and tenant would mark each other's rows; run this pass once that one has"
                            + " ended (a crashed pass's lease expires by itself), or let it wait for the lease");
            this.table = table;
            this.tenant = tenant;
            this.holder = holder;
        }

        public String table() {
            return table;
        }

        public String tenant() {
            return tenant;
        }

        /** The id of the pass that holds the lease. */
        public String holder() {
            return holder;
        }
    }

    private final SqlDialect dialect;
    private final String recordTable;
    private final Connector connector;
    private String leaseTable = DEFAULT_TABLE;
    private Duration ttl = Duration.ofMinutes(2);
    private Duration maxWait = Duration.ZERO;

    /**
     * Leases of passes over {@code recordTable}, kept in {@value #DEFAULT_TABLE} of the same
     * database.
     */
    public PassLease(SqlDialect dialect, String recordTable, Connector connector) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.recordTable = SqlDialect.checkedIdentifier(recordTable);
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    /** Keeps the leases in {@code table} instead of {@value #DEFAULT_TABLE}. */
    public PassLease inTable(String table) {
        this.leaseTable = SqlDialect.checkedIdentifier(table);
        return this;
    }

    /**
     * How long a lease lives without renewal (default 2 min): a crashed holder blocks the next pass
     * this long. It is renewed every third of it, so a holder loses it only if it cannot reach the
     * database for two thirds of it.
     */
    public PassLease withTtl(Duration ttl) {
        if (ttl == null || ttl.toMillis() < 30)
            throw new IllegalArgumentException("lease ttl must be at least 30 ms, was " + ttl);
        this.ttl = ttl;
        return this;
    }

    /**
     * Waits up to {@code maxWait} for a lease held by another pass instead of refusing at once
     * (default: zero).
     */
    public PassLease waitingUpTo(Duration maxWait) {
        if (maxWait == null || maxWait.isNegative())
            throw new IllegalArgumentException("lease wait must be >= 0, was " + maxWait);
        this.maxWait = maxWait;
        return this;
    }

    public String recordTable() {
        return recordTable;
    }

    /** {@code CREATE TABLE IF NOT EXISTS} for the lease table. */
    public String createTable() {
        return "CREATE TABLE IF NOT EXISTS "
                + leaseTable
                + " (table_name "
                + dialect.keyType()
                + " NOT NULL, tenant "
                + dialect.keyType()
                + " NOT NULL, holder "
                + dialect.keyType()
                + " NOT NULL, acquired_at "
                + dialect.timestampType()
                + ", expires_at "
                + dialect.timestampType()
                + ", PRIMARY KEY (table_name, tenant))"
                + dialect.tableOptions();
    }

    /**
     * Takes the lease of every tenant for pass {@code passId} (creating the lease table if it is
     * missing), waiting as {@link #waitingUpTo} allows; on refusal, releases the ones it took.
     *
     * @throws HeldElsewhereException if another pass holds one of them (and kept it for the whole
     *     wait)
     */
    public Held acquire(String passId, List<String> tenants)
            throws SQLException, HeldElsewhereException, InterruptedException {
        long deadline = System.currentTimeMillis() + maxWait.toMillis();
        Held held = new Held(passId, connector.connect());
        try {
            try (Statement s = held.connection.createStatement()) {
                s.execute(createTable());
            } catch (SQLException e) {
                // two passes creating the missing table at once: PostgreSQL's IF NOT EXISTS can
                // still refuse one of
                // them (a unique violation in its catalog); the table is there then, which is all
                // this needs
                if (!tableExists(held.connection)) throw e;
            }
            for (String tenant :
                    new TreeSet<>(
                            tenants)) { // one order for all passes: no two wait on each other's
                // halves
                while (true) {
                    String[] holder = held.take(tenant);
                    if (holder[0].equals(passId)) {
                        held.tenants.add(tenant);
                        break;
                    }
                    if (System.currentTimeMillis() >= deadline) {
                        throw new HeldElsewhereException(
                                passId, recordTable, tenant, holder[0], holder[1], maxWait);
                    }
                    LOG.info(
                            "full pass {} waits for the lease of tenant {} of table {}, held by full pass {} until {}",
                            passId,
                            tenant,
                            recordTable,
                            holder[0],
                            holder[1]);
                    Thread.sleep(
                            Math.max(
                                    1,
                                    Math.min(
                                            Math.min(500, ttl.toMillis() / 3),
                                            deadline - System.currentTimeMillis())));
                }
            }
            held.startRenewing();
            return held;
        } catch (SQLException
                | HeldElsewhereException
                | InterruptedException
                | RuntimeException e) {
            held.close();
            throw e;
        }
    }

    private boolean tableExists(Connection connection) {
        try (Statement s = connection.createStatement()) {
            s.executeQuery("SELECT 1 FROM " + leaseTable + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * The expression of "now + ttl" in the database's clock; its parameter is the ttl in
     * milliseconds.
     */
    private String expiry() {
        return dialect == SqlDialect.POSTGRES
                ? "now() + (CAST(? AS bigint) * interval '1 millisecond')"
                : "DATE_ADD(CURRENT_TIMESTAMP(3), INTERVAL ? * 1000 MICROSECOND)";
    }

    /**
     * Takes the lease if it is free, expired or already ours; parameters: table, tenant, pass id,
     * ttl millis.
     */
    private String takeStatement() {
        String insert =
                "INSERT INTO "
                        + leaseTable
                        + " (table_name, tenant, holder, acquired_at, expires_at) VALUES (?, ?, ?, "
                        + dialect.now()
                        + ", "
                        + expiry()
                        + ")";
        if (dialect == SqlDialect.POSTGRES) {
            return insert
                    + " ON CONFLICT (table_name, tenant) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = CASE WHEN "
                    + leaseTable
                    + ".holder = EXCLUDED.holder THEN "
                    + leaseTable
                    + ".acquired_at ELSE EXCLUDED.acquired_at END,"
                    + " expires_at = EXCLUDED.expires_at WHERE "
                    + leaseTable
                    + ".expires_at < now() OR "
                    + leaseTable
                    + ".holder = EXCLUDED.holder";
        }
        // MySQL assigns left to right, each expression seeing the new values of the columns before
        // it: acquired_at
        // reads the old holder and expiry, holder is decided on them, and expires_at follows the
        // new holder
        String free = "expires_at < CURRENT_TIMESTAMP(3)";
        return insert
                + " ON DUPLICATE KEY UPDATE acquired_at = IF("
                + free
                + " AND holder <> VALUES(holder), VALUES(acquired_at), acquired_at),"
                + " holder = IF("
                + free
                + " OR holder = VALUES(holder), VALUES(holder), holder),"
                + " expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)";
    }

    /**
     * The leases of one pass: renewed in the background until {@link #close} releases them. If
     * another pass took one over (this one could not renew it in time), {@link #lost} says which.
     */
    @PublicEvolving
    public final class Held implements AutoCloseable {
        private final String passId;
        private final Connection connection;
        private final List<String> tenants = new ArrayList<>();
        private final ScheduledExecutorService renewer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "httpsync-pass-lease-" + recordTable);
                            t.setDaemon(true);
                            return t;
                        });
        private String lost;
        private boolean closed;

        private Held(String passId, Connection connection) {
            this.passId = passId;
            this.connection = connection;
        }

        /**
         * The holder and expiry after trying to take the tenant's lease; one transaction, again if
         * the database chose it as a deadlock victim.
         */
        private synchronized String[] take(String tenant) throws SQLException {
            for (int attempt = 1; ; attempt++) {
                try {
                    return takeOnce(tenant);
                } catch (SQLException e) {
                    // two passes inserting the same missing row at once: InnoDB may roll one back
                    // ("40001") and
                    // expects it to try again; the other has taken the lease by then
                    if (attempt >= 3
                            || e.getSQLState() == null
                            || !e.getSQLState().startsWith("40")) throw e;
                }
            }
        }

        private String[] takeOnce(String tenant) throws SQLException {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                SqlQueries.update(
                        connection, takeStatement(), recordTable, tenant, passId, ttl.toMillis());
                String[] holder;
                // FOR UPDATE: a locking read sees the row as the upsert left it, whatever the
                // isolation level's snapshot
                try (PreparedStatement ps =
                        connection.prepareStatement(
                                "SELECT holder, expires_at FROM "
                                        + leaseTable
                                        + " WHERE table_name = ? AND tenant = ? FOR UPDATE")) {
                    ps.setString(1, recordTable);
                    ps.setString(2, tenant);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        holder = new String[] {rs.getString(1), rs.getString(2)};
                    }
                }
                connection.commit();
                return holder;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }

        private void startRenewing() {
            long period = Math.max(10, ttl.toMillis() / 3);
            renewer.scheduleWithFixedDelay(
                    () -> {
                        try {
                            renew();
                        } catch (SQLException | RuntimeException e) {
                            // the next renewal tries again; the lease outlives two failed renewals
                            LOG.warn(
                                    "full pass {} could not renew its lease of table {}: {}",
                                    passId,
                                    recordTable,
                                    e.toString());
                        }
                    },
                    period,
                    period,
                    TimeUnit.MILLISECONDS);
        }

        /** Renews every lease still held; true if all are. */
        public synchronized boolean renew() throws SQLException {
            if (closed) return false;
            for (String tenant : tenants) {
                if (lost != null) break;
                int renewed =
                        SqlQueries.update(
                                connection,
                                "UPDATE "
                                        + leaseTable
                                        + " SET expires_at = "
                                        + expiry()
                                        + " WHERE table_name = ? AND tenant = ? AND holder = ?",
                                ttl.toMillis(),
                                recordTable,
                                tenant,
                                passId);
                if (renewed == 0) {
                    lost = tenant;
                    LOG.error(
                            "full pass {} lost its lease of tenant {} of table {}: another pass took it over after it"
                                    + " expired; this pass will not complete",
                            passId,
                            tenant,
                            recordTable);
                }
            }
            return lost == null;
        }

        /** The tenant whose lease another pass took over, or null while all are held. */
        public synchronized String lost() {
            return lost;
        }

        /** Stops renewing and releases the leases this pass still holds. */
        @Override
        public synchronized void close() throws SQLException {
            if (closed) return;
            closed = true;
            renewer.shutdownNow();
            try {
                for (String tenant : tenants) {
                    SqlQueries.update(
                            connection,
                            "DELETE FROM "
                                    + leaseTable
                                    + " WHERE table_name = ? AND tenant = ? AND holder = ?",
                            recordTable,
                            tenant,
                            passId);
                }
            } finally {
                connection.close();
            }
        }

        /**
         * Stops renewing without releasing, as a crashed holder would: its leases expire after
         * their ttl.
         */
        @VisibleForTesting
        synchronized void abandon() throws SQLException {
            closed = true;
            renewer.shutdownNow();
            connection.close();
        }
    }
}
