package io.httpsync.simulator.contacts;

import io.httpsync.simulator.SimClock;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ReorganizationTest {
    @Test
    void aReorganizationMovesHiresRemovesAndMakesAndBreaksCyclesKeepingTheDirectoryConsistent() {
        Directory dir =
                Directory.generate(
                        "corp",
                        DirectorySpec.of(10, 36)
                                .maxDepth(3)
                                .leaderCycles(2)
                                .leaderCycleLength(3)
                                .seed(5),
                        new SimClock());
        Directory.Snapshot before = dir.snapshot();
        assertThat(Reorganization.leaderLoops(before)).hasSize(2);

        Reorganization.Summary r = Reorganization.apply(dir);

        Directory.Snapshot after = dir.snapshot();
        assertThat(after.users()).hasSize(before.users().size());
        assertThat(after.departments()).hasSize(before.departments().size() - 1);
        assertThat(after.department(r.removedDepartment())).isNull();
        assertThat(after.deletedDepartmentIds()).contains(r.removedDepartment());
        assertThat(after.deletedUserIds()).containsExactlyInAnyOrderElementsOf(r.departures());
        assertThat(after.department(r.movedDepartment()).parentId())
                .isNotEqualTo(before.department(r.movedDepartment()).parentId());
        assertThat(after.user(r.movedUser()).departmentIds())
                .containsExactly(r.newlyHeadedDepartment());
        // the new loop spans departments; the head hire heads a department it belongs to
        assertThat(Reorganization.leaderLoops(after)).contains(Set.copyOf(r.newLoop()));
        assertThat(after.user(r.newLoop().get(0)).mainDepartmentId())
                .isNotEqualTo(after.user(r.newLoop().get(1)).mainDepartmentId());
        long head = r.hires().get(1);
        assertThat(after.department(r.newlyHeadedDepartment()).headIds()).containsExactly(head);
        assertThat(after.user(head).departmentIds()).contains(r.newlyHeadedDepartment());
        assertThat(after.user(r.brokenLoopAt()).hasLeader()).isFalse();
        assertThat(Reorganization.leaderLoops(after))
                .noneMatch(loop -> loop.contains(r.brokenLoopAt()));
        // consistent: parents, members, heads and leaders all exist
        for (Department d : after.departments()) {
            if (!d.isRoot()) assertThat(after.department(d.parentId())).isNotNull();
            d.headIds().forEach(h -> assertThat(after.user(h)).isNotNull());
        }
        for (Employee u : after.users()) {
            u.departmentIds().forEach(d -> assertThat(after.department(d)).isNotNull());
            if (u.hasLeader()) assertThat(after.user(u.leaderId())).isNotNull();
        }
    }
}
