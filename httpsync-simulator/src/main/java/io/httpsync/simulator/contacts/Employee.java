package io.httpsync.simulator.contacts;

import java.util.List;

/**
 * A user (employee) as the {@link Directory} holds it, before any platform renders it. Immutable.
 *
 * @param id the directory's own id (from 1)
 * @param name the display name
 * @param departmentIds the departments the user belongs to, main department first; never empty
 * @param leaderId the direct leader's id (直属上级), {@link Directory#NO_LEADER} for none
 * @param title the job title
 * @param mobile a mobile number
 * @param email a mail address
 * @param order the user's sort key inside its departments
 * @param hiredAt epoch millis of the hire date (midnight)
 * @param modifiedAt epoch millis of the last change
 */
public record Employee(
        long id,
        String name,
        List<Long> departmentIds,
        long leaderId,
        String title,
        String mobile,
        String email,
        long order,
        long hiredAt,
        long modifiedAt) {
    public Employee {
        departmentIds = List.copyOf(departmentIds);
        if (departmentIds.isEmpty())
            throw new IllegalArgumentException("user " + id + " must belong to a department");
    }

    public long mainDepartmentId() {
        return departmentIds.get(0);
    }

    public boolean hasLeader() {
        return leaderId != Directory.NO_LEADER;
    }

    Employee withName(String newName, long now) {
        return new Employee(
                id, newName, departmentIds, leaderId, title, mobile, email, order, hiredAt, now);
    }

    Employee withDepartments(List<Long> newDepartments, long now) {
        return new Employee(
                id, name, newDepartments, leaderId, title, mobile, email, order, hiredAt, now);
    }

    Employee withLeader(long newLeaderId, long now) {
        return new Employee(
                id, name, departmentIds, newLeaderId, title, mobile, email, order, hiredAt, now);
    }

    Employee withTitle(String newTitle, long now) {
        return new Employee(
                id, name, departmentIds, leaderId, newTitle, mobile, email, order, hiredAt, now);
    }
}
