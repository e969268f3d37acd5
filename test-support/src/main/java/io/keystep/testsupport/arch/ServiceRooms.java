package io.keystep.testsupport.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The rooms every service has, as rules a service's architecture test checks against its main classes:
 * {@code api} (REST resources), {@code domain} (the logic that would survive a change of framework),
 * {@code messaging} (Kafka in and out), {@code store} (Redis and PostgreSQL), {@code config} (configuration
 * mappings and producers), plus the extra rooms a service names. {@code domain} imports nothing of the other rooms,
 * and nothing but {@code api} imports {@code api}.
 */
public final class ServiceRooms {

    /** The rooms of every service. */
    public static final List<String> ROOMS = List.of("api", "domain", "messaging", "store", "config");

    private final String basePackage;
    private final List<String> rooms;

    private ServiceRooms(String basePackage, List<String> extraRooms) {
        this.basePackage = basePackage;
        List<String> all = new ArrayList<>(ROOMS);
        all.addAll(extraRooms);
        this.rooms = List.copyOf(all);
    }

    /** The rules for the service whose classes live under {@code basePackage}, with its extra rooms. */
    public static ServiceRooms of(String basePackage, String... extraRooms) {
        return new ServiceRooms(basePackage, List.of(extraRooms));
    }

    /** The service's main classes (tests and jars left out). */
    public JavaClasses mainClasses() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(basePackage);
    }

    /** Every class lives in one of the rooms. */
    public ArchRule everyClassInARoom() {
        String[] packages = rooms.stream().map(room -> basePackage + "." + room + "..").toArray(String[]::new);
        return classes().should().resideInAnyPackage(packages)
                .because("every service has the same rooms: " + String.join(", ", rooms));
    }

    /** {@code domain} imports nothing of the rooms above it. */
    public ArchRule domainImportsNothingAbove() {
        String[] above = rooms.stream().filter(room -> !room.equals("domain"))
                .map(room -> basePackage + "." + room + "..").toArray(String[]::new);
        return noClasses().that().resideInAPackage(basePackage + ".domain..")
                .should().dependOnClassesThat().resideInAnyPackage(above)
                .because("the domain would survive a change of framework, so it imports nothing above it");
    }

    /** Only {@code api} imports {@code api}: resources are the edge, nothing below calls them. */
    public ArchRule nothingBelowImportsApi() {
        return noClasses().that().resideOutsideOfPackage(basePackage + ".api..")
                .should().dependOnClassesThat().resideInAPackage(basePackage + ".api..")
                .because("REST resources are the edge; nothing below them depends on them");
    }

    /** Checks every rule against the service's main classes. */
    public void check() {
        JavaClasses classes = mainClasses();
        everyClassInARoom().check(classes);
        domainImportsNothingAbove().check(classes);
        nothingBelowImportsApi().check(classes);
    }
}
