package dev.weir.cluster.testing;

import dev.weir.cluster.coordinator.ClusterCoordinator;
import dev.weir.cluster.membership.HeartbeatSettings;
import dev.weir.cluster.transport.ClusterSecret;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.transport.PeerRole;
import dev.weir.cluster.worker.ClusterWorker;
import dev.weir.engine.cluster.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A coordinator and workers in this JVM, each with its own transport and data plane, talking over
 * loopback TCP as separate processes would: for tests of cluster mode that look inside the workers
 * (their tasks, buffer pools). Heartbeats every 200 ms, lost after 5 s. {@link #close} stops
 * everything, workers first. Not thread-safe.
 */
public final class InProcessCluster implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final ClusterSecret secret;
  private final Path workDirectory;
  private final ClusterCoordinator coordinator;
  private final List<ClusterWorker> workers = new ArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /**
   * Starts the coordinator and one worker per entry of {@code slots} (with that many slots), and
   * waits until they all registered.
   */
  public InProcessCluster(ClusterSecret secret, Path workDirectory, int... slots)
      throws InterruptedException {
    this.secret = secret;
    this.workDirectory = workDirectory;
    try {
      coordinator =
          closing(
              new ClusterCoordinator(
                  closing(new ClusterTransport(PeerRole.COORDINATOR, secret, TIMEOUT, 2)),
                  "127.0.0.1",
                  0,
                  new HeartbeatSettings(Duration.ofMillis(200), Duration.ofSeconds(5)),
                  workDirectory.resolve("coordinator"),
                  (w, why) -> {}));
      int total = 0;
      for (int i = 0; i < slots.length; i++) {
        addWorker("worker-" + (i + 1), slots[i]);
        total += slots[i];
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (coordinator.membership().registry().totalSlots() < total) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the workers did not register within " + TIMEOUT);
        }
        Thread.sleep(10);
      }
    } catch (InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  /** Starts one more worker and joins it to the coordinator. */
  public ClusterWorker addWorker(String name, int slots) throws InterruptedException {
    ClusterWorker worker =
        closing(
            new ClusterWorker(
                closing(new ClusterTransport(PeerRole.WORKER, secret, TIMEOUT, 1)),
                slots,
                "127.0.0.1",
                0,
                "127.0.0.1",
                workDirectory.resolve(name),
                EngineConfig.DEFAULT));
    closing(worker.join("127.0.0.1", coordinator.address().getPort(), TIMEOUT, why -> {}));
    workers.add(worker);
    return worker;
  }

  public ClusterCoordinator coordinator() {
    return coordinator;
  }

  /** The coordinator's {@code 127.0.0.1:port}. */
  public String coordinatorAddress() {
    return "127.0.0.1:" + coordinator.address().getPort();
  }

  /** The workers, in the order they started. */
  public List<ClusterWorker> workers() {
    return List.copyOf(workers);
  }

  @Override
  public void close() {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
    toClose.clear();
  }
}
