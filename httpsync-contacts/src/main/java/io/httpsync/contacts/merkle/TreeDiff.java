package io.httpsync.contacts.merkle;

import org.apache.flink.annotation.Internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The top-down comparison of a directory's {@link MerkleTree} with the stored hashes: the root
 * first; at each department whose subtree hash differs, its leaf hash and each sub-department's
 * subtree hash; a sub-department whose subtree hash is equal is neither compared further nor
 * written (nothing below it changed), so the work is proportional to the changed paths, not to the
 * corp. Immutable.
 *
 * @param full no root was stored: every department is to be compared row by row, and rows the
 *     directory no longer has are found by reading the whole corp
 * @param hashesCompared stored hashes compared with computed ones
 * @param changed departments on a changed path (in the directory, the stored tree, or both) whose
 *     stored hashes are to be replaced; empty when the corp is unchanged
 * @param dirty the changed departments whose own row or members changed (leaf hash differs, or not
 *     known): these rows and the rows of their members, stored and listed, are compared one by one
 */
@Internal
public record TreeDiff(boolean full, int hashesCompared, Set<String> changed, Set<String> dirty) {

    public TreeDiff {
        changed = Set.copyOf(changed);
        dirty = Set.copyOf(dirty);
    }

    /** Whether the whole corp is unchanged: nothing to compare further, nothing to write. */
    public boolean unchanged() {
        return !full && changed.isEmpty();
    }

    /** Compares top-down; {@code stored} may hold the root only when that root is equal. */
    public static TreeDiff compare(MerkleTree tree, StoredHashes stored) {
        if (!stored.hasRoot()) {
            return new TreeDiff(true, 0, tree.nodes().keySet(), tree.nodes().keySet());
        }
        int compared = 0;
        if (stored.rootHash() != null) {
            compared++;
            if (stored.rootHash().equals(tree.rootHash()))
                return new TreeDiff(false, compared, Set.of(), Set.of());
        }
        Map<String, List<String>> storedChildren = new HashMap<>();
        Set<String> storedRoots = new TreeSet<>();
        stored.departments()
                .forEach(
                        (id, row) -> {
                            if (row.parentId() == null) storedRoots.add(id);
                            else
                                storedChildren
                                        .computeIfAbsent(row.parentId(), k -> new ArrayList<>())
                                        .add(id);
                        });
        Set<String> visited = new LinkedHashSet<>();
        Set<String> changed = new LinkedHashSet<>();
        Set<String> dirty = new LinkedHashSet<>();
        Deque<String> queue = new ArrayDeque<>();
        Set<String> top = new TreeSet<>(tree.roots());
        top.addAll(storedRoots);
        queue.addAll(top);
        // rows a run cleared and never completed may hang below a department the stored tree no
        // longer reaches: they are on a changed path too
        stored.departments().entrySet().stream()
                .filter(e -> e.getValue().subtreeHash() == null)
                .map(Map.Entry::getKey)
                .sorted()
                .forEach(queue::add);
        while (!queue.isEmpty()) {
            String id = queue.poll();
            if (!visited.add(id)) continue;
            MerkleTree.Node now = tree.node(id);
            StoredHashes.Row then = stored.departments().get(id);
            if (now != null && then != null && then.subtreeHash() != null) {
                compared++;
                if (then.subtreeHash().equals(now.subtreeHash())) continue; // the whole subtree
            }
            changed.add(id);
            boolean leafEqual = false;
            if (now != null && then != null && then.leafHash() != null) {
                compared++;
                leafEqual = then.leafHash().equals(now.leafHash());
            }
            if (!leafEqual) dirty.add(id);
            Set<String> children = new TreeSet<>();
            if (now != null) children.addAll(now.children());
            children.addAll(storedChildren.getOrDefault(id, List.of()));
            queue.addAll(children);
        }
        return new TreeDiff(false, compared, changed, dirty);
    }
}
