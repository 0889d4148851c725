package io.httpsync.contacts.merkle;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;

import org.apache.flink.annotation.Internal;

import javax.annotation.Nullable;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Merkle tree of a corp's directory (the contacts design's construction), one node per
 * department, SHA-256 throughout:
 *
 * <ul>
 *   <li><b>employee hash</b> = H(id, name, departments in order (main first), leader, title,
 *       mobile, email);
 *   <li><b>own hash</b> of a department = H(id, parent, name, order, heads in order (main first)):
 *       the parent is one of its own fields, so a department moved to another parent changes its
 *       own hash, not only its old and new parent's;
 *   <li><b>leaf hash</b> = H(own hash, the hashes of its members sorted by id): every employee with
 *       a membership of the department, main or not; an employee's hash holds its memberships, so a
 *       moved employee changes the leaf hash of every department it left or joined;
 *   <li><b>subtree hash</b> (the Merkle hash) = H(leaf hash, the subtree hashes of its
 *       sub-departments sorted by id);
 *   <li><b>root hash</b> = H(the subtree hashes of the root departments sorted by id): the corp, or
 *       the sync scope when the directory has several departments without a parent.
 * </ul>
 *
 * Every value is written with its length (a null as its own marker) and every list with its size,
 * so that no two different directories give the same input to the digest. Immutable.
 */
@Internal
public final class MerkleTree {
    /** One department's node: its hashes (hex), its sub-departments and members by id. */
    public record Node(
            String id,
            @Nullable String parentId,
            String ownHash,
            String leafHash,
            String subtreeHash,
            List<String> children,
            List<String> members) {}

    private final Map<String, Node> nodes;
    private final List<String> roots;
    private final String rootHash;

    private MerkleTree(Map<String, Node> nodes, List<String> roots, String rootHash) {
        this.nodes = nodes;
        this.roots = roots;
        this.rootHash = rootHash;
    }

    /**
     * The tree of a directory whose departments form a tree (see {@link CorpDirectory#problems}).
     */
    public static MerkleTree of(CorpDirectory d) {
        Map<String, List<String>> children = new HashMap<>();
        Map<String, List<String>> members = new HashMap<>();
        List<String> roots = new ArrayList<>();
        // the directory's maps are in id order, so each list below is sorted by id
        for (Department dep : d.departments().values()) {
            if (dep.parentId() == null) roots.add(dep.id());
            else children.computeIfAbsent(dep.parentId(), k -> new ArrayList<>()).add(dep.id());
        }
        Map<String, byte[]> employeeHashes = new HashMap<>();
        for (Employee e : d.employees().values()) {
            employeeHashes.put(e.id(), employeeHash(e));
            for (String dep : e.departmentIds())
                members.computeIfAbsent(dep, k -> new ArrayList<>()).add(e.id());
        }
        // children before parents: breadth-first from the roots, then backwards (no recursion: a
        // deep tree must not overflow the stack)
        List<String> order = new ArrayList<>(roots);
        for (int i = 0; i < order.size(); i++)
            order.addAll(children.getOrDefault(order.get(i), List.of()));
        Map<String, byte[]> subtree = new HashMap<>();
        Map<String, Node> nodes = new TreeMap<>();
        for (int i = order.size() - 1; i >= 0; i--) {
            Department dep = d.departments().get(order.get(i));
            byte[] own = ownHash(dep);
            List<String> mine = members.getOrDefault(dep.id(), List.of());
            Digest leaf = new Digest().bytes(own).size(mine.size());
            for (String m : mine) leaf.bytes(employeeHashes.get(m));
            byte[] leafHash = leaf.done();
            List<String> kids = children.getOrDefault(dep.id(), List.of());
            Digest sub = new Digest().bytes(leafHash).size(kids.size());
            for (String k : kids) sub.bytes(subtree.get(k));
            byte[] subHash = sub.done();
            subtree.put(dep.id(), subHash);
            nodes.put(
                    dep.id(),
                    new Node(
                            dep.id(),
                            dep.parentId(),
                            hex(own),
                            hex(leafHash),
                            hex(subHash),
                            List.copyOf(kids),
                            List.copyOf(mine)));
        }
        Digest root = new Digest().size(roots.size());
        for (String r : roots) root.bytes(subtree.get(r));
        return new MerkleTree(
                Collections.unmodifiableMap(nodes), List.copyOf(roots), hex(root.done()));
    }

    /** The hash of an employee's fields in a fixed order. */
    public static byte[] employeeHash(Employee e) {
        return new Digest()
                .text(e.id())
                .text(e.name())
                .texts(e.departmentIds())
                .text(e.leaderId())
                .text(e.title())
                .text(e.mobile())
                .text(e.email())
                .done();
    }

    /** The hash of a department's own fields in a fixed order. */
    public static byte[] ownHash(Department d) {
        return new Digest()
                .text(d.id())
                .text(d.parentId())
                .text(d.name())
                .number(d.order())
                .texts(d.headIds())
                .done();
    }

    /** The hash of the whole directory (hex). */
    public String rootHash() {
        return rootHash;
    }

    /** The departments without a parent, by id. */
    public List<String> roots() {
        return roots;
    }

    /** The node of a department, or null if the directory has no such department. */
    @Nullable
    public Node node(String departmentId) {
        return nodes.get(departmentId);
    }

    /** Every node, by department id. */
    public Map<String, Node> nodes() {
        return nodes;
    }

    private static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    /** SHA-256 over length-prefixed values. */
    private static final class Digest {
        private final MessageDigest sha;

        Digest() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                // every Java platform has SHA-256 (java.security.MessageDigest's contract)
                throw new IllegalStateException(e);
            }
        }

        Digest text(@Nullable String s) {
            if (s == null) {
                sha.update((byte) 0);
            } else {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                sha.update((byte) 1);
                size(b.length);
                sha.update(b);
            }
            return this;
        }

        Digest texts(List<String> values) {
            size(values.size());
            for (String v : values) text(v);
            return this;
        }

        Digest number(long v) {
            sha.update(ByteBuffer.allocate(8).putLong(v).array());
            return this;
        }

        Digest size(int n) {
            sha.update(ByteBuffer.allocate(4).putInt(n).array());
            return this;
        }

        Digest bytes(byte[] b) {
            sha.update(b);
            return this;
        }

        byte[] done() {
            return sha.digest();
        }
    }
}
