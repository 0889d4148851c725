package io.httpsync.contacts.model;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.util.List;

/**
 * A department as a contacts sync lands it. Immutable.
 *
 * @param id the platform's department id
 * @param parentId the parent department's id; null for the corp's root
 * @param name the display name
 * @param order the sort key among siblings
 * @param headIds the employees heading it (负责人/主管), main head first; may be empty
 */
@PublicEvolving
public record Department(
        String id, @Nullable String parentId, String name, long order, List<String> headIds) {
    public Department {
        if (id == null || id.isEmpty())
            throw new IllegalArgumentException("a department needs an id");
        if (id.equals(parentId))
            throw new IllegalArgumentException("department " + id + " cannot be its own parent");
        headIds = List.copyOf(headIds);
        if (headIds.stream().distinct().count() != headIds.size()) {
            throw new IllegalArgumentException(
                    "department " + id + " lists a head twice: " + headIds);
        }
    }

    public boolean isRoot() {
        return parentId == null;
    }

    public EntityRef ref() {
        return EntityRef.department(id);
    }

    /** The department as written before its heads are in: what a degraded write of it lands. */
    public Department withoutHeads() {
        return new Department(id, parentId, name, order, List.of());
    }
}
