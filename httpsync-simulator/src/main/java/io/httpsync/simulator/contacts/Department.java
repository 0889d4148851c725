package io.httpsync.simulator.contacts;

import java.util.List;

/**
 * A department as the {@link Directory} holds it, before any platform renders it in its own shape
 * and ids. Immutable: a change replaces the record.
 *
 * @param id the directory's own id; the root is {@link Directory#ROOT_ID}
 * @param parentId the parent's id, {@link Directory#NO_PARENT} for the root
 * @param name the display name
 * @param order the sort key among siblings, as an administrator set it
 * @param headIds the users who head the department (its 负责人/主管), main head first; may be empty
 * @param modifiedAt epoch millis of the last change (platforms that sort by modification use it)
 */
public record Department(
        long id, long parentId, String name, long order, List<Long> headIds, long modifiedAt) {
    public Department {
        headIds = List.copyOf(headIds);
    }

    public boolean isRoot() {
        return parentId == Directory.NO_PARENT;
    }

    Department withName(String newName, long now) {
        return new Department(id, parentId, newName, order, headIds, now);
    }

    Department withParent(long newParentId, long now) {
        return new Department(id, newParentId, name, order, headIds, now);
    }

    Department withHeads(List<Long> newHeads, long now) {
        return new Department(id, parentId, name, order, newHeads, now);
    }
}
