package io.httpsync.simulator.contacts;

/**
 * What a generated {@link Directory} looks like: how many departments in how deep a tree, how many
 * users, how many belong to several departments, who heads what, and how many of the dependency
 * cycles a contacts sync has to break (通讯录同步, contacts sync): a department headed by one of its own
 * members (department &harr; head) and direct-leader chains that loop (A&rarr;B&rarr;C&rarr;A). The
 * same spec and seed always give the same directory.
 */
public final class DirectorySpec {
    private int departments = 30;
    private int maxDepth = 4;
    private int users = 300;
    private double multiDepartmentShare = 0.1;
    private int maxHeadsPerDepartment = 2;
    private double multiHeadShare = 0.2;
    private int departmentsHeadedByMember = Integer.MAX_VALUE;
    private int leaderCycles = 1;
    private int leaderCycleLength = 3;
    private String companyName = "模拟科技有限公司";
    private long seed = 42;

    public static DirectorySpec of(int departments, int users) {
        return new DirectorySpec().departments(departments).users(users);
    }

    /** Departments including the root. */
    public DirectorySpec departments(int n) {
        if (n < 1)
            throw new IllegalArgumentException("departments must be >= 1 (the root), was " + n);
        this.departments = n;
        return this;
    }

    /**
     * The deepest level below the root (root = 0); the generator reaches it when there are enough
     * departments.
     */
    public DirectorySpec maxDepth(int depth) {
        if (depth < 1) throw new IllegalArgumentException("maxDepth must be >= 1, was " + depth);
        this.maxDepth = depth;
        return this;
    }

    public DirectorySpec users(int n) {
        if (n < 0) throw new IllegalArgumentException("users must be >= 0, was " + n);
        this.users = n;
        return this;
    }

    /** The share of users (0 to 1) that belong to two or three departments instead of one. */
    public DirectorySpec multiDepartmentShare(double share) {
        this.multiDepartmentShare = share("multiDepartmentShare", share);
        return this;
    }

    public DirectorySpec maxHeadsPerDepartment(int n) {
        if (n < 1)
            throw new IllegalArgumentException("maxHeadsPerDepartment must be >= 1, was " + n);
        this.maxHeadsPerDepartment = n;
        return this;
    }

    /** The share of headed departments (0 to 1) with more than one head. */
    public DirectorySpec multiHeadShare(double share) {
        this.multiHeadShare = share("multiHeadShare", share);
        return this;
    }

    /**
     * How many departments are headed by one of their own members: each is a department &harr; head
     * cycle. The others are headed by a member of the parent department who is not their member
     * (the root then has no head). Default: every department that has members.
     */
    public DirectorySpec departmentsHeadedByMember(int n) {
        if (n < 0)
            throw new IllegalArgumentException("departmentsHeadedByMember must be >= 0, was " + n);
        this.departmentsHeadedByMember = n;
        return this;
    }

    /**
     * How many direct-leader loops (A&rarr;B&rarr;...&rarr;A) there are; all other leader chains
     * end at a top.
     */
    public DirectorySpec leaderCycles(int n) {
        if (n < 0) throw new IllegalArgumentException("leaderCycles must be >= 0, was " + n);
        this.leaderCycles = n;
        return this;
    }

    /** How many users each leader loop has (2 or more). */
    public DirectorySpec leaderCycleLength(int n) {
        if (n < 2) throw new IllegalArgumentException("leaderCycleLength must be >= 2, was " + n);
        this.leaderCycleLength = n;
        return this;
    }

    /** The root department's name. */
    public DirectorySpec companyName(String name) {
        if (name == null || name.isBlank())
            throw new IllegalArgumentException("companyName must not be blank");
        this.companyName = name;
        return this;
    }

    public DirectorySpec seed(long seed) {
        this.seed = seed;
        return this;
    }

    private static double share(String what, double share) {
        if (!(share >= 0 && share <= 1))
            throw new IllegalArgumentException(what + " must be in [0,1], was " + share);
        return share;
    }

    public int departments() {
        return departments;
    }

    public int maxDepth() {
        return maxDepth;
    }

    public int users() {
        return users;
    }

    public double multiDepartmentShare() {
        return multiDepartmentShare;
    }

    public int maxHeadsPerDepartment() {
        return maxHeadsPerDepartment;
    }

    public double multiHeadShare() {
        return multiHeadShare;
    }

    public int departmentsHeadedByMember() {
        return departmentsHeadedByMember;
    }

    public int leaderCycles() {
        return leaderCycles;
    }

    public int leaderCycleLength() {
        return leaderCycleLength;
    }

    public String companyName() {
        return companyName;
    }

    public long seed() {
        return seed;
    }
}
