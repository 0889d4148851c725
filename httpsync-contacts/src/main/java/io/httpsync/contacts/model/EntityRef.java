package io.httpsync.contacts.model;

import org.apache.flink.annotation.PublicEvolving;

/** A department or an employee of one corp, by the platform's id. Immutable. */
@PublicEvolving
public record EntityRef(EntityKind kind, String id) implements Comparable<EntityRef> {
    public EntityRef {
        if (kind == null || id == null || id.isEmpty())
            throw new IllegalArgumentException("an entity needs a kind and a non-empty id");
    }

    public static EntityRef department(String id) {
        return new EntityRef(EntityKind.DEPARTMENT, id);
    }

    public static EntityRef employee(String id) {
        return new EntityRef(EntityKind.EMPLOYEE, id);
    }

    @Override
    public int compareTo(EntityRef o) {
        int k = kind.compareTo(o.kind);
        return k != 0 ? k : id.compareTo(o.id);
    }

    @Override
    public String toString() {
        return (kind == EntityKind.DEPARTMENT ? "department " : "employee ") + id;
    }
}
