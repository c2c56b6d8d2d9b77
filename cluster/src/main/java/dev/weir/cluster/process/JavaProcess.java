package dev.weir.cluster.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM running one of Weir's commands: the same {@code java} as this JVM, a classpath, JVM
 * options, the main class and its arguments; stderr joined to stdout. For {@code weir cluster} and
 * the tests that start processes (which stop them by pid).
 */
public final class JavaProcess {

  private JavaProcess() {}

  /** Starts {@code main} with {@code args} in a JVM of {@code classpath} and {@code jvmOptions}. */
  public static Process start(
      String classpath, List<String> jvmOptions, Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath);
    command.add(main.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** As above, with this JVM's classpath. */
  public static Process start(List<String> jvmOptions, Class<?> main, String... args)
      throws IOException {
    return start(System.getProperty("java.class.path"), jvmOptions, main, args);
  }
}
