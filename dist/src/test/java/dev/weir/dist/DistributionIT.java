package dev.weir.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.process.ProcessOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built distribution: bin/weir runs the cluster's processes with java (no Maven), they log to
 * the console and to log/, and the archive holds the same tree. Every process started is killed by
 * its pid at the end.
 */
@Timeout(120)
class DistributionIT {

  private static final Path HOME = Path.of(System.getProperty("weir.dist"));
  private static final Path ARCHIVE = Path.of(System.getProperty("weir.archive"));

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  /** Lines a process printed, read as they come. */
  private static final class Output {
    private final ProcessOutput lines;

    Output(Process p) {
      this.lines = new ProcessOutput(p, line -> {});
    }

    Matcher await(String pattern) throws Exception {
      return lines.await(pattern, Duration.ofSeconds(30));
    }
  }

  private Process weir(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(HOME.resolve("bin/weir").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    started.add(p);
    return p;
  }

  @AfterEach
  void killAll() throws InterruptedException {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void binWeirRunsACoordinatorAndAWorkerThatLogToTheConsoleAndToLog() throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "a secret shared by this test's cluster\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

    Process coordinator = weir("coordinator", "--port=0", "--secret-file=" + secret);
    Output coordinatorOut = new Output(coordinator);
    int port =
        Integer.parseInt(
            coordinatorOut.await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
    Path log = Path.of(coordinatorOut.await("logging to (\\S+)").group(1));
    assertThat(log.getParent()).isEqualTo(HOME.resolve("log"));

    Process worker =
        weir("worker", "--coordinator=127.0.0.1:" + port, "--slots=2", "--secret-file=" + secret);
    Output workerOut = new Output(worker);
    String id = workerOut.await("worker (worker-\\d+) registered").group(1);

    worker.destroy(); // SIGTERM: the worker leaves; the coordinator sees its connection close
    coordinatorOut.await("worker " + id + " lost: its control connection closed");
    assertThat(worker.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(log))
        .contains("coordinator listening on 127.0.0.1:" + port)
        .contains("worker " + id + " lost");
  }

  @Test
  void anUnknownCommandOrABadOptionEndsWithAMessage() throws Exception {
    Process unknown = weir("coordinatr");
    Output out = new Output(unknown);
    out.await("unknown command 'coordinatr'");
    assertThat(unknown.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(unknown.exitValue()).isEqualTo(2);

    Process help = weir("--help");
    new Output(help).await("coordinator .*workers register");
    assertThat(help.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();

    Process noCoordinator = weir("worker", "--coordinator=127.0.0.1:1", "--connect-timeout-ms=500");
    new Output(noCoordinator)
        .await("cannot reach the coordinator at 127\\.0\\.0\\.1:1 within 500 ms");
    assertThat(noCoordinator.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(noCoordinator.exitValue()).isEqualTo(1);
  }

  @Test
  void theArchiveHoldsTheSameTree() throws Exception {
    Path unpacked = dir.resolve("unpacked");
    Files.createDirectories(unpacked);
    Process tar =
        new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", unpacked.toString())
            .inheritIO()
            .start();
    started.add(tar);
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).isZero();
    Path root = unpacked.resolve(HOME.getFileName());
    assertThat(Files.isExecutable(root.resolve("bin/weir"))).isTrue();
    assertThat(Files.getPosixFilePermissions(root.resolve("bin/weir")))
        .containsAll(EnumSet.of(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
    try (Stream<Path> libs = Files.list(root.resolve("lib"));
        Stream<Path> built = Files.list(HOME.resolve("lib"))) {
      List<String> archived = libs.map(p -> p.getFileName().toString()).sorted().toList();
      assertThat(archived)
          .isEqualTo(built.map(p -> p.getFileName().toString()).sorted().toList())
          .anyMatch(name -> name.startsWith("weir-cluster-"))
          .anyMatch(name -> name.startsWith("weir-runner-"))
          .anyMatch(name -> name.startsWith("netty-handler-"));
    }
    assertThat(root.resolve("conf/simplelogger.properties")).exists();
  }
}
