package io.httpsync.contacts.merkle;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.util.Map;

/**
 * The hashes a corp's last completed run stored: its root hash and, per department, its parent,
 * subtree hash and leaf hash (see {@link MerkleTree}). A null hash was cleared by a run that began
 * writing under it and did not complete: what it covers is compared row by row. Immutable.
 *
 * @param hasRoot whether the corp has a root row at all: without one (no run has completed since
 *     hashes are kept) nothing can be trusted and the whole corp is compared row by row
 * @param departments by id; empty when only the root was read
 */
@Internal
public record StoredHashes(
        boolean hasRoot, @Nullable String rootHash, Map<String, Row> departments) {
    /** One department's stored hashes. */
    public record Row(
            @Nullable String parentId, @Nullable String subtreeHash, @Nullable String leafHash) {}

    public StoredHashes {
        departments = Map.copyOf(departments);
    }

    /** A corp without stored hashes. */
    public static StoredHashes none() {
        return new StoredHashes(false, null, Map.of());
    }

    /** Whether the stored root hash is the tree's: then nothing in the corp changed. */
    public boolean rootMatches(MerkleTree tree) {
        return rootHash != null && rootHash.equals(tree.rootHash());
    }
}
