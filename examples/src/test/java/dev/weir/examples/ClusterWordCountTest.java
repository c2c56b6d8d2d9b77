package dev.weir.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.process.CoordinatorCommand;
import dev.weir.cluster.process.ProcessOutput;
import dev.weir.cluster.process.WorkerCommand;
import dev.weir.cluster.transport.ClusterSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * WordCount on a cluster of separate JVMs on loopback (a coordinator and two workers of one slot,
 * started by the test and killed by pid at its end), with checkpoints in a folder they share,
 * writes exactly what it writes embedded.
 */
@Timeout(300)
class ClusterWordCountTest {

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private ProcessOutput start(String name, Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile()).start();
    processes.add(p);
    return new ProcessOutput(p, line -> System.out.println("[" + name + "] " + line));
  }

  private static Map<String, Long> counts(Path folder) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("counts")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] parts = line.split(": ");
          assertThat(counts.put(parts[0], Long.parseLong(parts[1])))
              .as("word %s written once", parts[0])
              .isNull();
        }
      }
    }
    return counts;
  }

  private static PipelineResult.State run(String... args) {
    WordCount.Options options = PipelineOptionsFactory.fromArgs(args).as(WordCount.Options.class);
    return WordCount.build(options).run().waitUntilFinish();
  }

  @Test
  void wordCountOnACoordinatorAndTwoWorkersWritesTheEmbeddedCounts() throws Exception {
    Path input = Path.of("data/declaration.txt").toAbsolutePath();
    Path secret = dir.resolve("cluster.secret");
    ClusterSecret.createFile(secret);
    ProcessOutput coordinator =
        start(
            "coordinator",
            CoordinatorCommand.class,
            "--port=0",
            "--secret-file=" + secret,
            "--work-dir=" + dir.resolve("coordinator"));
    String port =
        coordinator
            .await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(60))
            .group(1);
    for (int i = 1; i <= 2; i++) {
      ProcessOutput worker =
          start(
              "worker-" + i,
              WorkerCommand.class,
              "--coordinator=127.0.0.1:" + port,
              "--slots=1",
              "--secret-file=" + secret,
              "--work-dir=" + dir.resolve("worker-" + i));
      worker.await("registered with the coordinator", Duration.ofSeconds(60));
    }

    Path embedded = dir.resolve("embedded");
    assertThat(
            run(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--inputFile=" + input,
                "--output=" + embedded.resolve("counts")))
        .isEqualTo(PipelineResult.State.DONE);
    Path cluster = dir.resolve("cluster");
    assertThat(
            run(
                "--runner=WeirRunner",
                "--parallelism=2",
                "--coordinator=127.0.0.1:" + port,
                "--secretFile=" + secret,
                "--checkpointingInterval=200",
                "--checkpointDir=" + dir.resolve("checkpoints"),
                "--inputFile=" + input,
                "--output=" + cluster.resolve("counts")))
        .isEqualTo(PipelineResult.State.DONE);

    Map<String, Long> expected = counts(embedded);
    assertThat(expected).containsKey("the");
    assertThat(counts(cluster)).isEqualTo(expected);
    // The job's settings reached the cluster: at least its final checkpoint was written there.
    try (Stream<Path> files = Files.walk(dir.resolve("checkpoints"))) {
      assertThat(files.filter(p -> p.getFileName().toString().equals("_metadata"))).isNotEmpty();
    }
  }
}
