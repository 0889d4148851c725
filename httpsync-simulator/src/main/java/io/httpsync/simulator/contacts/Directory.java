package io.httpsync.simulator.contacts;

import io.httpsync.simulator.SimClock;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One corp's contacts (通讯录): a department tree and its users, each user in one or several
 * departments with a direct leader, each department with zero, one or several heads.
 * Platform-neutral: WeCom, DingTalk and Feishu each render it in their own shape and ids.
 *
 * <p>Invariants: the root ({@link #ROOT_ID}) exists and has no parent; every other department's
 * parent exists and the parent links form a tree; every user belongs to at least one existing
 * department; heads and leaders are existing users. Heads need not be members, and leader chains
 * may loop: both are the dependency cycles a contacts sync must cope with.
 *
 * <p>Thread-safe. Readers take a {@link Snapshot} (immutable, consistent); mutations are for tests
 * and replace records, stamping them with the simulator clock.
 */
public final class Directory {
    public static final long ROOT_ID = 1;
    public static final long NO_PARENT = 0;
    public static final long NO_LEADER = 0;
    private static final long DAY_MILLIS = 86_400_000L;

    private final String corpId;
    private final SimClock clock;
    private final Map<Long, Department> departments = new TreeMap<>();
    private final Map<Long, Employee> users = new TreeMap<>();
    private final Set<Long> deletedDepartments = new TreeSet<>();
    private final Set<Long> deletedUsers = new TreeSet<>();
    private long nextDepartmentId;
    private long nextUserId;

    /**
     * The current state, built on first read after a change; null while stale. Guarded by {@code
     * this}.
     */
    private Snapshot snapshot;

    Directory(
            String corpId,
            SimClock clock,
            Collection<Department> initialDepartments,
            Collection<Employee> initialUsers) {
        this.corpId = corpId;
        this.clock = clock;
        initialDepartments.forEach(d -> departments.put(d.id(), d));
        initialUsers.forEach(u -> users.put(u.id(), u));
        Department root = departments.get(ROOT_ID);
        if (root == null || !root.isRoot())
            throw new IllegalArgumentException(
                    corpId + ": the directory needs root department " + ROOT_ID);
        nextDepartmentId =
                departments.keySet().stream().mapToLong(Long::longValue).max().orElse(ROOT_ID) + 1;
        nextUserId = users.keySet().stream().mapToLong(Long::longValue).max().orElse(0) + 1;
    }

    /** A generated directory; the same corp id, spec and seed give the same directory. */
    public static Directory generate(String corpId, DirectorySpec spec, SimClock clock) {
        return DirectoryGenerator.generate(corpId, spec, clock);
    }

    public String corpId() {
        return corpId;
    }

    /** The directory as of now. */
    public synchronized Snapshot snapshot() {
        if (snapshot == null) {
            snapshot =
                    new Snapshot(
                            departments.values(), users.values(), deletedDepartments, deletedUsers);
        }
        return snapshot;
    }

    // ---------------------------------------------------------------- mutations (for tests)

    /** Adds a department below {@code parentId}; returns its id. */
    public synchronized long addDepartment(long parentId, String name) {
        requireDepartment(parentId);
        long id = nextDepartmentId++;
        departments.put(
                id,
                new Department(id, parentId, requireName(name), id * 1000, List.of(), clock.now()));
        return changed(id);
    }

    public synchronized void renameDepartment(long id, String name) {
        departments.put(id, requireDepartment(id).withName(requireName(name), clock.now()));
        changed(id);
    }

    /**
     * Moves a department (with its subtree) below another; refuses to move the root or into its own
     * subtree.
     */
    public synchronized void moveDepartment(long id, long newParentId) {
        Department d = requireDepartment(id);
        requireDepartment(newParentId);
        if (d.isRoot())
            throw new IllegalArgumentException(corpId + ": the root department cannot be moved");
        for (long p = newParentId; p != NO_PARENT; p = departments.get(p).parentId()) {
            if (p == id)
                throw new IllegalArgumentException(
                        corpId
                                + ": cannot move department "
                                + id
                                + " below its own descendant "
                                + newParentId);
        }
        departments.put(id, d.withParent(newParentId, clock.now()));
        changed(id);
    }

    /** Replaces the heads of a department (main head first); heads need not be members. */
    public synchronized void setDepartmentHeads(long id, List<Long> headIds) {
        Department d = requireDepartment(id);
        headIds.forEach(this::requireUser);
        departments.put(id, d.withHeads(List.copyOf(new LinkedHashSet<>(headIds)), clock.now()));
        changed(id);
    }

    /**
     * Removes an empty department, as the platforms do: one with sub-departments or members is
     * refused.
     */
    public synchronized void removeDepartment(long id) {
        Department d = requireDepartment(id);
        if (d.isRoot())
            throw new IllegalArgumentException(corpId + ": the root department cannot be removed");
        if (departments.values().stream().anyMatch(c -> c.parentId() == id)) {
            throw new IllegalStateException(
                    corpId + ": department " + id + " still has sub-departments");
        }
        if (users.values().stream().anyMatch(u -> u.departmentIds().contains(id))) {
            throw new IllegalStateException(corpId + ": department " + id + " still has members");
        }
        departments.remove(id);
        deletedDepartments.add(id);
        changed(id);
    }

    /**
     * Adds a user to existing departments (main first) with a direct leader ({@link #NO_LEADER} for
     * none).
     */
    public synchronized long addUser(String name, List<Long> departmentIds, long leaderId) {
        departmentIds.forEach(this::requireDepartment);
        if (leaderId != NO_LEADER) requireUser(leaderId);
        long id = nextUserId++;
        long now = clock.now();
        users.put(
                id,
                new Employee(
                        id,
                        requireName(name),
                        List.copyOf(new LinkedHashSet<>(departmentIds)),
                        leaderId,
                        "员工",
                        mobileOf(id),
                        emailOf(id),
                        0,
                        now - Math.floorMod(now, DAY_MILLIS),
                        now));
        return changed(id);
    }

    public synchronized void renameUser(long id, String name) {
        users.put(id, requireUser(id).withName(requireName(name), clock.now()));
        changed(id);
    }

    /** Gives a user another job title. */
    public synchronized void setUserTitle(long id, String title) {
        users.put(id, requireUser(id).withTitle(requireName(title), clock.now()));
        changed(id);
    }

    /** Moves a user to other departments (main first). */
    public synchronized void setUserDepartments(long id, List<Long> departmentIds) {
        Employee u = requireUser(id);
        departmentIds.forEach(this::requireDepartment);
        users.put(
                id,
                u.withDepartments(List.copyOf(new LinkedHashSet<>(departmentIds)), clock.now()));
        changed(id);
    }

    /**
     * Sets a user's direct leader ({@link #NO_LEADER} for none); loops are allowed, as on the
     * platforms.
     */
    public synchronized void changeLeader(long userId, long leaderId) {
        Employee u = requireUser(userId);
        if (leaderId != NO_LEADER) requireUser(leaderId);
        if (leaderId == userId)
            throw new IllegalArgumentException(corpId + ": user " + userId + " cannot lead itself");
        users.put(userId, u.withLeader(leaderId, clock.now()));
        changed(userId);
    }

    /** Removes a user; departments it headed lose that head and users it led lose their leader. */
    public synchronized void removeUser(long id) {
        requireUser(id);
        long now = clock.now();
        users.remove(id);
        deletedUsers.add(id);
        departments.replaceAll(
                (k, d) ->
                        d.headIds().contains(id)
                                ? d.withHeads(
                                        d.headIds().stream().filter(h -> h != id).toList(), now)
                                : d);
        users.replaceAll((k, u) -> u.leaderId() == id ? u.withLeader(NO_LEADER, now) : u);
        changed(id);
    }

    private long changed(long id) {
        snapshot = null;
        return id;
    }

    private Department requireDepartment(long id) {
        Department d = departments.get(id);
        if (d == null) throw new IllegalArgumentException(corpId + ": no department " + id);
        return d;
    }

    private Employee requireUser(long id) {
        Employee u = users.get(id);
        if (u == null) throw new IllegalArgumentException(corpId + ": no user " + id);
        return u;
    }

    private String requireName(String name) {
        if (name == null || name.isBlank())
            throw new IllegalArgumentException(corpId + ": a name must not be blank");
        return name;
    }

    static String mobileOf(long userId) {
        return String.format("138%08d", userId % 100_000_000L);
    }

    static String emailOf(long userId) {
        return "user" + userId + "@example.com";
    }

    /** The directory at one moment, with the indexes the platforms' list APIs need. Immutable. */
    public static final class Snapshot {
        private final List<Department> departments;
        private final List<Employee> users;
        private final Map<Long, Department> departmentById = new HashMap<>();
        private final Map<Long, Employee> userById = new HashMap<>();
        private final Map<Long, List<Department>> children = new HashMap<>();
        private final Map<Long, List<Employee>> members = new HashMap<>();
        private final Map<Long, Set<Long>> headed = new HashMap<>();
        private final List<Long> deletedDepartmentIds;
        private final List<Long> deletedUserIds;

        Snapshot(
                Collection<Department> ds,
                Collection<Employee> us,
                Collection<Long> deletedDs,
                Collection<Long> deletedUs) {
            this.departments = List.copyOf(ds);
            this.users = List.copyOf(us);
            this.deletedDepartmentIds = List.copyOf(deletedDs);
            this.deletedUserIds = List.copyOf(deletedUs);
            for (Department d : departments) {
                departmentById.put(d.id(), d);
                if (!d.isRoot())
                    children.computeIfAbsent(d.parentId(), k -> new ArrayList<>()).add(d);
                for (long h : d.headIds())
                    headed.computeIfAbsent(h, k -> new HashSet<>()).add(d.id());
            }
            for (Employee u : users) {
                userById.put(u.id(), u);
                for (long dep : u.departmentIds())
                    members.computeIfAbsent(dep, k -> new ArrayList<>()).add(u);
            }
            children.values().forEach(l -> l.sort(Comparator.comparingLong(Department::id)));
        }

        /** Every department, by id. */
        public List<Department> departments() {
            return departments;
        }

        /** Every user, by id. */
        public List<Employee> users() {
            return users;
        }

        /** The department, or null if there is none with that id. */
        public Department department(long id) {
            return departmentById.get(id);
        }

        /** The user, or null if there is none with that id. */
        public Employee user(long id) {
            return userById.get(id);
        }

        /** The direct sub-departments, by id. */
        public List<Department> children(long departmentId) {
            return children.getOrDefault(departmentId, List.of());
        }

        /**
         * The department and all below it, depth first (each department before its
         * sub-departments).
         */
        public List<Department> subtree(long departmentId) {
            List<Department> out = new ArrayList<>();
            Department top = departmentById.get(departmentId);
            if (top != null) addSubtree(top, out);
            return out;
        }

        private void addSubtree(Department d, List<Department> out) {
            out.add(d);
            for (Department c : children(d.id())) addSubtree(c, out);
        }

        /** The direct members of a department, by user id. */
        public List<Employee> members(long departmentId) {
            return members.getOrDefault(departmentId, List.of());
        }

        /** Whether the user heads the department. */
        public boolean heads(long userId, long departmentId) {
            return headed.getOrDefault(userId, Set.of()).contains(departmentId);
        }

        /** How far below the root the department is (root: 0). */
        public int depth(long departmentId) {
            int depth = 0;
            for (Department d = departmentById.get(departmentId);
                    d != null && !d.isRoot();
                    d = departmentById.get(d.parentId())) depth++;
            return depth;
        }

        public List<Long> deletedDepartmentIds() {
            return deletedDepartmentIds;
        }

        public List<Long> deletedUserIds() {
            return deletedUserIds;
        }
    }
}
