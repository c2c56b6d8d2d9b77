package dev.weir.cluster.process;

import dev.weir.cluster.membership.WorkerMembership;
import dev.weir.cluster.protocol.v1.RegisterWorker;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.HandshakeException;
import dev.weir.cluster.transport.PeerRole;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private static final long RETRY_MILLIS = 500;

  private final CountDownLatch closed = new CountDownLatch(1);

  public static void main(String[] args) {
    ProcessCommands.main(new WorkerCommand(), args);
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    int colon = coordinator.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(coordinator.substring(colon + 1));
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      port = -1;
    }
    if (colon < 1 || port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "--coordinator must be host:port, got '" + coordinator + "'");
    }
    if (slots < 1) {
      throw new IllegalArgumentException("--slots must be at least 1, got " + slots);
    }
    String host = coordinator.substring(0, colon);
    ClusterSecret secret =
        secretFile == null ? ClusterSecret.none() : ClusterSecret.fromFile(secretFile);
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    ProcessCommands.stopOnShutdown(() -> events.add(""), closed, "weir-worker-shutdown");
    try (ClusterTransport transport =
        new ClusterTransport(PeerRole.WORKER, secret, Duration.ofSeconds(10), 1)) {
      while (true) {
        WorkerMembership membership = joinWithin(transport, host, port, events);
        out.printf(
            "worker %s registered with the coordinator at %s:%d (%d slots)%n",
            membership.workerId(), host, port, slots);
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
      ClusterTransport transport, String host, int port, BlockingQueue<String> events)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
    while (true) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        return WorkerMembership.join(
            transport,
            host,
            port,
            Duration.ofMillis(Math.max(1_000, Math.min(left, 10_000))),
            RegisterWorker.newBuilder().setSlots(slots).build(),
            List::of,
            events::add);
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
