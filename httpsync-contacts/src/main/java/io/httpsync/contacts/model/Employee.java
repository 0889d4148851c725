package io.httpsync.contacts.model;

import org.apache.flink.annotation.PublicEvolving;

import javax.annotation.Nullable;

import java.util.List;

/**
 * An employee as a contacts sync lands it. Immutable.
 *
 * @param id the platform's user id
 * @param name the display name
 * @param departmentIds the departments the employee belongs to, main department first; never empty
 * @param leaderId the direct leader (直属上级); null for none
 * @param title the job title; null if the platform has none
 * @param mobile the mobile number; null if not shown
 * @param email the mail address; null if not shown
 */
@PublicEvolving
public record Employee(
        String id,
        String name,
        List<String> departmentIds,
        @Nullable String leaderId,
        @Nullable String title,
        @Nullable String mobile,
        @Nullable String email) {
    public Employee {
        if (id == null || id.isEmpty())
            throw new IllegalArgumentException("an employee needs an id");
        departmentIds = List.copyOf(departmentIds);
        if (departmentIds.isEmpty())
            throw new IllegalArgumentException("employee " + id + " belongs to no department");
        if (departmentIds.stream().distinct().count() != departmentIds.size()) {
            throw new IllegalArgumentException(
                    "employee " + id + " lists a department twice: " + departmentIds);
        }
        if (id.equals(leaderId))
            throw new IllegalArgumentException("employee " + id + " cannot lead itself");
    }

    public EntityRef ref() {
        return EntityRef.employee(id);
    }

    /** The employee as written before its leader is in: what a degraded write of it lands. */
    public Employee withoutLeader() {
        return new Employee(id, name, departmentIds, null, title, mobile, email);
    }
}
