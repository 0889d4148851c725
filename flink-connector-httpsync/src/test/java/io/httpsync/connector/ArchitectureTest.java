package io.httpsync.connector;

import io.httpsync.connector.source.HttpSyncSource;
import io.httpsync.connector.testutil.ApiRules;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The connector's architecture as rules the build checks (production classes only): what is API and
 * what is not, no cycles between its packages, and a record's one-way flow through them
 * (docs/architecture.md draws the map). Landing is the module httpsync-landing, with rules of its
 * own (LandingArchitectureTest).
 */
class ArchitectureTest {

    private static final String CONNECTOR = ApiRules.HTTPSYNC;

    /** The connector's classes only, not landing's, which live in packages under the same name. */
    private static final JavaClasses PRODUCTION =
            ApiRules.productionClassesBeside(HttpSyncSource.class);

    /** A user of the connector must be able to tell API from internals by looking at a class. */
    @Test
    void every_public_top_level_class_is_marked_public_evolving_or_internal() {
        ApiRules.everyPublicTopLevelClassIsMarked().check(PRODUCTION);
    }

    /**
     * API that hands out or asks for an internal type makes that type API in all but name: a user
     * compiles against it, and changing it breaks them.
     */
    @Test
    void public_evolving_signatures_hold_no_internal_type() {
        ApiRules.publicEvolvingSignaturesHoldNoInternalType().check(PRODUCTION);
    }

    /**
     * Packages are counted by their first name below the connector's, so endpoint.pagination
     * belongs to endpoint.
     */
    @Test
    void connector_packages_are_free_of_cycles() {
        slices().matching(CONNECTOR + ".(*)..").should().beFreeOfCycles().check(PRODUCTION);
    }

    /**
     * Reading a platform (source, endpoint, http, auth, ratelimit, table) needs nothing of landing
     * (dedupe, sink) nor of a sink connector: the module has no such dependency, and JDBC (in the
     * JDK) stays out too.
     */
    @Test
    void reading_does_not_depend_on_landing() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        CONNECTOR + ".source..",
                        CONNECTOR + ".endpoint..",
                        CONNECTOR + ".http..",
                        CONNECTOR + ".auth..",
                        CONNECTOR + ".ratelimit..",
                        CONNECTOR + ".table..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        CONNECTOR + ".sink..",
                        CONNECTOR + ".dedupe..",
                        CONNECTOR + ".registry..",
                        "org.apache.flink.connector.jdbc..",
                        "org.apache.flink.connector.kafka..",
                        "org.apache.kafka..",
                        "java.sql..",
                        "javax.sql..")
                .check(PRODUCTION);
    }

    /**
     * Landing's packages (sink, dedupe, registry: the JDBC tenant registry behind the connector's
     * {@code TenantRegistry} interface) belong to httpsync-landing: a class of theirs here would
     * split them.
     */
    @Test
    void landing_packages_are_not_in_the_connector() {
        noClasses()
                .should()
                .resideInAnyPackage(
                        CONNECTOR + ".sink..", CONNECTOR + ".dedupe..", CONNECTOR + ".registry..")
                .allowEmptyShould(true)
                .check(PRODUCTION);
    }

    /**
     * A record flows one way: plan windows (source) -> take permits (ratelimit) -> fetch a page
     * (http, auth) as the endpoint describes it -> decode; SQL (table) reads through the source. A
     * package may use those before it, never those after it. (Dedupe and landing come after all of
     * these, in httpsync-landing.)
     */
    @Test
    void a_record_flows_one_way() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("domain")
                .definedBy(CONNECTOR + ".domain..")
                .layer("auth")
                .definedBy(CONNECTOR + ".auth..")
                .layer("ratelimit")
                .definedBy(CONNECTOR + ".ratelimit..")
                .layer("endpoint")
                .definedBy(CONNECTOR + ".endpoint..")
                .layer("http")
                .definedBy(CONNECTOR + ".http..")
                .layer("source")
                .definedBy(CONNECTOR + ".source..")
                .layer("table")
                .definedBy(CONNECTOR + ".table..")
                .whereLayer("table")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("source")
                .mayOnlyBeAccessedByLayers("table")
                .whereLayer("http")
                .mayOnlyBeAccessedByLayers("source", "table")
                .whereLayer("endpoint")
                .mayOnlyBeAccessedByLayers("http", "source", "table")
                .whereLayer("ratelimit")
                .mayOnlyBeAccessedByLayers("endpoint", "http", "source", "table")
                .whereLayer("auth")
                .mayOnlyBeAccessedByLayers("endpoint", "http", "source", "table")
                .check(PRODUCTION);
    }
}
