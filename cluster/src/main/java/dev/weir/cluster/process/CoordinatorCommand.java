package dev.weir.cluster.process;

import dev.weir.cluster.coordinator.ClusterCoordinator;
import dev.weir.cluster.membership.HeartbeatSettings;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTls;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerRole;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir coordinator}: the process workers register with and clients submit jobs to. It keeps
 * the cluster's membership (workers, their slots, lost workers), places jobs' tasks on the workers
 * and follows them to their end. Runs until it is stopped (SIGTERM or SIGINT), then cancels its
 * jobs and closes its port and connections.
 */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    description = "Runs a Weir coordinator: workers register with it.")
public final class CoordinatorCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      description = "Control port (0: any free one). Default: ${DEFAULT-VALUE}.")
  int port = 6123;

  @Option(
      names = "--bind",
      description = "Address to listen on. Default: ${DEFAULT-VALUE}; another needs --secret-file.")
  String bind = "127.0.0.1";

  @Mixin TlsOptions tlsOptions = new TlsOptions();

  @Option(
      names = "--secret-file",
      description = "The cluster's shared secret, in a file only its owner can read (chmod 600).")
  Path secretFile;

  @Option(
      names = "--heartbeat-interval-ms",
      description = "How often workers report. Default: ${DEFAULT-VALUE}.")
  long heartbeatIntervalMillis = HeartbeatSettings.DEFAULT.interval().toMillis();

  @Option(
      names = "--heartbeat-timeout-ms",
      description = "Silence after which a worker is lost. Default: ${DEFAULT-VALUE}.")
  long heartbeatTimeoutMillis = HeartbeatSettings.DEFAULT.timeout().toMillis();

  @Option(
      names = "--work-dir",
      description =
          "Where the coordinator keeps the jobs' jars. Default: a new folder under java.io.tmpdir.")
  Path workDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  public static void main(String[] args) {
    ProcessCommands.main(new CoordinatorCommand(), args);
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    HeartbeatSettings heartbeats =
        new HeartbeatSettings(
            Duration.ofMillis(heartbeatIntervalMillis), Duration.ofMillis(heartbeatTimeoutMillis));
    ClusterSecret secret =
        secretFile == null ? ClusterSecret.none() : ClusterSecret.fromFile(secretFile);
    ClusterTls tls = tlsOptions.tls();
    Path work = workDir != null ? workDir : ProcessCommands.newWorkDirectory("weir-coordinator");
    ProcessCommands.stopOnShutdown(stopped::countDown, closed, "weir-coordinator-shutdown");
    try (ClusterTransport transport =
            new ClusterTransport(PeerRole.COORDINATOR, secret, tls, Duration.ofSeconds(10), 2);
        ClusterCoordinator coordinator =
            new ClusterCoordinator(
                transport,
                bind,
                port,
                heartbeats,
                work,
                (worker, why) -> out.println("worker " + worker.id() + " lost: " + why))) {
      out.printf(
          "coordinator listening on %s:%d (%s, %s)%n",
          coordinator.address().getHostString(), coordinator.address().getPort(), secret, tls);
      out.flush();
      stopped.await();
    } finally {
      closed.countDown();
    }
    return 0;
  }
}
