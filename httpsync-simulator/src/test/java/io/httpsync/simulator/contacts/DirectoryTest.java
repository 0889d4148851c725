package io.httpsync.simulator.contacts;

import io.httpsync.simulator.SimClock;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectoryTest {
    private final SimClock clock = new SimClock();

    private static DirectorySpec spec() {
        return DirectorySpec.of(25, 120)
                .maxDepth(3)
                .departmentsHeadedByMember(10)
                .leaderCycles(2)
                .leaderCycleLength(3)
                .multiDepartmentShare(0.3)
                .seed(5);
    }

    /** What a platform would show of a directory, without the clock-dependent times. */
    private static List<String> shape(Directory.Snapshot s) {
        List<String> out = new java.util.ArrayList<>();
        s.departments()
                .forEach(
                        d ->
                                out.add(
                                        d.id()
                                                + "/"
                                                + d.parentId()
                                                + "/"
                                                + d.name()
                                                + "/"
                                                + d.order()
                                                + "/"
                                                + d.headIds()));
        s.users()
                .forEach(
                        u ->
                                out.add(
                                        u.id()
                                                + "/"
                                                + u.name()
                                                + "/"
                                                + u.departmentIds()
                                                + "/"
                                                + u.leaderId()
                                                + "/"
                                                + u.title()));
        return out;
    }

    private static Map<String, List<String>> headsByDepartment(Directory.Snapshot s) {
        Map<String, List<String>> out = new HashMap<>();
        s.departments()
                .forEach(
                        d ->
                                out.put(
                                        String.valueOf(d.id()),
                                        d.headIds().stream().map(String::valueOf).toList()));
        return out;
    }

    private static Map<String, List<String>> departmentsByUser(Directory.Snapshot s) {
        Map<String, List<String>> out = new HashMap<>();
        s.users()
                .forEach(
                        u ->
                                out.put(
                                        String.valueOf(u.id()),
                                        u.departmentIds().stream().map(String::valueOf).toList()));
        return out;
    }

    private static Map<String, String> leaders(Directory.Snapshot s) {
        Map<String, String> out = new HashMap<>();
        s.users().stream()
                .filter(Employee::hasLeader)
                .forEach(u -> out.put(String.valueOf(u.id()), String.valueOf(u.leaderId())));
        return out;
    }

    @Test
    void generationIsDeterministicBySeedAndCorp() {
        Directory a = Directory.generate("corp-1", spec(), clock);
        Directory b = Directory.generate("corp-1", spec(), clock);
        Directory otherSeed = Directory.generate("corp-1", spec().seed(6), clock);
        Directory otherCorp = Directory.generate("corp-2", spec(), clock);
        assertThat(shape(a.snapshot())).isEqualTo(shape(b.snapshot()));
        assertThat(shape(otherSeed.snapshot())).isNotEqualTo(shape(a.snapshot()));
        assertThat(shape(otherCorp.snapshot())).isNotEqualTo(shape(a.snapshot()));
    }

    @Test
    void treeHasTheConfiguredSizeAndDepthAndEveryUserBelongsSomewhere() {
        Directory.Snapshot s = Directory.generate("corp-1", spec(), clock).snapshot();
        assertThat(s.departments()).hasSize(25);
        assertThat(s.users()).hasSize(120);
        assertThat(s.departments().stream().mapToInt(d -> s.depth(d.id())).max().orElseThrow())
                .isEqualTo(3);
        assertThat(s.subtree(Directory.ROOT_ID)).hasSize(25);
        for (Employee u : s.users()) {
            assertThat(u.departmentIds())
                    .isNotEmpty()
                    .allSatisfy(d -> assertThat(s.department(d)).isNotNull());
        }
        assertThat(s.users().stream().filter(u -> u.departmentIds().size() > 1)).isNotEmpty();
        assertThat(s.departments().stream().filter(d -> d.headIds().size() > 1)).isNotEmpty();
    }

    @Test
    void exactlyTheConfiguredDependencyCyclesExist() {
        Directory.Snapshot s = Directory.generate("corp-1", spec(), clock).snapshot();
        Set<String> headedByMember =
                ContactCycles.departmentsHeadedByMember(headsByDepartment(s), departmentsByUser(s));
        assertThat(headedByMember).hasSize(10);
        List<Set<String>> loops = ContactCycles.leaderLoops(leaders(s));
        assertThat(loops).hasSize(2).allSatisfy(loop -> assertThat(loop).hasSize(3));
        // by default every department with members is headed by one of them
        Directory.Snapshot all =
                Directory.generate("corp-1", DirectorySpec.of(25, 120), clock).snapshot();
        assertThat(
                        ContactCycles.departmentsHeadedByMember(
                                headsByDepartment(all), departmentsByUser(all)))
                .hasSize(25);
    }

    @Test
    void tooFewUsersForTheLoopsIsAClearError() {
        assertThatThrownBy(
                        () ->
                                Directory.generate(
                                        "corp-1",
                                        DirectorySpec.of(3, 5).leaderCycles(2).leaderCycleLength(3),
                                        clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("need 6 users")
                .hasMessageContaining("corp-1");
    }

    @Test
    void mutationsChangeTheSnapshotAndKeepTheTreeValid() {
        Directory dir = Directory.generate("corp-1", spec(), clock);
        Directory.Snapshot before = dir.snapshot();
        long leaf =
                before.departments().stream()
                        .filter(d -> before.children(d.id()).isEmpty() && !d.isRoot())
                        .findFirst()
                        .orElseThrow()
                        .id();

        dir.renameDepartment(leaf, "新名字");
        assertThat(dir.snapshot().department(leaf).name()).isEqualTo("新名字");
        assertThat(before.department(leaf).name()).isNotEqualTo("新名字"); // snapshots are immutable

        long added = dir.addDepartment(leaf, "子部门");
        assertThat(dir.snapshot().children(leaf)).extracting(Department::id).containsExactly(added);
        assertThatThrownBy(() -> dir.moveDepartment(leaf, added))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("own descendant");
        dir.moveDepartment(added, Directory.ROOT_ID);
        assertThat(dir.snapshot().department(added).parentId()).isEqualTo(Directory.ROOT_ID);

        long user = dir.addUser("新员工", List.of(added), Directory.NO_LEADER);
        assertThatThrownBy(() -> dir.removeDepartment(added))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("members");
        long subordinate = dir.addUser("下属", List.of(added), user);
        dir.setDepartmentHeads(added, List.of(user));
        dir.changeLeader(user, subordinate); // a two-user loop, allowed as on the platforms
        assertThat(ContactCycles.leaderLoops(leaders(dir.snapshot()))).hasSize(3);

        dir.removeUser(user);
        Directory.Snapshot after = dir.snapshot();
        assertThat(after.user(user)).isNull();
        assertThat(after.deletedUserIds()).containsExactly(user);
        assertThat(after.department(added).headIds()).isEmpty();
        assertThat(after.user(subordinate).hasLeader()).isFalse();

        dir.setUserDepartments(subordinate, List.of(Directory.ROOT_ID));
        dir.removeDepartment(added);
        assertThat(dir.snapshot().department(added)).isNull();
        assertThat(dir.snapshot().deletedDepartmentIds()).containsExactly(added);
        assertThat(
                        dir.snapshot().members(Directory.ROOT_ID).stream()
                                .map(Employee::id)
                                .collect(Collectors.toSet()))
                .contains(subordinate);
    }
}
