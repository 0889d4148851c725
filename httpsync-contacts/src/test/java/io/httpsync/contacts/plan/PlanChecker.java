package io.httpsync.contacts.plan;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityKind;
import io.httpsync.contacts.model.EntityRef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Executes a plan the way the parallel writer may (any component whose dependencies are written,
 * picked at random) against a simulated database, and checks what the plan promises: each entity
 * written once, no reference to an entity not yet written, every degraded entity completed, by a
 * patch within its own component.
 */
final class PlanChecker {
    private PlanChecker() {}

    static void check(
            WritePlan plan,
            CorpDirectory directory,
            Set<EntityRef> toWrite,
            Set<EntityRef> inDatabase,
            Random random) {
        Set<EntityRef> written = new HashSet<>(inDatabase);
        Set<EntityRef> writtenByPlan = new HashSet<>();
        Map<Integer, Integer> waitingFor = new HashMap<>();
        List<WritePlan.Component> ready = new ArrayList<>();
        for (WritePlan.Component c : plan.components()) {
            waitingFor.put(c.index(), c.dependsOn().length);
            if (c.dependsOn().length == 0) ready.add(c);
        }
        int done = 0;
        while (!ready.isEmpty()) {
            WritePlan.Component c = ready.remove(random.nextInt(ready.size()));
            Set<EntityRef> degraded = new HashSet<>();
            for (WritePlan.EntityWrite w : c.writes()) {
                assertThat(writtenByPlan.add(w.ref())).as("%s is written once", w.ref()).isTrue();
                assertThat(written)
                        .as("%s written %s needs", w.ref(), w.degraded() ? "degraded" : "whole")
                        .containsAll(references(directory, w.ref(), !w.degraded()));
                written.add(w.ref());
                if (w.degraded()) degraded.add(w.ref());
            }
            assertThat(new HashSet<>(c.patches()))
                    .as("component %d patches exactly its degraded entities", c.index())
                    .isEqualTo(degraded);
            assertThat(c.patches()).doesNotHaveDuplicates();
            for (EntityRef p : c.patches()) {
                assertThat(written)
                        .as("the patch of %s needs", p)
                        .containsAll(references(directory, p, true));
            }
            if (!c.cyclic()) assertThat(c.writes()).hasSize(1).allMatch(w -> !w.degraded());
            done++;
            for (int d : c.dependents()) {
                if (waitingFor.merge(d, -1, Integer::sum) == 0) ready.add(plan.components().get(d));
            }
        }
        assertThat(done).as("every component became ready").isEqualTo(plan.components().size());
        assertThat(writtenByPlan).isEqualTo(toWrite);
    }

    /** What writing the entity references: everything, or without the deferrable field. */
    static Set<EntityRef> references(CorpDirectory directory, EntityRef ref, boolean whole) {
        Set<EntityRef> out = new HashSet<>();
        if (ref.kind() == EntityKind.DEPARTMENT) {
            Department d = directory.departments().get(ref.id());
            if (d.parentId() != null) out.add(EntityRef.department(d.parentId()));
            if (whole) d.headIds().forEach(h -> out.add(EntityRef.employee(h)));
        } else {
            Employee e = directory.employees().get(ref.id());
            e.departmentIds().forEach(dep -> out.add(EntityRef.department(dep)));
            if (whole && e.leaderId() != null) out.add(EntityRef.employee(e.leaderId()));
        }
        return out;
    }
}
