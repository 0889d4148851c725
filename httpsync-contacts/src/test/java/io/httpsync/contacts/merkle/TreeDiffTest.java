package io.httpsync.contacts.merkle;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.testutil.DirectoryMutations;
import io.httpsync.contacts.testutil.RandomDirectories;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

import static io.httpsync.contacts.merkle.MerkleTreeTest.stored;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The top-down comparison: an unchanged corp costs one comparison; a change costs comparisons along
 * its path only; and whatever changed (random reorganizations) is reached.
 */
class TreeDiffTest {
    /** A 5-ary department tree of {@code departments} (depth 4 for 500), 10 members each. */
    static CorpDirectory wide(int departments, String deepTitle) {
        List<Department> ds = new ArrayList<>();
        List<Employee> es = new ArrayList<>();
        for (int i = 0; i < departments; i++) {
            ds.add(
                    new Department(
                            "d" + i, i == 0 ? null : "d" + (i - 1) / 5, "D" + i, i, List.of()));
            for (int j = 0; j < 10; j++) {
                String title = i == departments - 1 && j == 0 ? deepTitle : "staff";
                es.add(
                        new Employee(
                                "u" + i + "-" + j, "U", List.of("d" + i), null, title, null, null));
            }
        }
        return new CorpDirectory("corp", ds, es);
    }

    @Test
    void anUnchangedCorpCostsOneComparisonAndNothingIsToBeRead() {
        MerkleTree tree = MerkleTree.of(wide(500, "staff"));
        StoredHashes rootOnly = new StoredHashes(true, tree.rootHash(), Map.of());

        TreeDiff diff = TreeDiff.compare(tree, rootOnly);

        assertThat(diff.unchanged()).isTrue();
        assertThat(diff.hashesCompared()).isEqualTo(1);
        assertThat(diff.dirty()).isEmpty();
    }

    @Test
    void aChangeDeepInTheTreeCostsComparisonsAlongItsPathNotAcrossTheCorp() {
        MerkleTree before = MerkleTree.of(wide(500, "staff"));
        MerkleTree after = MerkleTree.of(wide(500, "lead"));
        // d499's ancestors: d99, d19, d3, d0
        List<String> path = List.of("d0", "d3", "d19", "d99", "d499");

        TreeDiff diff = TreeDiff.compare(after, stored(before));

        assertThat(diff.changed()).containsExactlyInAnyOrderElementsOf(path);
        assertThat(diff.dirty()).containsExactly("d499");
        int children = 0;
        for (String d : path) children += after.node(d).children().size();
        // the corp's root and the top department; per department on the path: its leaf hash and
        // the subtree hash of each of its sub-departments; 26 for 500 departments
        assertThat(diff.hashesCompared()).isEqualTo(2 + path.size() + children).isEqualTo(26);
    }

    @Test
    void withoutAStoredRootEverythingIsComparedRowByRow() {
        MerkleTree tree = MerkleTree.of(wide(20, "staff"));

        TreeDiff diff = TreeDiff.compare(tree, StoredHashes.none());

        assertThat(diff.full()).isTrue();
        assertThat(diff.hashesCompared()).isZero();
        assertThat(diff.dirty()).hasSize(20);
    }

    @Test
    void departmentsWhoseHashesAHalfDoneRunClearedAreComparedRowByRowWhereverTheyAre() {
        MerkleTree tree = MerkleTree.of(wide(50, "staff"));
        StoredHashes s = stored(tree);
        Map<String, StoredHashes.Row> rows = new LinkedHashMap<>(s.departments());
        // a run cleared d7's path (d0, d1, d7) and a department it created (n1, under d7), then
        // failed; the directory now is as before
        for (String id : List.of("d0", "d1", "d7"))
            rows.put(id, new StoredHashes.Row(rows.get(id).parentId(), null, null));
        rows.put("n1", new StoredHashes.Row("d7", null, null));

        TreeDiff diff = TreeDiff.compare(tree, new StoredHashes(true, null, rows));

        assertThat(diff.dirty()).containsExactlyInAnyOrder("d0", "d1", "d7", "n1");
        assertThat(diff.changed()).containsExactlyInAnyOrder("d0", "d1", "d7", "n1");
    }

    @Test
    void everyChangedDepartmentAndEmployeeOfRandomReorganizationsIsReached() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            CorpDirectory before = RandomDirectories.generate(random, 15, 40, 0.5, 0.5);
            CorpDirectory after = DirectoryMutations.mutate(before, random);
            MerkleTree t0 = MerkleTree.of(before);
            MerkleTree t1 = MerkleTree.of(after);

            TreeDiff diff = TreeDiff.compare(t1, stored(t0));

            // an employee is read if it is a member of a dirty department, before or after
            Set<String> reachedEmployees = new HashSet<>();
            for (String d : diff.dirty()) {
                if (t0.node(d) != null) reachedEmployees.addAll(t0.node(d).members());
                if (t1.node(d) != null) reachedEmployees.addAll(t1.node(d).members());
            }
            Set<String> departments = new HashSet<>(before.departments().keySet());
            departments.addAll(after.departments().keySet());
            for (String d : departments) {
                if (!Objects.equals(before.departments().get(d), after.departments().get(d)))
                    assertThat(diff.dirty()).as("round %d: department %s", round, d).contains(d);
            }
            Set<String> employees = new HashSet<>(before.employees().keySet());
            employees.addAll(after.employees().keySet());
            for (String e : employees) {
                if (!Objects.equals(before.employees().get(e), after.employees().get(e)))
                    assertThat(reachedEmployees).as("round %d: employee %s", round, e).contains(e);
            }
            assertThat(TreeDiff.compare(t1, stored(t1)).unchanged()).isTrue();
        }
    }
}
