package io.httpsync.simulator.contacts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A reorganization of a {@link Directory} between two contacts syncs, made of the directory's own
 * mutations, so that a test or a demo can show that the next sync follows every kind of change: a
 * department moved, a person moved, a new hire who closes a leader loop with an old hand (a loop
 * spanning departments), a new hire heading a department they belong to (a department &harr; head
 * cycle), an old leader loop broken, two departures, and a leaf department removed after its
 * members moved up to its parent (as the platforms require). Deterministic for the same directory.
 */
public final class Reorganization {
    /**
     * What changed: the moved and the removed department, the moved person, the hires, the
     * departures, the leader loop created (hire and old hand), the department the second hire now
     * heads, and the user whose leader was cleared to break an old loop ({@link
     * Directory#NO_LEADER} if there was none).
     */
    public record Summary(
            long movedDepartment,
            long removedDepartment,
            long movedUser,
            List<Long> hires,
            List<Long> departures,
            List<Long> newLoop,
            long newlyHeadedDepartment,
            long brokenLoopAt) {}

    private Reorganization() {}

    /**
     * Applies the reorganization; the directory needs at least three non-root leaf departments and
     * six users.
     */
    public static Summary apply(Directory dir) {
        Directory.Snapshot s = dir.snapshot();
        List<Department> leaves =
                s.departments().stream()
                        .filter(d -> !d.isRoot() && s.children(d.id()).isEmpty())
                        .toList();
        if (leaves.size() < 2 || s.users().size() < 6) {
            throw new IllegalArgumentException(
                    dir.corpId() + ": a reorganization needs two leaf departments and six users");
        }
        Department removed = leaves.get(0);
        Department moved = leaves.get(leaves.size() - 1);
        long newParent =
                s.departments().stream()
                        .filter(
                                d ->
                                        d.id() != moved.id()
                                                && d.id() != removed.id()
                                                && d.id() != moved.parentId())
                        .findFirst()
                        .orElseThrow()
                        .id();
        dir.moveDepartment(moved.id(), newParent);

        List<Employee> users = s.users();
        Employee oldHand = users.get(users.size() / 2);
        long hire = dir.addUser("新人甲", List.of(moved.id()), oldHand.id());
        dir.changeLeader(oldHand.id(), hire);
        long head = dir.addUser("新人乙", List.of(newParent), Directory.NO_LEADER);
        dir.setDepartmentHeads(newParent, List.of(head));

        long brokenAt = Directory.NO_LEADER;
        for (Set<Long> loop : leaderLoops(dir.snapshot())) {
            if (!loop.contains(hire)) {
                brokenAt = loop.stream().min(Long::compare).orElseThrow();
                dir.changeLeader(brokenAt, Directory.NO_LEADER);
                break;
            }
        }
        Employee mover = users.get(1);
        dir.setUserDepartments(mover.id(), List.of(newParent));

        List<Long> departures = new ArrayList<>();
        for (int i = users.size() - 1; i >= 0 && departures.size() < 2; i--) {
            long id = users.get(i).id();
            if (id != oldHand.id() && id != mover.id()) {
                dir.removeUser(id);
                departures.add(id);
            }
        }
        Directory.Snapshot now = dir.snapshot();
        for (Employee u : now.members(removed.id())) {
            List<Long> deps = new ArrayList<>(u.departmentIds());
            deps.replaceAll(d -> d == removed.id() ? removed.parentId() : d);
            dir.setUserDepartments(u.id(), deps.stream().distinct().toList());
        }
        dir.removeDepartment(removed.id());
        return new Summary(
                moved.id(),
                removed.id(),
                mover.id(),
                List.of(hire, head),
                List.copyOf(departures),
                List.of(hire, oldHand.id()),
                newParent,
                brokenAt);
    }

    /** The loops of the direct-leader relation, each as its users. */
    public static List<Set<Long>> leaderLoops(Directory.Snapshot s) {
        List<Set<Long>> loops = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Employee start : s.users()) {
            List<Long> path = new ArrayList<>();
            Set<Long> onPath = new HashSet<>();
            long u = start.id();
            while (u != Directory.NO_LEADER && !seen.contains(u) && onPath.add(u)) {
                path.add(u);
                u = s.user(u).leaderId();
            }
            if (u != Directory.NO_LEADER && onPath.contains(u))
                loops.add(new HashSet<>(path.subList(path.indexOf(u), path.size())));
            seen.addAll(path);
        }
        return loops;
    }
}
