package dev.weir.cluster.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cluster.transport.ClusterSecret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator and workers as separate JVMs on loopback: they join, notice each other's loss, and
 * refuse what they must. Every process is killed (by its pid) when the test ends.
 */
@Timeout(120)
class ClusterProcessesTest {

  @TempDir Path dir;

  private final List<Started> started = new ArrayList<>();

  /** A child JVM and the lines it printed (stdout and stderr). */
  private static final class Started {
    final Process process;
    final ProcessOutput output;

    Started(Process process) {
      this.process = process;
      this.output = new ProcessOutput(process, line -> {});
    }

    /** The first match of {@code pattern} in a line printed within {@code seconds}. */
    Matcher await(String pattern, int seconds) throws Exception {
      return output.await(pattern, Duration.ofSeconds(seconds));
    }
  }

  private Started start(Class<?> main, String... args) throws IOException {
    Started s = new Started(JavaProcess.start(List.of("-Xmx128m"), main, args));
    started.add(s);
    return s;
  }

  @AfterEach
  void killAll() throws InterruptedException {
    for (Started s : started) {
      s.process.destroyForcibly();
      s.process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Path secret(String name) {
    Path file = dir.resolve(name);
    ClusterSecret.createFile(file);
    return file;
  }

  private int coordinatorPort(Started coordinator) throws Exception {
    return Integer.parseInt(
        coordinator.await("coordinator listening on 127\\.0\\.0\\.1:(\\d+)", 30).group(1));
  }

  @Test
  void workersInTheirOwnProcessesJoinAndEachSideNoticesTheOthersDeath() throws Exception {
    Path secret = secret("secret");
    Started coordinator =
        start(
            CoordinatorCommand.class,
            "--port=0",
            "--secret-file=" + secret,
            "--heartbeat-interval-ms=100",
            "--heartbeat-timeout-ms=1000");
    int port = coordinatorPort(coordinator);
    String[] workerArgs = {
      "--coordinator=127.0.0.1:" + port,
      "--slots=2",
      "--secret-file=" + secret,
      "--connect-timeout-ms=1500"
    };
    Started first = start(WorkerCommand.class, workerArgs);
    Started second = start(WorkerCommand.class, workerArgs);
    String firstId = first.await("worker (worker-\\d+) registered .*\\(2 slots\\)", 30).group(1);
    String secondId = second.await("worker (worker-\\d+) registered", 30).group(1);
    assertThat(firstId).isNotEqualTo(secondId);

    first.process.destroyForcibly(); // SIGKILL: no goodbye, the kernel closes its socket
    coordinator.await("worker " + firstId + " lost: its control connection closed", 10);

    coordinator.process.destroyForcibly();
    second.await(
        "worker " + secondId + " fenced: the control connection to the coordinator closed", 10);
    second.await("cannot reach the coordinator at 127\\.0\\.0\\.1:" + port + " within 1500 ms", 20);
    assertThat(second.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process.exitValue()).isEqualTo(1);
  }

  @Test
  void aWorkerWithAnotherSecretIsRefusedAndExitsAtOnce() throws Exception {
    Started coordinator =
        start(CoordinatorCommand.class, "--port=0", "--secret-file=" + secret("a"));
    int port = coordinatorPort(coordinator);
    Started worker =
        start(
            WorkerCommand.class,
            "--coordinator=127.0.0.1:" + port,
            "--secret-file=" + secret("b"),
            "--connect-timeout-ms=60000");
    worker.await("refused the connection: the secrets differ", 30);
    assertThat(worker.process.waitFor(20, TimeUnit.SECONDS))
        .as("a refusal is not retried for the whole connect timeout")
        .isTrue();
    assertThat(worker.process.exitValue()).isEqualTo(1);
    coordinator.await("refused a connection from .*secret", 10);
  }

  @Test
  void weirClusterStartsACoordinatorAndWorkersAndStopsThemAllWhenStopped() throws Exception {
    Path secret = dir.resolve("made-for-the-cluster");
    Started cluster =
        start(
            LocalClusterCommand.class,
            "--workers=2",
            "--slots=1",
            "--port=0",
            "--secret-file=" + secret);
    cluster.await("created a secret for this cluster in " + Pattern.quote(secret.toString()), 30);
    cluster.await("\\[worker 1\\] worker worker-\\d+ registered", 30);
    cluster.await("\\[worker 2\\] worker worker-\\d+ registered", 30);
    cluster.await("cluster: coordinator at 127\\.0\\.0\\.1:\\d+, 2 workers of 1 slots", 30);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
        .isEqualTo("rw-------");
    List<ProcessHandle> children = cluster.process.children().toList();
    assertThat(children).hasSize(3);

    cluster.process.destroy(); // SIGTERM: it stops what it started before it ends
    assertThat(cluster.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    for (ProcessHandle child : children) {
      assertThat(child.onExit().get(15, TimeUnit.SECONDS).isAlive()).isFalse();
    }
  }

  @Test
  void badOptionsEndTheProcessWithTheFix() throws Exception {
    Started noPort = start(WorkerCommand.class, "--coordinator=localhost");
    noPort.await("--coordinator must be host:port, got 'localhost'", 30);
    Started open = start(CoordinatorCommand.class, "--port=0", "--bind=0.0.0.0");
    open.await("refusing to listen on 0\\.0\\.0\\.0 without a secret", 30);
    assertThat(noPort.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(open.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(noPort.process.exitValue()).isEqualTo(1);
    assertThat(open.process.exitValue()).isEqualTo(1);
  }
}
