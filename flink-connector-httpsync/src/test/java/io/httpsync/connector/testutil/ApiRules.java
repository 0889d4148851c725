package io.httpsync.connector.testutil;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

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
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/**
 * The API rules every httpsync module with classes under {@value #HTTPSYNC} keeps (the connector's
 * {@code ArchitectureTest}, landing's {@code LandingArchitectureTest}): what is API and what is
 * not, and API that hands out no internal type. One copy, so the modules cannot drift apart.
 */
public final class ApiRules {
    public static final String HTTPSYNC = "io.httpsync.connector";

    private ApiRules() {}

    /**
     * A module's production classes, read from where {@code anyClass} was compiled to: scanning the
     * whole class path takes long.
     */
    public static JavaClasses productionClassesBeside(Class<?> anyClass) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importUrl(anyClass.getProtectionDomain().getCodeSource().getLocation());
    }

    /** A user must be able to tell API from internals by looking at a class. */
    public static ArchRule everyPublicTopLevelClassIsMarked() {
        return classes()
                .that()
                .resideInAPackage(HTTPSYNC + "..")
                .and()
                .arePublic()
                .and()
                .areTopLevelClasses()
                .should()
                .beAnnotatedWith(PublicEvolving.class)
                .orShould()
                .beAnnotatedWith(Internal.class);
    }

    /**
     * API that hands out or asks for an internal type makes that type API in all but name: a user
     * compiles against it, and changing it breaks them.
     */
    public static ArchRule publicEvolvingSignaturesHoldNoInternalType() {
        return classes().that(arePublicEvolving()).should(exposeNoInternalType());
    }

    /** The annotation that marks the class: its own, else the nearest enclosing class's. */
    public static Optional<Class<?>> marking(JavaClass c) {
        for (Optional<JavaClass> k = Optional.of(c);
                k.isPresent();
                k = k.get().getEnclosingClass()) {
            if (k.get().isAnnotatedWith(PublicEvolving.class))
                return Optional.of(PublicEvolving.class);
            if (k.get().isAnnotatedWith(Internal.class)) return Optional.of(Internal.class);
        }
        return Optional.empty();
    }

    public static boolean isPublicEvolving(JavaClass c) {
        return marking(c).filter(PublicEvolving.class::equals).isPresent();
    }

    private static DescribedPredicate<JavaClass> arePublicEvolving() {
        return DescribedPredicate.describe(
                "are @PublicEvolving (or nested in a @PublicEvolving class)",
                c ->
                        c.getPackageName().startsWith(HTTPSYNC)
                                && c.getModifiers().contains(JavaModifier.PUBLIC)
                                && isPublicEvolving(c));
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
                        if (raw.getPackageName().startsWith(HTTPSYNC)
                                && marking(raw).filter(Internal.class::equals).isPresent()) {
                            internal.add(raw.getName());
                        }
                    }
                }
                for (String name : internal) {
                    events.add(
                            SimpleConditionEvent.violated(
                                    c, c.getName() + " exposes @Internal " + name));
                }
            }
        };
    }

    /**
     * Whether users call or see the member: public (or protected in a class they can extend), not
     * itself marked {@code @Internal} (Flink's way to keep one method of an API class internal),
     * not a method the framework calls (an override of a Flink interface's method, such as {@code
     * Source.createEnumerator}), and not a record's canonical constructor (its parameters are the
     * record's components, checked through their accessors).
     */
    private static boolean isUsersApi(JavaMember m) {
        Set<JavaModifier> modifiers = m.getModifiers();
        if (modifiers.contains(JavaModifier.SYNTHETIC) || modifiers.contains(JavaModifier.BRIDGE))
            return false;
        boolean extensible = !m.getOwner().getModifiers().contains(JavaModifier.FINAL);
        if (!modifiers.contains(JavaModifier.PUBLIC)
                && !(modifiers.contains(JavaModifier.PROTECTED) && extensible)) {
            return false;
        }
        if (m.isAnnotatedWith(Internal.class)) return false;
        if (m instanceof JavaCodeUnit u
                && (overridesFramework(u) || isCanonicalRecordConstructor(u))) return false;
        return true;
    }

    private static boolean overridesFramework(JavaCodeUnit u) {
        JavaClass owner = u.getOwner();
        List<JavaClass> supertypes = new ArrayList<>(owner.getAllRawSuperclasses());
        supertypes.addAll(owner.getAllRawInterfaces());
        return supertypes.stream()
                .filter(s -> !s.getPackageName().startsWith(HTTPSYNC))
                .flatMap(s -> s.getMethods().stream())
                .anyMatch(
                        m ->
                                m.getName().equals(u.getName())
                                        && m.getRawParameterTypes().size()
                                                == u.getRawParameterTypes().size());
    }

    private static boolean isCanonicalRecordConstructor(JavaCodeUnit u) {
        JavaClass owner = u.getOwner();
        boolean isRecord =
                owner.getRawSuperclass().map(s -> s.isEquivalentTo(Record.class)).orElse(false);
        long components =
                owner.getFields().stream()
                        .filter(f -> !f.getModifiers().contains(JavaModifier.STATIC))
                        .count();
        return isRecord && u.isConstructor() && u.getRawParameterTypes().size() == components;
    }
}
