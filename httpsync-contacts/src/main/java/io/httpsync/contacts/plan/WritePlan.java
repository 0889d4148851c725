package io.httpsync.contacts.plan;

import io.httpsync.contacts.model.EntityRef;

import org.apache.flink.annotation.PublicEvolving;

import java.util.List;

/**
 * The order in which a corp's changed entities are written: the condensed dependency graph. Each
 * {@link Component} is one node of it, either one entity or a merged cycle (a strongly connected
 * component); a component may be written as soon as every component in its {@link
 * Component#dependsOn()} is, so components form a partial order. {@link #components()} lists them
 * in one total order compatible with it (dependencies first). Immutable.
 */
@PublicEvolving
public final class WritePlan {
    /**
     * One write of an entity; {@code degraded}: without its head (department) or leader (employee)
     * field.
     */
    public record EntityWrite(EntityRef ref, boolean degraded) {}

    /**
     * One node of the condensed graph.
     *
     * @param index its position in {@link #components()}
     * @param writes the entities' writes, in an order where each write references only entities
     *     written before (in this component, an earlier component, or already in the database)
     * @param patches the degraded entities, whose withheld fields are written once all {@code
     *     writes} are in
     * @param dependsOn the indexes of the components that must be written first
     * @param dependents the indexes of the components that depend on this one
     * @param cyclic whether the component merges a cycle (more than one entity)
     */
    public record Component(
            int index,
            List<EntityWrite> writes,
            List<EntityRef> patches,
            int[] dependsOn,
            int[] dependents,
            boolean cyclic) {
        public Component {
            writes = List.copyOf(writes);
            patches = List.copyOf(patches);
        }
    }

    private final List<Component> components;
    private final int entities;

    WritePlan(List<Component> components) {
        this.components = List.copyOf(components);
        this.entities = components.stream().mapToInt(c -> c.writes().size()).sum();
    }

    /** The components, dependencies first. */
    public List<Component> components() {
        return components;
    }

    /** How many entities the plan writes (each once). */
    public int entities() {
        return entities;
    }

    /** How many components merge a cycle. */
    public int cyclicComponents() {
        return (int) components.stream().filter(Component::cyclic).count();
    }

    /** How many entities are written degraded and then patched. */
    public int degraded() {
        return components.stream().mapToInt(c -> c.patches().size()).sum();
    }

    @Override
    public String toString() {
        return "WritePlan{"
                + entities
                + " entities in "
                + components.size()
                + " components, "
                + cyclicComponents()
                + " cyclic, "
                + degraded()
                + " degraded}";
    }
}
