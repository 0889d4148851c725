package io.httpsync.contacts.jdbc;

import io.httpsync.contacts.merkle.MerkleTree;
import io.httpsync.contacts.merkle.StoredHashes;
import io.httpsync.contacts.merkle.TreeDiff;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A corp's stored Merkle hashes ({@link ContactsSchema#departmentHash()}, {@link
 * ContactsSchema#corpHash()}): read before a run, cleared along the changed paths before the run
 * writes anything, replaced along them when it completed. A run that fails half way thus leaves the
 * paths it may have written without hashes, and the next run compares them row by row. Stateless
 * apart from its settings: any thread may use it with its own connection.
 */
@Internal
final class HashStore {
    private final ContactsSchema schema;
    private final String corpId;

    HashStore(ContactsSchema schema, String corpId) {
        this.schema = schema;
        this.corpId = corpId;
    }

    /** The root row only: enough when the corp is unchanged. */
    StoredHashes loadRoot(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT root_hash FROM " + schema.corpHash() + " WHERE corp_id = ?")) {
            ps.setString(1, corpId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new StoredHashes(true, rs.getString(1), Map.of())
                        : StoredHashes.none();
            }
        }
    }

    /** The root and every department's row. */
    StoredHashes loadAll(Connection c, StoredHashes root) throws SQLException {
        Map<String, StoredHashes.Row> rows = new HashMap<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT dept_id, parent_id, subtree_hash, leaf_hash FROM "
                                + schema.departmentHash()
                                + " WHERE corp_id = ?")) {
            ps.setString(1, corpId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next())
                    rows.put(
                            rs.getString(1),
                            new StoredHashes.Row(
                                    rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return new StoredHashes(root.hasRoot(), root.rootHash(), rows);
    }

    /**
     * Before the first write of a run: clears the root and the hashes of the changed departments,
     * keeping their rows (with the parent the directory gives them, or the stored one for those it
     * no longer has) so that the next run still finds them. Returns the rows written.
     */
    int invalidate(Connection c, TreeDiff diff, MerkleTree tree, StoredHashes stored, String runId)
            throws SQLException {
        if (!stored.hasRoot()) return 0; // the next run compares everything anyway
        List<String[]> rows = new ArrayList<>();
        for (String id : diff.changed()) {
            MerkleTree.Node n = tree.node(id);
            StoredHashes.Row s = stored.departments().get(id);
            rows.add(new String[] {id, n != null ? n.parentId() : s.parentId(), null, null});
        }
        return replace(c, diff.changed(), rows) + root(c, null, runId);
    }

    /** After a completed run: the tree's hashes along the changed paths. Returns rows written. */
    int store(Connection c, TreeDiff diff, MerkleTree tree, String runId) throws SQLException {
        if (diff.unchanged()) return 0;
        List<String[]> rows = new ArrayList<>();
        if (diff.full()) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "DELETE FROM " + schema.departmentHash() + " WHERE corp_id = ?")) {
                ps.setString(1, corpId);
                ps.executeUpdate();
            }
            for (MerkleTree.Node n : tree.nodes().values()) rows.add(row(n));
            return insert(c, rows) + root(c, tree.rootHash(), runId);
        }
        for (String id : diff.changed()) {
            MerkleTree.Node n = tree.node(id);
            if (n != null) rows.add(row(n));
        }
        return replace(c, diff.changed(), rows) + root(c, tree.rootHash(), runId);
    }

    private static String[] row(MerkleTree.Node n) {
        return new String[] {n.id(), n.parentId(), n.subtreeHash(), n.leafHash()};
    }

    private int replace(Connection c, java.util.Collection<String> ids, List<String[]> rows)
            throws SQLException {
        RowWriter.batch(
                c,
                "DELETE FROM " + schema.departmentHash() + " WHERE corp_id = ? AND dept_id = ?",
                List.copyOf(ids),
                (ps, id) -> {
                    ps.setString(1, corpId);
                    ps.setString(2, id);
                });
        return insert(c, rows);
    }

    private int insert(Connection c, List<String[]> rows) throws SQLException {
        RowWriter.batch(
                c,
                "INSERT INTO "
                        + schema.departmentHash()
                        + " (corp_id, dept_id, parent_id, subtree_hash, leaf_hash) VALUES (?, ?, ?, ?, ?)",
                rows,
                (ps, r) -> {
                    ps.setString(1, corpId);
                    ps.setString(2, r[0]);
                    RowWriter.setNullable(ps, 3, r[1]);
                    RowWriter.setNullable(ps, 4, r[2]);
                    RowWriter.setNullable(ps, 5, r[3]);
                });
        return rows.size();
    }

    private int root(Connection c, @Nullable String hash, String runId) throws SQLException {
        try (PreparedStatement del =
                        c.prepareStatement(
                                "DELETE FROM " + schema.corpHash() + " WHERE corp_id = ?");
                PreparedStatement ins =
                        c.prepareStatement(
                                "INSERT INTO "
                                        + schema.corpHash()
                                        + " (corp_id, root_hash, run_id, updated_at) VALUES (?, ?, ?, "
                                        + schema.dialect().now()
                                        + ")")) {
            del.setString(1, corpId);
            del.executeUpdate();
            ins.setString(1, corpId);
            RowWriter.setNullable(ins, 2, hash);
            ins.setString(3, runId);
            ins.executeUpdate();
        }
        return 1;
    }
}
