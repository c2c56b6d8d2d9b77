package dev.weir.cluster.process;

import dev.weir.cluster.membership.WorkerMembership;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTls;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.HandshakeException;
import dev.weir.cluster.transport.HostPort;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.cluster.worker.ClusterWorker;
import dev.weir.engine.cluster.EngineConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir worker}: offers this machine's slots to a coordinator. It keeps its registration
 * alive with heartbeats; when it loses the coordinator it fences itself (its tasks stop) and joins
 * again, as a new worker, while the coordinator can be reached within the connect timeout; past it,
 * it exits naming the coordinator's address. A refusal (wrong secret, version) ends it at once.
 * Runs until stopped (SIGTERM or SIGINT).
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Runs a Weir worker that offers its slots to a coordinator.")
public final class WorkerCommand implements Callable<Integer> {

  @Option(
      names = "--coordinator",
      required = true,
      description = "host:port of the coordinator's control port.")
  String coordinator;

  @Option(names = "--slots", description = "Task slots offered. Default: the number of cores.")
  int slots = Runtime.getRuntime().availableProcessors();

  @Mixin TlsOptions tlsOptions = new TlsOptions();

  @Option(
      names = "--secret-file",
      description = "The cluster's shared secret, in a file only its owner can read (chmod 600).")
  Path secretFile;

  @Option(
      names = "--connect-timeout-ms",
      description =
          "How long to keep trying to reach the coordinator, at start and after losing it."
              + " Default: ${DEFAULT-VALUE}.")
  long connectTimeoutMillis = 60_000;

  @Option(
      names = "--data-port",
      description =
          "Port other workers read this worker's results from (0: any free one). Default:"
              + " ${DEFAULT-VALUE}.")
  int dataPort = 0;

  @Option(
      names = "--data-bind",
      description =
          "Address the data port listens on. Default: ${DEFAULT-VALUE}; another needs"
              + " --secret-file.")
  String dataBind = "127.0.0.1";

  @Option(
      names = "--host",
      description =
          "The name or address other workers reach this one by. Default: ${DEFAULT-VALUE}.")
  String host = "127.0.0.1";

  @Option(
      names = "--work-dir",
      description =
          "Where the worker keeps the jobs' jars. Default: a new folder under java.io.tmpdir.")
  Path workDir;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private static final long RETRY_MILLIS = 500;

  private final CountDownLatch closed = new CountDownLatch(1);

  public static void main(String[] args) {
    ProcessCommands.main(new WorkerCommand(), args);
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    HostPort target = HostPort.parse(coordinator, "--coordinator");
    if (slots < 1) {
      throw new IllegalArgumentException("--slots must be at least 1, got " + slots);
    }
    String coordinatorHost = target.host();
    int port = target.port();
    ClusterSecret secret =
        secretFile == null ? ClusterSecret.none() : ClusterSecret.fromFile(secretFile);
    ClusterTls tls = tlsOptions.tls();
    Path work = workDir != null ? workDir : ProcessCommands.newWorkDirectory("weir-worker");
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    ProcessCommands.stopOnShutdown(() -> events.add(""), closed, "weir-worker-shutdown");
    try (ClusterTransport transport =
            new ClusterTransport(
                PeerRole.WORKER,
                secret,
                tls,
                Duration.ofSeconds(10),
                Math.max(2, Runtime.getRuntime().availableProcessors()));
        ClusterWorker worker =
            new ClusterWorker(
                transport, slots, dataBind, dataPort, host, work, EngineConfig.DEFAULT)) {
      out.printf("worker data port listening on %s%n", worker.dataPlane().address());
      while (true) {
        WorkerMembership membership = joinWithin(worker, coordinatorHost, port, events);
        out.printf(
            "worker %s registered with the coordinator at %s:%d (%d slots)%n",
            membership.workerId(), coordinatorHost, port, slots);
        out.flush();
        String event = events.take();
        if (event.isEmpty()) {
          membership.close();
          return 0; // stopped
        }
        out.printf("worker %s fenced: %s; joining again%n", membership.workerId(), event);
      }
    } finally {
      closed.countDown();
    }
  }

  /** Joins, trying again every half second until the connect timeout. */
  private WorkerMembership joinWithin(
      ClusterWorker worker, String host, int port, BlockingQueue<String> events)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        return worker.join(
            host, port, Duration.ofMillis(Math.max(1_000, Math.min(left, 10_000))), events::add);
      } catch (HandshakeException e) {
        if (e.refused() || System.nanoTime() > deadline) {
          throw new HandshakeException(
              e.refused()
                  ? e.getMessage()
                  : "cannot reach the coordinator at "
                      + host
                      + ":"
                      + port
                      + " within "
                      + connectTimeoutMillis
                      + " ms ("
                      + e.getMessage()
                      + ")",
              e.refused());
        }
        Thread.sleep(RETRY_MILLIS);
      }
    }
  }
}
