package dev.weir.runner.grouping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch GroupByKey of more than three times its JVM's heap finishes with exact groups: the job
 * runs in a JVM of its own with a small heap, its grouping spills sorted runs to disk and merges
 * them, and leaves none behind.
 */
class LargerThanHeapGroupByKeyTest {

  private static final int HEAP_MB = 256;

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopEverythingStarted() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void groupsThreeTimesTheHeapExactly() throws Exception {
    long records = 840_000;
    long keys = 2_000;
    int payload = 1_000;
    assertThat(records * payload).as("input bytes").isGreaterThanOrEqualTo(3L * (HEAP_MB << 20));
    Path spill = dir.resolve("spill");
    Path log = dir.resolve("job.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + HEAP_MB + "m");
    command.add("-Dorg.slf4j.simpleLogger.log.dev.weir.translation.grouping=info");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LargerThanHeapGroupByKeyMain.class.getName());
    command.add(Long.toString(records));
    command.add(Long.toString(keys));
    command.add(Integer.toString(payload));
    command.add("--runner=WeirRunner");
    command.add("--parallelism=2");
    command.add("--spillDir=" + spill);
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(p);
    boolean ended = p.waitFor(10, TimeUnit.MINUTES);
    String output = Files.readString(log);
    assertThat(ended).as("the job ended within 10 minutes; its log:\n%s", output).isTrue();
    assertThat(p.exitValue()).as("exit status; log:\n%s", output).isZero();
    assertThat(output)
        .contains("state=DONE groups=" + keys + " values=" + records + " bad=0")
        .contains("writing sorted runs to")
        .contains("sorted runs");
    try (Stream<Path> left = Files.walk(spill)) {
      assertThat(left.filter(Files::isRegularFile).toList()).as("runs left behind").isEmpty();
    }
  }
}
