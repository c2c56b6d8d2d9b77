package dev.weir.runner.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of ../shared/DESIGN.md as rules: the engine and the state backends know
 * nothing of Beam, state backends know nothing of the engine, layers only depend downwards, and no
 * two packages depend on each other. Lives in the runner module because it is the one that sees the
 * main classes of every module below it.
 */
class ArchitectureTest {

  private static JavaClasses weir;

  @BeforeAll
  static void importMainClasses() {
    weir =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.weir");
    // A rule checked against an empty or partial import would pass vacuously.
    for (String module :
        new String[] {
          "dev.weir.state", "dev.weir.engine", "dev.weir.translation", "dev.weir.runner"
        }) {
      assertThat(weir.stream().anyMatch(c -> c.getPackageName().startsWith(module)))
          .as("classes of %s imported", module)
          .isTrue();
    }
  }

  @Test
  void engineAndStateBackendsNeverUseBeam() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.weir.engine..", "dev.weir.state..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.beam..")
        .because("the engine runs any dataflow; Beam is one client of it (DESIGN.md, Modules)")
        .check(weir);
  }

  @Test
  void stateBackendsNeverUseTheEngine() {
    noClasses()
        .that()
        .resideInAPackage("dev.weir.state..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.weir.engine..")
        .check(weir);
  }

  @Test
  void layersOnlyDependDownwards() {
    ArchRule engine =
        noClasses()
            .that()
            .resideInAPackage("dev.weir.engine..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.weir.translation..", "dev.weir.runner..");
    ArchRule translation =
        noClasses()
            .that()
            .resideInAPackage("dev.weir.translation..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.weir.runner..");
    engine.check(weir);
    translation.check(weir);
  }

  @Test
  void noPackageCycles() {
    slices().matching("dev.weir.(**)").should().beFreeOfCycles().check(weir);
  }
}
