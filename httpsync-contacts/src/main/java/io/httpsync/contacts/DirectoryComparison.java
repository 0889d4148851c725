package io.httpsync.contacts;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;

import org.apache.flink.annotation.PublicEvolving;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How far what the tables hold is from what they should hold: {@code missing} entities are expected
 * but have no live row; {@code wrong} ones have a row whose fields (parent, heads, leader,
 * memberships, name, ...) differ, or have a live row that should not be there. Immutable.
 */
@PublicEvolving
public record DirectoryComparison(
        int departments, int employees, int missing, int wrong, List<String> examples) {

    public static DirectoryComparison compare(CorpDirectory expected, CorpDirectory actual) {
        int missing = 0;
        int wrong = 0;
        List<String> examples = new ArrayList<>();
        for (Department d : expected.departments().values()) {
            Department a = actual.departments().get(d.id());
            if (a == null) {
                missing++;
                note(examples, "missing " + d);
            } else if (!a.equals(d)) {
                wrong++;
                note(examples, "wrong: expected " + d + ", found " + a);
            }
        }
        for (Employee e : expected.employees().values()) {
            Employee a = actual.employees().get(e.id());
            if (a == null) {
                missing++;
                note(examples, "missing " + e);
            } else if (!Objects.equals(a, e)) {
                wrong++;
                note(examples, "wrong: expected " + e + ", found " + a);
            }
        }
        for (String id : actual.departments().keySet()) {
            if (!expected.departments().containsKey(id)) {
                wrong++;
                note(examples, "extra department " + id);
            }
        }
        for (String id : actual.employees().keySet()) {
            if (!expected.employees().containsKey(id)) {
                wrong++;
                note(examples, "extra employee " + id);
            }
        }
        return new DirectoryComparison(
                expected.departments().size(),
                expected.employees().size(),
                missing,
                wrong,
                List.copyOf(examples));
    }

    private static void note(List<String> examples, String what) {
        if (examples.size() < 5) examples.add(what);
    }

    public boolean equal() {
        return missing == 0 && wrong == 0;
    }
}
