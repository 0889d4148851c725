package io.httpsync.simulator.contacts;

import io.httpsync.simulator.SimClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Builds a {@link Directory} from a {@link DirectorySpec}. Deterministic: the random source is
 * seeded from the spec's seed and the corp id. The steps, in order:
 *
 * <ol>
 *   <li>the tree: a chain from the root down to the maximum depth first (so the depth is reached),
 *       then each further department below a random one that is not yet at the maximum depth;
 *   <li>users: the first ones one per department (so no department is empty when there are enough
 *       users), the rest in a random department; a share of them also in one or two more;
 *   <li>heads: exactly {@code departmentsHeadedByMember} departments are headed by their own
 *       members (a department &harr; head cycle each); the others by a member of the parent who is
 *       not their member (no cycle);
 *   <li>direct leaders: a head of the user's main department, or for a head the nearest head above;
 *       any loop this happens to make is cut, so that the loops that remain are exactly the {@code
 *       leaderCycles} added last.
 * </ol>
 */
final class DirectoryGenerator {
    private static final String[] DEPARTMENT_NAMES = {
        "研发部", "产品部", "市场部", "销售部", "财务部", "人力资源部", "行政部", "法务部", "客服部", "运营部", "采购部", "质量部", "测试组",
        "设计组", "数据组", "平台组", "华东区", "华南区", "华北区", "西南区"
    };
    private static final String[] SURNAMES = {
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
        "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"
    };
    private static final String[] GIVEN_NAMES = {
        "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
        "秀兰", "霞", "平", "刚", "桂英", "晨", "浩然", "子涵", "欣怡", "梓轩", "雨桐", "宇航"
    };
    private static final String[] TITLES = {
        "工程师", "高级工程师", "产品经理", "设计师", "销售代表", "会计", "专员", "主管", "经理", "总监"
    };
    private static final long DAY_MILLIS = 86_400_000L;

    private final DirectorySpec spec;
    private final Random random;
    private final long now;
    private final Map<Long, Long> parentOf = new HashMap<>();
    private final Map<Long, List<Long>> membersOf = new HashMap<>();
    private final Map<Long, List<Long>> departmentsOf = new HashMap<>();
    private final Map<Long, List<Long>> headsOf = new HashMap<>();
    private final Map<Long, Long> leaderOf = new HashMap<>();

    private DirectoryGenerator(String corpId, DirectorySpec spec, long now) {
        this.spec = spec;
        this.random = new Random(spec.seed() * 31 + corpId.hashCode());
        this.now = now;
    }

    static Directory generate(String corpId, DirectorySpec spec, SimClock clock) {
        int needed = spec.leaderCycles() * spec.leaderCycleLength();
        if (needed > spec.users()) {
            throw new IllegalArgumentException(
                    corpId
                            + ": "
                            + spec.leaderCycles()
                            + " leader cycles of "
                            + spec.leaderCycleLength()
                            + " users need "
                            + needed
                            + " users, the spec has "
                            + spec.users());
        }
        return new DirectoryGenerator(corpId, spec, clock.now()).build(corpId, clock);
    }

    private Directory build(String corpId, SimClock clock) {
        growTree();
        placeUsers();
        appointHeads();
        appointLeaders();
        loopLeaders();

        List<Department> departments = new ArrayList<>();
        for (long id = Directory.ROOT_ID; id <= spec.departments(); id++) {
            String name = id == Directory.ROOT_ID ? spec.companyName() : departmentName(id);
            departments.add(
                    new Department(
                            id,
                            parentOf.get(id),
                            name,
                            1000 * (spec.departments() - id + 1),
                            headsOf.getOrDefault(id, List.of()),
                            now));
        }
        List<Employee> users = new ArrayList<>();
        long today = now - Math.floorMod(now, DAY_MILLIS);
        for (long id = 1; id <= spec.users(); id++) {
            String name =
                    SURNAMES[random.nextInt(SURNAMES.length)]
                            + GIVEN_NAMES[random.nextInt(GIVEN_NAMES.length)];
            users.add(
                    new Employee(
                            id,
                            name,
                            departmentsOf.get(id),
                            leaderOf.getOrDefault(id, Directory.NO_LEADER),
                            TITLES[random.nextInt(TITLES.length)],
                            Directory.mobileOf(id),
                            Directory.emailOf(id),
                            random.nextInt(1000),
                            today - random.nextInt(3650) * DAY_MILLIS,
                            now));
        }
        return new Directory(corpId, clock, departments, users);
    }

    private static String departmentName(long id) {
        int k = (int) (id - 2);
        int round = k / DEPARTMENT_NAMES.length;
        return DEPARTMENT_NAMES[k % DEPARTMENT_NAMES.length]
                + (round == 0 ? "" : String.valueOf(round + 1));
    }

    private void growTree() {
        Map<Long, Integer> depth = new HashMap<>();
        List<Long> open = new ArrayList<>(); // departments that may still get children
        parentOf.put(Directory.ROOT_ID, Directory.NO_PARENT);
        depth.put(Directory.ROOT_ID, 0);
        open.add(Directory.ROOT_ID);
        for (long id = 2; id <= spec.departments(); id++) {
            long parent =
                    id - 1 <= spec.maxDepth() ? id - 1 : open.get(random.nextInt(open.size()));
            parentOf.put(id, parent);
            depth.put(id, depth.get(parent) + 1);
            if (depth.get(id) < spec.maxDepth()) open.add(id);
        }
    }

    private void placeUsers() {
        for (long user = 1; user <= spec.users(); user++) {
            long main = user <= spec.departments() ? user : 1 + random.nextInt(spec.departments());
            Set<Long> deps = new LinkedHashSet<>();
            deps.add(main);
            if (spec.departments() > 1 && random.nextDouble() < spec.multiDepartmentShare()) {
                int extra = 1 + random.nextInt(2);
                for (int i = 0; i < extra; i++) deps.add(1L + random.nextInt(spec.departments()));
            }
            departmentsOf.put(user, List.copyOf(deps));
            for (long d : deps) membersOf.computeIfAbsent(d, k -> new ArrayList<>()).add(user);
        }
    }

    private void appointHeads() {
        List<Long> order = new ArrayList<>();
        for (long id = 1; id <= spec.departments(); id++) order.add(id);
        Collections.shuffle(order, random);
        int headedByMember = 0;
        for (long dept : order) {
            List<Long> members = membersOf.getOrDefault(dept, List.of());
            List<Long> candidates;
            if (headedByMember < spec.departmentsHeadedByMember() && !members.isEmpty()) {
                candidates = members;
                headedByMember++;
            } else {
                long parent = parentOf.get(dept);
                candidates =
                        membersOf.getOrDefault(parent, List.of()).stream()
                                .filter(u -> !members.contains(u))
                                .toList();
            }
            if (candidates.isEmpty()) continue;
            int max = spec.maxHeadsPerDepartment();
            int count =
                    max > 1 && random.nextDouble() < spec.multiHeadShare()
                            ? 2 + random.nextInt(max - 1)
                            : 1;
            List<Long> shuffled = new ArrayList<>(candidates);
            Collections.shuffle(shuffled, random);
            headsOf.put(dept, List.copyOf(shuffled.subList(0, Math.min(count, shuffled.size()))));
        }
    }

    /**
     * A head of the main department, else the nearest head above; then cut whatever loops that
     * made.
     */
    private void appointLeaders() {
        for (long user = 1; user <= spec.users(); user++) {
            for (long dept = departmentsOf.get(user).get(0);
                    dept != Directory.NO_PARENT;
                    dept = parentOf.get(dept)) {
                long self = user;
                Long leader =
                        headsOf.getOrDefault(dept, List.of()).stream()
                                .filter(h -> h != self)
                                .findFirst()
                                .orElse(null);
                if (leader != null) {
                    leaderOf.put(user, leader);
                    break;
                }
            }
        }
        for (long user = 1; user <= spec.users(); user++) {
            Set<Long> path = new HashSet<>();
            for (long u = user; leaderOf.containsKey(u); u = leaderOf.get(u)) {
                if (!path.add(u)) {
                    leaderOf.remove(u);
                    break;
                }
            }
        }
    }

    /**
     * Closes the configured loops among users who head nothing (so department heads keep their
     * chains).
     */
    private void loopLeaders() {
        Set<Long> heads = new HashSet<>();
        headsOf.values().forEach(heads::addAll);
        List<Long> candidates = new ArrayList<>();
        List<Long> fallback = new ArrayList<>();
        for (long user = 1; user <= spec.users(); user++)
            (heads.contains(user) ? fallback : candidates).add(user);
        Collections.shuffle(candidates, random);
        candidates.addAll(fallback);
        int length = spec.leaderCycleLength();
        for (int c = 0; c < spec.leaderCycles(); c++) {
            List<Long> loop = candidates.subList(c * length, (c + 1) * length);
            for (int i = 0; i < length; i++) leaderOf.put(loop.get(i), loop.get((i + 1) % length));
        }
    }
}
