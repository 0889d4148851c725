package io.httpsync.contacts.plan;

import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityRef;

import org.apache.flink.annotation.Internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Plans the writes of a corp's changed entities with the "merge" strategy of the contacts design
 * (docs/contacts.md):
 *
 * <ol>
 *   <li>the dependency graph: department &rarr; parent, department &rarr; each head, employee
 *       &rarr; leader, employee &rarr; each of its departments; only among the entities to write (a
 *       reference to an entity already in the database is satisfied);
 *   <li>its strongly connected components ({@link Tarjan}); each is one node of the condensed
 *       graph, a DAG;
 *   <li>inside a component with a cycle, the smallest cycle is found and broken by writing one
 *       entity degraded: a department without its heads if the cycle runs through a head, else an
 *       employee without its leader (a cycle of leaders only); the components of what remains are
 *       found again, and so on until no cycle is left (smallest cycles first when cycles nest or
 *       overlap). The remaining order is the component's write order; the degraded fields are
 *       patched once the whole component is in.
 * </ol>
 *
 * Stateless; deterministic for the same input (ties are broken by entity id).
 */
@Internal
public final class Planner {
    private Planner() {}

    /** Plans writing a whole directory into an empty database. */
    public static WritePlan plan(
            Collection<Department> departments, Collection<Employee> employees) {
        return plan(departments, employees, ref -> false);
    }

    /**
     * Plans writing {@code departments} and {@code employees}.
     *
     * @param inDatabase whether an entity that is not to be written is already in the database, so
     *     that references to it are satisfied
     * @throws IllegalArgumentException naming the entity if one references an entity neither
     *     written nor in the database, or if departments form a parent loop
     */
    public static WritePlan plan(
            Collection<Department> departments,
            Collection<Employee> employees,
            Predicate<EntityRef> inDatabase) {
        return new Graph(departments, employees, inDatabase).plan();
    }

    /**
     * The dependency graph of one planning: nodes are indexes, departments (by id) first, then
     * employees.
     */
    private static final class Graph {
        final EntityRef[] refs;
        final Map<EntityRef, Integer> nodeOf = new HashMap<>();

        /** Per node, its edges as (target, dependency) pairs. */
        final int[][] targets;

        final Dependency[][] kinds;

        Graph(
                Collection<Department> departments,
                Collection<Employee> employees,
                Predicate<EntityRef> inDatabase) {
            List<Department> ds =
                    departments.stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
            List<Employee> es =
                    employees.stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
            refs = new EntityRef[ds.size() + es.size()];
            for (Department d : ds) add(d.ref());
            for (Employee e : es) add(e.ref());
            targets = new int[refs.length][];
            kinds = new Dependency[refs.length][];
            for (Department d : ds) {
                List<int[]> edges = new ArrayList<>();
                if (d.parentId() != null)
                    edge(
                            edges,
                            d.ref(),
                            EntityRef.department(d.parentId()),
                            Dependency.PARENT,
                            inDatabase);
                for (String h : d.headIds())
                    edge(edges, d.ref(), EntityRef.employee(h), Dependency.HEAD, inDatabase);
                store(nodeOf.get(d.ref()), edges);
            }
            for (Employee e : es) {
                List<int[]> edges = new ArrayList<>();
                if (e.leaderId() != null)
                    edge(
                            edges,
                            e.ref(),
                            EntityRef.employee(e.leaderId()),
                            Dependency.LEADER,
                            inDatabase);
                for (String dep : e.departmentIds())
                    edge(
                            edges,
                            e.ref(),
                            EntityRef.department(dep),
                            Dependency.MEMBERSHIP,
                            inDatabase);
                store(nodeOf.get(e.ref()), edges);
            }
        }

        private void add(EntityRef ref) {
            if (nodeOf.putIfAbsent(ref, nodeOf.size()) != null)
                throw new IllegalArgumentException(ref + " is to be written twice");
            refs[nodeOf.get(ref)] = ref;
        }

        private void edge(
                List<int[]> edges,
                EntityRef from,
                EntityRef to,
                Dependency kind,
                Predicate<EntityRef> inDatabase) {
            Integer target = nodeOf.get(to);
            if (target != null) {
                edges.add(new int[] {target, kind.ordinal()});
            } else if (!inDatabase.test(to)) {
                throw new IllegalArgumentException(
                        from
                                + " references "
                                + to
                                + " ("
                                + kind.name().toLowerCase()
                                + "), which is neither written nor in the database");
            }
        }

        private void store(int node, List<int[]> edges) {
            targets[node] = edges.stream().mapToInt(e -> e[0]).toArray();
            kinds[node] =
                    edges.stream().map(e -> Dependency.values()[e[1]]).toArray(Dependency[]::new);
        }

        WritePlan plan() {
            List<int[]> sccs = Tarjan.components(targets);
            int[] componentOf = new int[refs.length];
            for (int c = 0; c < sccs.size(); c++) for (int v : sccs.get(c)) componentOf[v] = c;
            List<WritePlan.Component> out = new ArrayList<>();
            List<Set<Integer>> dependents = new ArrayList<>();
            for (int c = 0; c < sccs.size(); c++) dependents.add(new TreeSet<>());
            for (int c = 0; c < sccs.size(); c++) {
                Set<Integer> dependsOn = new TreeSet<>();
                for (int v : sccs.get(c)) {
                    for (int w : targets[v]) {
                        if (componentOf[w] != c) {
                            dependsOn.add(componentOf[w]);
                            dependents.get(componentOf[w]).add(c);
                        }
                    }
                }
                int[] nodes = sccs.get(c);
                boolean cyclic =
                        nodes.length > 1
                                || Arrays.stream(targets[nodes[0]]).anyMatch(w -> w == nodes[0]);
                List<WritePlan.EntityWrite> writes = new ArrayList<>();
                List<EntityRef> patches = new ArrayList<>();
                if (cyclic) {
                    merge(nodes, writes, patches);
                } else {
                    writes.add(new WritePlan.EntityWrite(refs[nodes[0]], false));
                }
                out.add(
                        new WritePlan.Component(
                                c,
                                writes,
                                patches,
                                dependsOn.stream().mapToInt(Integer::intValue).toArray(),
                                null,
                                cyclic));
            }
            List<WritePlan.Component> linked = new ArrayList<>();
            for (WritePlan.Component c : out) {
                linked.add(
                        new WritePlan.Component(
                                c.index(),
                                c.writes(),
                                c.patches(),
                                c.dependsOn(),
                                dependents.get(c.index()).stream()
                                        .mapToInt(Integer::intValue)
                                        .toArray(),
                                c.cyclic()));
            }
            return new WritePlan(linked);
        }

        /**
         * Breaks the cycles of one strongly connected component, smallest first, by deferring
         * fields; fills the component's write order and its patches.
         */
        private void merge(
                int[] nodes, List<WritePlan.EntityWrite> writes, List<EntityRef> patches) {
            int[] local = new int[refs.length];
            Arrays.fill(local, -1);
            for (int i = 0; i < nodes.length; i++) local[nodes[i]] = i;
            Set<Integer> deferred = new HashSet<>(); // nodes whose deferrable edges are left out
            while (true) {
                int[][] succ = new int[nodes.length][];
                Dependency[][] kind = new Dependency[nodes.length][];
                for (int i = 0; i < nodes.length; i++) {
                    int v = nodes[i];
                    List<Integer> ts = new ArrayList<>();
                    List<Dependency> ks = new ArrayList<>();
                    for (int e = 0; e < targets[v].length; e++) {
                        int w = targets[v][e];
                        if (local[w] < 0 || (deferred.contains(v) && kinds[v][e].deferrable()))
                            continue;
                        ts.add(local[w]);
                        ks.add(kinds[v][e]);
                    }
                    succ[i] = ts.stream().mapToInt(Integer::intValue).toArray();
                    kind[i] = ks.toArray(Dependency[]::new);
                }
                List<int[]> sub = Tarjan.components(succ);
                int[] shortest = null;
                for (int[] s : sub) {
                    boolean cycle =
                            s.length > 1 || Arrays.stream(succ[s[0]]).anyMatch(w -> w == s[0]);
                    if (!cycle) continue;
                    int[] c =
                            shortestCycle(
                                    s,
                                    succ,
                                    shortest == null ? Integer.MAX_VALUE : shortest.length);
                    if (c != null && (shortest == null || c.length < shortest.length)) shortest = c;
                }
                if (shortest == null) {
                    // no cycle is left: Tarjan's order of singletons is a dependencies-first order
                    for (int[] s : sub) {
                        int v = nodes[s[0]];
                        writes.add(new WritePlan.EntityWrite(refs[v], deferred.contains(v)));
                        if (deferred.contains(v)) patches.add(refs[v]);
                    }
                    return;
                }
                deferred.add(nodes[breakAt(shortest, succ, kind, nodes)]);
            }
        }

        /**
         * Which node of a cycle (local indexes, each followed by the next) gets its field deferred:
         * the department with the smallest id whose head edge is on the cycle, else the employee
         * with the smallest id (a cycle of leaders only).
         */
        private int breakAt(int[] cycle, int[][] succ, Dependency[][] kind, int[] nodes) {
            int best = -1;
            Dependency bestKind = null;
            for (int i = 0; i < cycle.length; i++) {
                int v = cycle[i];
                int next = cycle[(i + 1) % cycle.length];
                Dependency k = null;
                for (int e = 0; e < succ[v].length; e++) {
                    if (succ[v][e] == next && kind[v][e].deferrable()) k = kind[v][e];
                }
                if (k == null) continue;
                boolean better =
                        best < 0
                                || (k == Dependency.HEAD && bestKind != Dependency.HEAD)
                                || (k == bestKind
                                        && refs[nodes[v]].compareTo(refs[nodes[best]]) < 0);
                if (better) {
                    best = v;
                    bestKind = k;
                }
            }
            if (best < 0) {
                List<EntityRef> on = Arrays.stream(cycle).mapToObj(v -> refs[nodes[v]]).toList();
                throw new IllegalArgumentException(
                        "a dependency cycle without a head or leader to defer (a parent loop?): "
                                + on);
            }
            return best;
        }

        /**
         * A shortest cycle through the nodes of one component, as its nodes in order, or null if
         * none is shorter than {@code bound}: a breadth-first search from each node, cut off at the
         * best length found so far.
         */
        private static int[] shortestCycle(int[] component, int[][] succ, int bound) {
            boolean[] in = new boolean[succ.length];
            for (int v : component) in[v] = true;
            int[] dist = new int[succ.length];
            int[] parent = new int[succ.length];
            int[] best = null;
            int limit = bound;
            for (int s : component) {
                if (limit <= 1) break;
                Arrays.fill(dist, -1);
                ArrayDeque<Integer> queue = new ArrayDeque<>();
                dist[s] = 0;
                queue.add(s);
                search:
                while (!queue.isEmpty()) {
                    int v = queue.poll();
                    if (dist[v] + 1 >= limit) break;
                    for (int w : succ[v]) {
                        if (!in[w]) continue;
                        if (w == s) {
                            int length = dist[v] + 1;
                            int[] cycle = new int[length];
                            for (int u = v, i = length - 1; i >= 0; u = parent[u], i--)
                                cycle[i] = u;
                            best = cycle;
                            limit = length;
                            break search;
                        }
                        if (dist[w] < 0) {
                            dist[w] = dist[v] + 1;
                            parent[w] = v;
                            queue.add(w);
                        }
                    }
                }
            }
            return best;
        }
    }
}
