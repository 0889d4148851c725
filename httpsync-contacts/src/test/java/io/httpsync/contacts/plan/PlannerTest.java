package io.httpsync.contacts.plan;

import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityRef;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlannerTest {
    private static Department dept(String id, String parent, String... heads) {
        return new Department(id, parent, id, 0, List.of(heads));
    }

    private static Employee emp(String id, String leader, String... departments) {
        return new Employee(id, id, List.of(departments), leader, null, null, null);
    }

    private static List<WritePlan.EntityWrite> writes(WritePlan plan) {
        return plan.components().stream().flatMap(c -> c.writes().stream()).toList();
    }

    @Test
    void aTreeWithoutCyclesIsWrittenParentsAndLeadersFirstWithNothingDegraded() {
        WritePlan plan =
                Planner.plan(
                        List.of(dept("child", "root"), dept("root", null)),
                        List.of(emp("b", "a", "child"), emp("a", null, "root")));

        assertThat(plan.cyclicComponents()).isZero();
        assertThat(plan.degraded()).isZero();
        List<EntityRef> order = writes(plan).stream().map(WritePlan.EntityWrite::ref).toList();
        assertThat(order.indexOf(EntityRef.department("root")))
                .isLessThan(order.indexOf(EntityRef.department("child")));
        assertThat(order.indexOf(EntityRef.employee("a")))
                .isLessThan(order.indexOf(EntityRef.employee("b")));
        assertThat(order.indexOf(EntityRef.department("child")))
                .isLessThan(order.indexOf(EntityRef.employee("b")));
    }

    @Test
    void aDepartmentHeadedByItsOwnMemberIsWrittenWithoutItsHeadThenPatched() {
        WritePlan plan =
                Planner.plan(
                        List.of(dept("root", null, "boss")), List.of(emp("boss", null, "root")));

        assertThat(plan.components())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.cyclic()).isTrue();
                            assertThat(c.writes())
                                    .containsExactly(
                                            new WritePlan.EntityWrite(
                                                    EntityRef.department("root"), true),
                                            new WritePlan.EntityWrite(
                                                    EntityRef.employee("boss"), false));
                            assertThat(c.patches()).containsExactly(EntityRef.department("root"));
                        });
    }

    @Test
    void aLeaderLoopDegradesExactlyOneEmployee() {
        WritePlan plan =
                Planner.plan(
                        List.of(dept("root", null)),
                        List.of(
                                emp("a", "b", "root"),
                                emp("b", "c", "root"),
                                emp("c", "a", "root")));

        assertThat(plan.cyclicComponents()).isEqualTo(1);
        assertThat(plan.degraded()).isEqualTo(1);
        WritePlan.Component loop =
                plan.components().stream()
                        .filter(WritePlan.Component::cyclic)
                        .findFirst()
                        .orElseThrow();
        assertThat(loop.patches()).containsExactly(EntityRef.employee("a"));
        // a without its leader first, then c (leader a), then b (leader c)
        assertThat(loop.writes())
                .extracting(WritePlan.EntityWrite::ref)
                .containsExactly(
                        EntityRef.employee("a"), EntityRef.employee("c"), EntityRef.employee("b"));
    }

    @Test
    void nestedCyclesAreBrokenSmallestFirstSoOneDeferredFieldBreaksTheOuterCycleToo() {
        // d <-> h (d headed by its member h) lies inside d -> h -> l -> sub -> d (h's leader l is a
        // member of the
        // sub-department): breaking the small cycle at d's heads breaks the big one as well
        WritePlan plan =
                Planner.plan(
                        List.of(dept("d", null, "h"), dept("sub", "d")),
                        List.of(emp("h", "l", "d"), emp("l", null, "sub")));

        assertThat(plan.components())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.writes()).hasSize(4);
                            assertThat(c.patches()).containsExactly(EntityRef.department("d"));
                        });
        // overlapping cycles: a department whose two heads are its members and lead each other
        // needs the
        // department's heads and one leader deferred
        WritePlan overlapping =
                Planner.plan(
                        List.of(dept("root", null, "x", "y")),
                        List.of(emp("x", "y", "root"), emp("y", "x", "root")));
        assertThat(overlapping.components())
                .singleElement()
                .satisfies(
                        c ->
                                assertThat(c.patches())
                                        .containsExactlyInAnyOrder(
                                                EntityRef.department("root"),
                                                EntityRef.employee("x")));
    }

    @Test
    void aReferenceToAnEntityAlreadyInTheDatabaseIsSatisfiedAndOneToNowhereIsRefusedNamingIt() {
        WritePlan plan =
                Planner.plan(
                        List.of(),
                        List.of(emp("new", "old", "root")),
                        ref ->
                                ref.equals(EntityRef.employee("old"))
                                        || ref.equals(EntityRef.department("root")));
        assertThat(plan.entities()).isEqualTo(1);

        assertThatThrownBy(
                        () ->
                                Planner.plan(
                                        List.of(),
                                        List.of(emp("new", "ghost", "root")),
                                        ref -> ref.equals(EntityRef.department("root"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("employee new references employee ghost");
    }
}
