package io.httpsync.connector;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.httpsync.connector.source.HttpSyncSource;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The connector's architecture as rules the build checks (production classes only): what is API and what is not, no
 * cycles between its packages, and a record's one-way flow through them (docs/architecture.md draws the map).
 */
class ArchitectureTest {

    private static final String CONNECTOR = "io.httpsync.connector";

    /** The connector's classes, read from where they were compiled to: scanning the whole class path takes long. */
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importUrl(HttpSyncSource.class.getProtectionDomain().getCodeSource().getLocation());

    /** A user of the connector must be able to tell API from internals by looking at a class. */
    @Test
    void every_public_top_level_class_is_marked_public_evolving_or_internal() {
        classes()
                .that().resideInAPackage(CONNECTOR + "..").and().arePublic().and().areTopLevelClasses()
                .should().beAnnotatedWith(PublicEvolving.class).orShould().beAnnotatedWith(Internal.class)
                .check(PRODUCTION);
    }

    /**
     * API that hands out or asks for an internal type makes that type API in all but name: a user compiles against
     * it, and changing it breaks them.
     */
    @Test
    void public_evolving_signatures_hold_no_internal_type() {
        classes()
                .that(arePublicEvolving()).should(exposeNoInternalType())
                .check(PRODUCTION);
    }

    /** Packages are counted by their first name below the connector's, so endpoint.pagination belongs to endpoint. */
    @Test
    void connector_packages_are_free_of_cycles() {
        slices().matching(CONNECTOR + ".(*)..").should().beFreeOfCycles()
                .check(PRODUCTION);
    }

    /**
     * Reading a platform (source, endpoint, http, auth, ratelimit, table) needs nothing of landing (dedupe, sink)
     * nor of a sink connector, so landing can become its own module.
     */
    @Test
    void reading_does_not_depend_on_landing() {
        noClasses()
                .that().resideInAnyPackage(CONNECTOR + ".source..", CONNECTOR + ".endpoint..", CONNECTOR + ".http..",
                        CONNECTOR + ".auth..", CONNECTOR + ".ratelimit..", CONNECTOR + ".table..")
                .should().dependOnClassesThat().resideInAnyPackage(CONNECTOR + ".sink..", CONNECTOR + ".dedupe..",
                        "org.apache.flink.connector.jdbc..", "org.apache.flink.connector.kafka..", "org.apache.kafka..",
                            "java.sql..", "javax.sql..")
                .check(PRODUCTION);
    }

    /**
     * Landing (dedupe, sink) uses the reading side as a user would: through its API (@PublicEvolving types of the
     * packages users import), never its internals (the enumerator, the split, the fetcher), so the two can live in
     * separate modules.
     */
    @Test
    void landing_uses_only_the_public_api_of_reading() {
        noClasses()
                .that().resideInAnyPackage(CONNECTOR + ".sink..", CONNECTOR + ".dedupe..")
                .should().dependOnClassesThat(DescribedPredicate.describe("are internals of reading",
                        (JavaClass t) -> t.getPackageName().startsWith(CONNECTOR)
                                && !t.getPackageName().startsWith(CONNECTOR + ".sink")
                                && !t.getPackageName().startsWith(CONNECTOR + ".dedupe")
                                && (marking(t).filter(PublicEvolving.class::equals).isEmpty()
                                        || t.getPackageName().startsWith(CONNECTOR + ".source.")
                                        || t.getPackageName().startsWith(CONNECTOR + ".http"))))
                .check(PRODUCTION);
    }

    /**
     * A record flows one way: plan windows (source) -> take permits (ratelimit) -> fetch a page (http, auth) as the
     * endpoint describes it -> decode -> dedupe -> land (sink); SQL (table) reads through the source. A package may
     * use those before it, never those after it.
     */
    @Test
    void a_record_flows_one_way() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("domain").definedBy(CONNECTOR + ".domain..")
                .layer("auth").definedBy(CONNECTOR + ".auth..")
                .layer("ratelimit").definedBy(CONNECTOR + ".ratelimit..")
                .layer("endpoint").definedBy(CONNECTOR + ".endpoint..")
                .layer("http").definedBy(CONNECTOR + ".http..")
                .layer("source").definedBy(CONNECTOR + ".source..")
                .layer("table").definedBy(CONNECTOR + ".table..")
                .layer("dedupe").definedBy(CONNECTOR + ".dedupe..")
                .layer("sink").definedBy(CONNECTOR + ".sink..")
                .whereLayer("sink").mayNotBeAccessedByAnyLayer()
                .whereLayer("dedupe").mayOnlyBeAccessedByLayers("sink")
                .whereLayer("table").mayNotBeAccessedByAnyLayer()
                .whereLayer("source").mayOnlyBeAccessedByLayers("table", "dedupe", "sink")
                .whereLayer("http").mayOnlyBeAccessedByLayers("source", "table")
                .whereLayer("endpoint").mayOnlyBeAccessedByLayers("http", "source", "table")
                .whereLayer("ratelimit").mayOnlyBeAccessedByLayers("endpoint", "http", "source", "table")
                .whereLayer("auth").mayOnlyBeAccessedByLayers("endpoint", "http", "source", "table")
                .check(PRODUCTION);
    }

    private static DescribedPredicate<JavaClass> arePublicEvolving() {
        return DescribedPredicate.describe("are @PublicEvolving (or nested in a @PublicEvolving class)",
                c -> c.getPackageName().startsWith(CONNECTOR) && c.getModifiers().contains(JavaModifier.PUBLIC)
                        && marking(c).filter(PublicEvolving.class::equals).isPresent());
    }

    /** The annotation that marks the class: its own, else the nearest enclosing class's. */
    private static Optional<Class<?>> marking(JavaClass c) {
        for (Optional<JavaClass> k = Optional.of(c); k.isPresent(); k = k.get().getEnclosingClass()) {
            if (k.get().isAnnotatedWith(PublicEvolving.class)) return Optional.of(PublicEvolving.class);
            if (k.get().isAnnotatedWith(Internal.class)) return Optional.of(Internal.class);
        }
        return Optional.empty();
    }

    private static ArchCondition<JavaClass> exposeNoInternalType() {
        return new ArchCondition<>("expose no @Internal type in a public or protected signature") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                List<JavaType> exposed = new ArrayList<>();
                c.getRawSuperclass().ifPresent(exposed::add);
                exposed.addAll(c.getRawInterfaces());
                for (JavaMember m : c.getMembers()) {
                    if (!isUsersApi(m)) continue;
                    if (m instanceof JavaField f) {
                        exposed.add(f.getType());
                    } else if (m instanceof JavaCodeUnit u) {
                        exposed.add(u.getReturnType());
                        exposed.addAll(u.getParameterTypes());
                    }
                }
                Set<String> internal = new LinkedHashSet<>();
                for (JavaType t : exposed) {
                    for (JavaClass raw : t.getAllInvolvedRawTypes()) {
                        if (raw.getPackageName().startsWith(CONNECTOR)
                                && marking(raw).filter(Internal.class::equals).isPresent()) {
                            internal.add(raw.getName());
                        }
                    }
                }
                for (String name : internal) {
                    events.add(SimpleConditionEvent.violated(c, c.getName() + " exposes @Internal " + name));
                }
            }
        };
    }

    /**
     * Whether users call or see the member: public (or protected in a class they can extend), not itself marked
     * {@code @Internal} (Flink's way to keep one method of an API class internal), not a method the framework calls
     * (an override of a Flink interface's method, such as {@code Source.createEnumerator}), and not a record's
     * canonical constructor (its parameters are the record's components, checked through their accessors).
     */
    private static boolean isUsersApi(JavaMember m) {
        Set<JavaModifier> modifiers = m.getModifiers();
        if (modifiers.contains(JavaModifier.SYNTHETIC) || modifiers.contains(JavaModifier.BRIDGE)) return false;
        boolean extensible = !m.getOwner().getModifiers().contains(JavaModifier.FINAL);
        if (!modifiers.contains(JavaModifier.PUBLIC) && !(modifiers.contains(JavaModifier.PROTECTED) && extensible)) {
            return false;
        }
        if (m.isAnnotatedWith(Internal.class)) return false;
        if (m instanceof JavaCodeUnit u && (overridesFramework(u) || isCanonicalRecordConstructor(u))) return false;
        return true;
    }

    private static boolean overridesFramework(JavaCodeUnit u) {
        JavaClass owner = u.getOwner();
        List<JavaClass> supertypes = new ArrayList<>(owner.getAllRawSuperclasses());
        supertypes.addAll(owner.getAllRawInterfaces());
        return supertypes.stream()
                .filter(s -> !s.getPackageName().startsWith(CONNECTOR))
                .flatMap(s -> s.getMethods().stream())
                .anyMatch(m -> m.getName().equals(u.getName()) && m.getRawParameterTypes().size() == u.getRawParameterTypes().size());
    }

    private static boolean isCanonicalRecordConstructor(JavaCodeUnit u) {
        JavaClass owner = u.getOwner();
        boolean isRecord = owner.getRawSuperclass().map(s -> s.isEquivalentTo(Record.class)).orElse(false);
        long components = owner.getFields().stream().filter(f -> !f.getModifiers().contains(JavaModifier.STATIC)).count();
        return isRecord && u.isConstructor() && u.getRawParameterTypes().size() == components;
    }
}
