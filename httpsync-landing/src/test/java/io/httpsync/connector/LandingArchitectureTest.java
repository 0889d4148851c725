package io.httpsync.connector;

import io.httpsync.connector.sink.JdbcRecordSink;
import io.httpsync.connector.testutil.ApiRules;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Landing's architecture as rules the build checks (production classes of this module only): the
 * connector's API rules, and landing uses the connector as any user would (docs/architecture.md
 * draws the map).
 */
class LandingArchitectureTest {

    private static final String CONNECTOR = ApiRules.HTTPSYNC;

    /** Landing's classes only, not the connector's, whose packages share the name's start. */
    private static final JavaClasses LANDING =
            ApiRules.productionClassesBeside(JdbcRecordSink.class);

    /** A user of landing must be able to tell API from internals by looking at a class. */
    @Test
    void every_public_top_level_class_is_marked_public_evolving_or_internal() {
        ApiRules.everyPublicTopLevelClassIsMarked().check(LANDING);
    }

    /** Landing's API hands out no internal type, of its own or of the connector. */
    @Test
    void public_evolving_signatures_hold_no_internal_type() {
        ApiRules.publicEvolvingSignaturesHoldNoInternalType().check(LANDING);
    }

    @Test
    void landing_packages_are_free_of_cycles() {
        slices().matching(CONNECTOR + ".(*)..").should().beFreeOfCycles().check(LANDING);
    }

    /**
     * Landing (dedupe, sink) uses the reading side as a user would: through its API
     * (@PublicEvolving types of the packages users import), never its internals (the enumerator,
     * the split, the fetcher); the connector may change those without a word to landing.
     */
    @Test
    void landing_uses_only_the_public_api_of_reading() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        CONNECTOR + ".sink..", CONNECTOR + ".dedupe..", CONNECTOR + ".registry..")
                .should()
                .dependOnClassesThat(
                        DescribedPredicate.describe(
                                "are internals of reading",
                                (JavaClass t) ->
                                        t.getPackageName().startsWith(CONNECTOR)
                                                && !t.getPackageName()
                                                        .startsWith(CONNECTOR + ".sink")
                                                && !t.getPackageName()
                                                        .startsWith(CONNECTOR + ".dedupe")
                                                && !t.getPackageName()
                                                        .startsWith(CONNECTOR + ".registry")
                                                && (!ApiRules.isPublicEvolving(t)
                                                        || t.getPackageName()
                                                                .startsWith(CONNECTOR + ".source.")
                                                        || t.getPackageName()
                                                                .startsWith(CONNECTOR + ".http"))))
                .check(LANDING);
    }

    /**
     * A SQL job's cluster runs the tenant registry from this module's jar beside the connector's
     * {@code -sql} jar, which relocates its libraries (Jackson among them) out of reach: the
     * registry may use only the JDK, Flink (its own relocated Jackson included) and the connector.
     * With plain Jackson the enumerator failed on a real cluster with NoClassDefFoundError.
     */
    @Test
    void the_tenant_registry_needs_nothing_but_the_jdk_flink_and_the_connector() {
        noClasses()
                .that()
                .resideInAPackage(CONNECTOR + ".registry..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages(
                        "java..", "javax.annotation..", "org.apache.flink..", CONNECTOR + "..")
                .check(LANDING);
    }

    /**
     * A record is deduplicated, then landed: the sinks may use dedupe, never the other way round.
     */
    @Test
    void a_record_flows_one_way() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("dedupe")
                .definedBy(CONNECTOR + ".dedupe..")
                .layer("sink")
                .definedBy(CONNECTOR + ".sink..")
                .whereLayer("sink")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("dedupe")
                .mayOnlyBeAccessedByLayers("sink")
                .check(LANDING);
    }
}
