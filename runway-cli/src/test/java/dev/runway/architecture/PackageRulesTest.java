package dev.runway.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms inside the modules. Maven already refuses an import of a module a module does not depend on; these rules
 * hold the packages apart inside a module. The CLI's test class path holds every module's main classes, so the rules
 * live here. A failure names the class and the dependency that breaks the rule: move the code, do not loosen the rule
 * without saying why in its comment.
 */
class PackageRulesTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.runway");
    }

    @Test
    void theImportHasEveryModule() {
        // a rule over no classes passes whatever the code does: make sure each module's classes are there
        for (String pkg : new String[] {
            "dev.runway.protocol",
            "dev.runway.workflow",
            "dev.runway.server",
            "dev.runway.server.store",
            "dev.runway.server.http",
            "dev.runway.agent",
            "dev.runway.scaler",
            "dev.runway.cli"
        }) {
            if (!classes.containPackage(pkg)) throw new AssertionError("no classes imported in " + pkg);
        }
    }

    /** The wire types know nothing of who sends or reads them. */
    @Test
    void protocolDependsOnNoOtherModule() {
        check(noClasses()
                .that()
                .resideInAPackage("dev.runway.protocol..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.runway.workflow..",
                        "dev.runway.server..",
                        "dev.runway.agent..",
                        "dev.runway.scaler..",
                        "dev.runway.cli.."));
    }

    /** Workflow parsing and expressions are shared by the control plane and the runner, and depend on neither. */
    @Test
    void workflowNeverUsesServerOrAgent() {
        check(noClasses()
                .that()
                .resideInAPackage("dev.runway.workflow..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.runway.server..", "dev.runway.agent..", "dev.runway.scaler..", "dev.runway.cli.."));
    }

    /** The stores are the control plane's persistence: HTTP routes call them, never the other way round. */
    @Test
    void serverStoreNeverUsesHttp() {
        check(noClasses()
                .that()
                .resideInAPackage("dev.runway.server.store..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.runway.server.http.."));
    }

    /**
     * The agent's packages (each direct sub-package of dev.runway.agent with everything below it) form no cycle. A new
     * package under dev.runway.agent is a new slice and held to the same rule without changing this test. {@code exec}
     * holds only the contracts the others share (Executor, StepHost, JobControl, JobApi, JobEnv) and depends on no
     * other agent package; what wires them together (JobExecutor in {@code steps}, RunwayAgent above all slices)
     * lives where it may depend on them.
     */
    @Test
    void agentPackagesFormNoCycles() {
        check(slices().matching("dev.runway.agent.(*)..").should().beFreeOfCycles());
    }

    /** Control plane and runner talk only through HTTP (runway-protocol's types): neither uses the other's classes. */
    @Test
    void serverAndAgentDoNotUseEachOther() {
        check(noClasses()
                .that()
                .resideInAPackage("dev.runway.server..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.runway.agent.."));
        check(noClasses()
                .that()
                .resideInAPackage("dev.runway.agent..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.runway.server.."));
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }
}
