package io.httpsync.contacts.plan;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityRef;
import io.httpsync.contacts.testutil.RandomDirectories;

import org.jgrapht.Graph;
import org.jgrapht.alg.connectivity.KosarajuStrongConnectivityInspector;
import org.jgrapht.graph.DefaultDirectedGraph;
import org.jgrapht.graph.DefaultEdge;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the planner over random directories with random cycles of every kind: seeded random
 * loops, each case reproducible from the seed its failure message names.
 */
class PlannerPropertiesTest {
    private static final int CASES = 250;

    @Test
    void
            everyPlanWritesEachEntityOnceNeverAheadOfWhatItReferencesAndCompletesEveryDegradedEntity() {
        for (long seed = 1; seed <= CASES; seed++) {
            Random sizes = new Random(seed);
            int departments = 1 + sizes.nextInt(30);
            int employees = sizes.nextInt(61);
            double headShare = sizes.nextDouble();
            double leaderShare = sizes.nextDouble();
            double inDatabaseShare = sizes.nextDouble() * 0.9;
            try {
                planWritesEachEntityOnce(
                        new Random(seed * 7919),
                        departments,
                        employees,
                        headShare,
                        leaderShare,
                        inDatabaseShare);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(
                        "case seed "
                                + seed
                                + " ("
                                + departments
                                + " departments, "
                                + employees
                                + " employees): "
                                + e.getMessage(),
                        e);
            }
        }
    }

    private static void planWritesEachEntityOnce(
            Random random,
            int departments,
            int employees,
            double headShare,
            double leaderShare,
            double inDatabaseShare) {
        CorpDirectory directory =
                RandomDirectories.generate(random, departments, employees, headShare, leaderShare);
        assertThat(directory.problems()).isEmpty();
        // a share of the entities is already in the database (unchanged); the plan writes the
        // others
        Set<EntityRef> inDatabase = new HashSet<>();
        Set<EntityRef> toWrite = new HashSet<>();
        for (Department d : directory.departments().values())
            (random.nextDouble() < inDatabaseShare ? inDatabase : toWrite).add(d.ref());
        for (Employee e : directory.employees().values())
            (random.nextDouble() < inDatabaseShare ? inDatabase : toWrite).add(e.ref());
        List<Department> ds =
                directory.departments().values().stream()
                        .filter(d -> toWrite.contains(d.ref()))
                        .toList();
        List<Employee> es =
                directory.employees().values().stream()
                        .filter(e -> toWrite.contains(e.ref()))
                        .toList();

        WritePlan plan = Planner.plan(ds, es, inDatabase::contains);

        assertThat(plan.entities()).isEqualTo(toWrite.size());
        PlanChecker.check(plan, directory, toWrite, inDatabase, random);
    }

    @Test
    void theComponentsAreTheStronglyConnectedComponentsAnIndependentAlgorithmFinds() {
        for (long seed = 1; seed <= CASES; seed++) {
            Random sizes = new Random(-seed);
            int departments = 1 + sizes.nextInt(25);
            int employees = sizes.nextInt(51);
            try {
                sameComponentsAsKosaraju(
                        seed, departments, employees, sizes.nextDouble(), sizes.nextDouble());
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(
                        "case seed "
                                + seed
                                + " ("
                                + departments
                                + " departments, "
                                + employees
                                + " employees): "
                                + e.getMessage(),
                        e);
            }
        }
    }

    private static void sameComponentsAsKosaraju(
            long seed, int departments, int employees, double headShare, double leaderShare) {
        CorpDirectory directory =
                RandomDirectories.generate(
                        new Random(seed), departments, employees, headShare, leaderShare);
        Graph<EntityRef, DefaultEdge> g = new DefaultDirectedGraph<>(DefaultEdge.class);
        directory.departments().values().forEach(d -> g.addVertex(d.ref()));
        directory.employees().values().forEach(e -> g.addVertex(e.ref()));
        for (Department d : directory.departments().values()) {
            for (EntityRef r : PlanChecker.references(directory, d.ref(), true))
                g.addEdge(d.ref(), r);
        }
        for (Employee e : directory.employees().values()) {
            for (EntityRef r : PlanChecker.references(directory, e.ref(), true))
                g.addEdge(e.ref(), r);
        }
        Set<Set<EntityRef>> expected =
                new HashSet<>(new KosarajuStrongConnectivityInspector<>(g).stronglyConnectedSets());

        WritePlan plan =
                Planner.plan(directory.departments().values(), directory.employees().values());

        Set<Set<EntityRef>> actual =
                plan.components().stream()
                        .map(
                                c ->
                                        c.writes().stream()
                                                .map(WritePlan.EntityWrite::ref)
                                                .collect(Collectors.toSet()))
                        .collect(Collectors.toSet());
        assertThat(actual).isEqualTo(expected);
        assertThat(plan.cyclicComponents())
                .isEqualTo((int) expected.stream().filter(s -> s.size() > 1).count());
    }
}
