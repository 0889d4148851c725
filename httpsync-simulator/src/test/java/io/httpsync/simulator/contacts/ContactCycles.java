package io.httpsync.simulator.contacts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the two dependency cycles a contacts sync has to break ({@link
 * io.httpsync.simulator.contacts.DirectorySpec}) in data as a client sees it (platform ids,
 * rendered fields), independently of how the simulator generated them.
 */
public final class ContactCycles {
    private ContactCycles() {}

    /** The departments headed by one of their own members: each a department &harr; head cycle. */
    public static Set<String> departmentsHeadedByMember(
            Map<String, ? extends Collection<String>> headsByDepartment,
            Map<String, ? extends Collection<String>> departmentsByUser) {
        Set<String> out = new TreeSet<>();
        headsByDepartment.forEach(
                (dept, heads) -> {
                    for (String head : heads) {
                        Collection<String> departments = departmentsByUser.get(head);
                        if (departments != null && departments.contains(dept)) out.add(dept);
                    }
                });
        return out;
    }

    /**
     * The loops of the direct-leader relation (each user has at most one leader), each as its set
     * of users.
     */
    public static List<Set<String>> leaderLoops(Map<String, String> leaderByUser) {
        List<Set<String>> loops = new ArrayList<>();
        Map<String, Integer> walkOf = new HashMap<>(); // user -> the walk that first reached it
        int walk = 0;
        for (String start : leaderByUser.keySet()) {
            if (walkOf.containsKey(start)) continue;
            walk++;
            List<String> path = new ArrayList<>();
            String u = start;
            while (u != null && !walkOf.containsKey(u)) {
                walkOf.put(u, walk);
                path.add(u);
                u = leaderByUser.get(u);
            }
            if (u != null && walkOf.get(u) == walk)
                loops.add(new LinkedHashSet<>(path.subList(path.indexOf(u), path.size())));
        }
        return loops;
    }
}
