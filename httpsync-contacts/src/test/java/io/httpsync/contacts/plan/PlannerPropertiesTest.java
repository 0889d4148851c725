package io.httpsync.contacts.plan;

import io.httpsync.contacts.model.CorpDirectory;
import io.httpsync.contacts.model.Department;
import io.httpsync.contacts.model.Employee;
import io.httpsync.contacts.model.EntityRef;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.jgrapht.Graph;
import org.jgrapht.alg.connectivity.KosarajuStrongConnectivityInspector;
import org.jgrapht.graph.DefaultDirectedGraph;
import org.jgrapht.graph.DefaultEdge;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of the planner over random directories with random cycles of every kind. */
class PlannerPropertiesTest {

    @Property(tries = 300)
    void everyPlanWritesEachEntityOnceNeverAheadOfWhatItReferencesAndCompletesEveryDegradedEntity(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int departments,
            @ForAll @IntRange(min = 0, max = 60) int employees, @ForAll @DoubleRange(min = 0, max = 1) double headShare,
            @ForAll @DoubleRange(min = 0, max = 1) double leaderShare, @ForAll @DoubleRange(min = 0, max = 0.9) double inDatabaseShare) {
        Random random = new Random(seed);
        CorpDirectory directory = RandomDirectories.generate(random, departments, employees, headShare, leaderShare);
        assertThat(directory.problems()).isEmpty();
        // a share of the entities is already in the database (unchanged); the plan writes the others
        Set<EntityRef> inDatabase = new HashSet<>();
        Set<EntityRef> toWrite = new HashSet<>();
        for (Department d : directory.departments().values()) (random.nextDouble() < inDatabaseShare ? inDatabase : toWrite).add(d.ref());
        for (Employee e : directory.employees().values()) (random.nextDouble() < inDatabaseShare ? inDatabase : toWrite).add(e.ref());
        List<Department> ds = directory.departments().values().stream().filter(d -> toWrite.contains(d.ref())).toList();
        List<Employee> es = directory.employees().values().stream().filter(e -> toWrite.contains(e.ref())).toList();

        WritePlan plan = Planner.plan(ds, es, inDatabase::contains);

        assertThat(plan.entities()).isEqualTo(toWrite.size());
        PlanChecker.check(plan, directory, toWrite, inDatabase, random);
    }

    @Property(tries = 200)
    void theComponentsAreTheStronglyConnectedComponentsAnIndependentAlgorithmFinds(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 25) int departments,
            @ForAll @IntRange(min = 0, max = 50) int employees, @ForAll @DoubleRange(min = 0, max = 1) double headShare,
            @ForAll @DoubleRange(min = 0, max = 1) double leaderShare) {
        CorpDirectory directory = RandomDirectories.generate(new Random(seed), departments, employees, headShare, leaderShare);
        Graph<EntityRef, DefaultEdge> g = new DefaultDirectedGraph<>(DefaultEdge.class);
        directory.departments().values().forEach(d -> g.addVertex(d.ref()));
        directory.employees().values().forEach(e -> g.addVertex(e.ref()));
        for (Department d : directory.departments().values()) {
            for (EntityRef r : PlanChecker.references(directory, d.ref(), true)) g.addEdge(d.ref(), r);
        }
        for (Employee e : directory.employees().values()) {
            for (EntityRef r : PlanChecker.references(directory, e.ref(), true)) g.addEdge(e.ref(), r);
        }
        Set<Set<EntityRef>> expected = new HashSet<>(new KosarajuStrongConnectivityInspector<>(g).stronglyConnectedSets());

        WritePlan plan = Planner.plan(directory.departments().values(), directory.employees().values());

        Set<Set<EntityRef>> actual = plan.components().stream()
                .map(c -> c.writes().stream().map(WritePlan.EntityWrite::ref).collect(Collectors.toSet()))
                .collect(Collectors.toSet());
        assertThat(actual).isEqualTo(expected);
        assertThat(plan.cyclicComponents()).isEqualTo((int) expected.stream().filter(s -> s.size() > 1).count());
    }
}
