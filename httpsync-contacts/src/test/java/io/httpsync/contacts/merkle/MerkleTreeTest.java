package io.httpsync.contacts.merkle;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hashes of the department tree: every kind of change the sync must see changes the root and
 * the hashes along its path, so that the top-down comparison reaches the changed row; and nothing
 * else changes.
 */
class MerkleTreeTest {
    /** root ─┬─ a ── a1 ── a1x (deep) ; root ─── b. Heads: a by h, b by e2. Leaders: e1 → h. */
    static CorpDirectory corp() {
        return new CorpDirectory(
                "corp",
                List.of(
                        new Department("root", null, "Corp", 1, List.of()),
                        new Department("a", "root", "A", 1, List.of("h")),
                        new Department("a1", "a", "A1", 1, List.of()),
                        new Department("a1x", "a1", "A1X", 1, List.of()),
                        new Department("b", "root", "B", 2, List.of("e2"))),
                List.of(
                        new Employee("h", "Head", List.of("a"), null, "boss", null, null),
                        new Employee("e1", "One", List.of("a1x"), "h", "engineer", "1", "1@x"),
                        new Employee("e2", "Two", List.of("b", "a1"), "h", "clerk", "2", null),
                        new Employee("e3", "Three", List.of("a1x"), null, "engineer", null, null)));
    }

    static CorpDirectory with(
            CorpDirectory d,
            UnaryOperator<Map<String, Department>> departments,
            UnaryOperator<Map<String, Employee>> employees) {
        return new CorpDirectory(
                d.corpId(),
                departments.apply(new LinkedHashMap<>(d.departments())).values(),
                employees.apply(new LinkedHashMap<>(d.employees())).values());
    }

    /** The directory with one employee's departments, leader or title replaced (null: kept). */
    static CorpDirectory employee(
            CorpDirectory d, String id, List<String> departments, String leader, String title) {
        return with(
                d,
                ds -> ds,
                es -> {
                    Employee e = es.get(id);
                    es.put(
                            id,
                            new Employee(
                                    id,
                                    e.name(),
                                    departments != null ? departments : e.departmentIds(),
                                    leader != null ? leader : e.leaderId(),
                                    title != null ? title : e.title(),
                                    e.mobile(),
                                    e.email()));
                    return es;
                });
    }

    static StoredHashes stored(MerkleTree t) {
        Map<String, StoredHashes.Row> rows = new LinkedHashMap<>();
        t.nodes()
                .forEach(
                        (id, n) ->
                                rows.put(
                                        id,
                                        new StoredHashes.Row(
                                                n.parentId(), n.subtreeHash(), n.leafHash())));
        return new StoredHashes(true, t.rootHash(), rows);
    }

    /** The departments whose subtree hash differs between the two trees. */
    static List<String> changedSubtrees(MerkleTree before, MerkleTree after) {
        List<String> out = new ArrayList<>();
        for (MerkleTree.Node n : after.nodes().values()) {
            MerkleTree.Node old = before.node(n.id());
            if (old == null || !old.subtreeHash().equals(n.subtreeHash())) out.add(n.id());
        }
        return out;
    }

    @Test
    void theSameDirectoryHasTheSameHashesHoweverItIsListed() {
        CorpDirectory d = corp();
        CorpDirectory reversed =
                new CorpDirectory(
                        "corp",
                        d.departments().values().stream()
                                .sorted((x, y) -> y.id().compareTo(x.id()))
                                .toList(),
                        d.employees().values().stream()
                                .sorted((x, y) -> y.id().compareTo(x.id()))
                                .toList());

        MerkleTree one = MerkleTree.of(d);
        MerkleTree two = MerkleTree.of(reversed);

        assertThat(two.rootHash()).isEqualTo(one.rootHash()).hasSize(64);
        assertThat(two.nodes()).isEqualTo(one.nodes());
        assertThat(TreeDiff.compare(one, stored(two)).unchanged()).isTrue();
    }

    @Test
    void aTitleChangeDeepInTheTreeChangesEveryHashOnItsPathAndNoOther() {
        CorpDirectory before = corp();
        CorpDirectory after = employee(before, "e1", null, null, "staff engineer");

        MerkleTree t0 = MerkleTree.of(before);
        MerkleTree t1 = MerkleTree.of(after);

        assertThat(t1.rootHash()).isNotEqualTo(t0.rootHash());
        assertThat(changedSubtrees(t0, t1)).containsExactlyInAnyOrder("root", "a", "a1", "a1x");
        assertThat(t1.node("a1").leafHash()).isEqualTo(t0.node("a1").leafHash());
        assertThat(TreeDiff.compare(t1, stored(t0)).dirty()).containsExactly("a1x");
    }

    @Test
    void aMovedEmployeeChangesTheDepartmentItLeftAndTheOneItJoined() {
        CorpDirectory before = corp();
        CorpDirectory after = employee(before, "e3", List.of("b"), null, null);

        TreeDiff diff = TreeDiff.compare(MerkleTree.of(after), stored(MerkleTree.of(before)));

        assertThat(diff.dirty()).containsExactlyInAnyOrder("a1x", "b");
    }

    @Test
    void aChangedLeaderIsSeenInEveryDepartmentOfTheEmployee() {
        CorpDirectory before = corp();
        CorpDirectory after = employee(before, "e2", null, "e1", null);

        TreeDiff diff = TreeDiff.compare(MerkleTree.of(after), stored(MerkleTree.of(before)));

        assertThat(diff.dirty()).containsExactlyInAnyOrder("b", "a1");
    }

    @Test
    void aChangedHeadChangesTheDepartmentsOwnHash() {
        CorpDirectory before = corp();
        CorpDirectory after =
                with(
                        before,
                        ds -> {
                            Department a = ds.get("a");
                            ds.put(
                                    "a",
                                    new Department(
                                            "a", a.parentId(), a.name(), a.order(), List.of("e1")));
                            return ds;
                        },
                        es -> es);

        MerkleTree t0 = MerkleTree.of(before);
        MerkleTree t1 = MerkleTree.of(after);

        assertThat(t1.node("a").ownHash()).isNotEqualTo(t0.node("a").ownHash());
        assertThat(TreeDiff.compare(t1, stored(t0)).dirty()).containsExactly("a");
    }

    @Test
    void aDepartmentMovedToAnotherParentIsItselfOnTheChangedPathNotOnlyItsParents() {
        CorpDirectory before = corp();
        CorpDirectory after =
                with(
                        before,
                        ds -> {
                            Department x = ds.get("a1x");
                            ds.put(
                                    "a1x",
                                    new Department("a1x", "b", x.name(), x.order(), x.headIds()));
                            return ds;
                        },
                        es -> es);

        MerkleTree t0 = MerkleTree.of(before);
        MerkleTree t1 = MerkleTree.of(after);
        TreeDiff diff = TreeDiff.compare(t1, stored(t0));

        // its parent is one of its own fields: without it, the moved subtree would hash the same
        // and be skipped, and its row would keep the old parent
        assertThat(t1.node("a1x").ownHash()).isNotEqualTo(t0.node("a1x").ownHash());
        assertThat(diff.dirty()).containsExactly("a1x");
        assertThat(diff.changed()).containsExactlyInAnyOrder("root", "a", "a1", "b", "a1x");
    }

    @Test
    void aRemovedDepartmentAndItsDepartedMembersAreOnTheChangedPath() {
        CorpDirectory before = corp();
        CorpDirectory after =
                with(
                        before,
                        ds -> {
                            ds.remove("a1x");
                            return ds;
                        },
                        es -> {
                            es.remove("e1");
                            es.remove("e3");
                            return es;
                        });

        TreeDiff diff = TreeDiff.compare(MerkleTree.of(after), stored(MerkleTree.of(before)));

        assertThat(diff.dirty()).containsExactly("a1x");
        assertThat(diff.changed()).containsExactlyInAnyOrder("root", "a", "a1", "a1x");
    }
}
