package dev.weir.validatesrunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

/**
 * Leaves out the ValidatesRunner tests that EXCLUDED.md lists for the current mode (system property
 * {@code vr.mode}: batch, streaming or checkpointing). EXCLUDED.md is the one place where an
 * exclusion and its reason are written down; a table row {@code | Class#method | modes | reason |}
 * excludes that test in the modes named.
 */
public final class ExcludedTestsFilter implements PostDiscoveryFilter {

  private final Set<String> excluded;

  public ExcludedTestsFilter() {
    String mode = System.getProperty("vr.mode", "");
    this.excluded = load(Path.of(System.getProperty("vr.excludedFile", "EXCLUDED.md")), mode);
  }

  static Set<String> load(Path file, String mode) {
    Set<String> tests = new HashSet<>();
    if (!Files.exists(file)) {
      return tests;
    }
    try {
      List<String> lines = Files.readAllLines(file);
      for (String line : lines) {
        String[] cells = line.split("\\|");
        if (cells.length < 4) {
          continue;
        }
        String test = cells[1].trim().replace("`", "");
        String modes = cells[2].trim();
        if (test.contains("#") && (modes.contains("all") || modes.contains(mode))) {
          tests.add(test);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return tests;
  }

  @Override
  public FilterResult apply(TestDescriptor descriptor) {
    if (descriptor.isTest() && descriptor.getSource().orElse(null) instanceof MethodSource method) {
      String id = method.getClassName() + "#" + method.getMethodName();
      if (excluded.contains(id)) {
        return FilterResult.excluded("listed in EXCLUDED.md");
      }
    }
    return FilterResult.included("not excluded");
  }
}
