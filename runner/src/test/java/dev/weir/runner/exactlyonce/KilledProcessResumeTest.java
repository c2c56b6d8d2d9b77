package dev.weir.runner.exactlyonce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, point 11: a job in a JVM of its own, taking checkpoints, is killed with SIGKILL (no
 * shutdown hook, nothing flushed); resumed with {@code --savepointPath=<its run folder>} (its
 * newest checkpoint) it produces exactly the expected result.
 */
class KilledProcessResumeTest {

  private static final long TOTAL = 160_000;

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopEverythingStarted() throws InterruptedException {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Process startJob(Path out, Path checkpoints, String... extra) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KilledProcessMain.class.getName());
    command.add(out.toString());
    command.add(Long.toString(TOTAL));
    command.add("--runner=WeirRunner");
    command.add("--streaming=true");
    command.add("--parallelism=2");
    command.add("--jobName=killed");
    command.add("--checkpointingInterval=100");
    command.add("--checkpointDir=" + checkpoints);
    command.add("--rocksDbDir=" + dir.resolve("rocksdb"));
    command.addAll(List.of(extra));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("job-" + started.size() + ".log").toFile())
            .start();
    started.add(p);
    return p;
  }

  private static long completedCheckpoints(Path checkpoints) throws IOException {
    if (!Files.isDirectory(checkpoints)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(checkpoints, 3)) {
      return files.filter(f -> f.getFileName().toString().equals("_metadata")).count();
    } catch (UncheckedIOException vanished) {
      return 0; // a file renamed or deleted while walked (the job is running): look again
    }
  }

  private static long restoredKeys(Path out) throws IOException {
    try (Stream<Path> files = Files.list(out)) {
      return files.filter(f -> f.getFileName().toString().startsWith("restored-key-")).count();
    }
  }

  @Test
  void aJobKilledWithSigkillResumesFromItsRunFolderExactly() throws Exception {
    for (String backend : new String[] {"heap", "rocksdb"}) {
      Path out = Files.createDirectories(dir.resolve("out-" + backend));
      Path checkpoints = dir.resolve("checkpoints-" + backend);
      Process first = startJob(out, checkpoints, "--stateBackend=" + backend);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> completedCheckpoints(checkpoints) >= 3 || !first.isAlive());
      assertThat(first.isAlive()).as("the first run was still going when killed").isTrue();
      first.destroyForcibly(); // SIGKILL
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(first.exitValue()).as("killed, not ended").isNotZero();
      assertThat(out.resolve("key-0")).as("the first run did not finish").doesNotExist();
      assertThat(restoredKeys(out)).as("state restored in the first run").isZero();

      Path runFolder;
      try (Stream<Path> runs = Files.list(checkpoints)) {
        runFolder =
            runs.filter(Files::isDirectory).findFirst().orElseThrow(); // one run of this job
      }
      Process second =
          startJob(
              out,
              dir.resolve("resumed-" + backend),
              "--stateBackend=" + backend,
              "--savepointPath=" + runFolder);
      assertThat(second.waitFor(120, TimeUnit.SECONDS)).as("the resumed run ended").isTrue();
      assertThat(second.exitValue())
          .as("exit code; see %s", dir.resolve("job-" + (started.size() - 1) + ".log"))
          .isZero();

      assertThat(restoredKeys(out))
          .as("keys whose state the resumed run found in the checkpoint")
          .isPositive();
      assertThat(out.resolve("alerts")).as("lost or repeated events").doesNotExist();
      for (int k = 0; k < KilledProcessMain.KEYS; k++) {
        assertThat(Files.readString(out.resolve("key-" + k)))
            .as("final count of key %d (%s)", k, backend)
            .isEqualTo(Long.toString(TOTAL / KilledProcessMain.KEYS));
      }
    }
  }
}
