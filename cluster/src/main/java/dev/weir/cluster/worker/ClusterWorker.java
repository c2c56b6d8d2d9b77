package dev.weir.cluster.worker;

import dev.weir.cluster.exchange.DataPlane;
import dev.weir.cluster.exchange.PartitionRegistry;
import dev.weir.cluster.membership.WorkerMembership;
import dev.weir.cluster.protocol.v1.RegisterWorker;
import dev.weir.cluster.transport.ClusterTransport;
import dev.weir.cluster.usercode.JarStore;
import dev.weir.engine.cluster.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A worker's parts that outlive its registrations: the data plane other workers read from, the jars
 * it was sent, and the jobs it runs. {@link #join} registers it with a coordinator (again after it
 * fenced itself); fencing cancels every task here first. Any thread.
 */
public final class ClusterWorker implements AutoCloseable {

  private final ClusterTransport transport;
  private final DataPlane dataPlane;
  private final WorkerJobs jobs;
  private final int slots;

  /**
   * Listens for other workers on {@code dataBind:dataPort} (0: any free port), told to them as
   * {@code advertisedHost}.
   */
  public ClusterWorker(
      ClusterTransport transport,
      int slots,
      String dataBind,
      int dataPort,
      String advertisedHost,
      Path workDirectory,
      EngineConfig config) {
    this.transport = transport;
    this.slots = slots;
    this.dataPlane = new DataPlane(transport, new PartitionRegistry(), Duration.ofSeconds(10));
    dataPlane.listen(dataBind, dataPort, advertisedHost);
    this.jobs = new WorkerJobs(dataPlane, new JarStore(workDirectory.resolve("jars")), config);
  }

  public DataPlane dataPlane() {
    return dataPlane;
  }

  public WorkerJobs jobs() {
    return jobs;
  }

  /**
   * Registers with the coordinator at {@code host:port}.
   *
   * @param onFenced told (on an event loop) after this worker lost the coordinator and cancelled
   *     its tasks
   */
  public WorkerMembership join(String host, int port, Duration timeout, Consumer<String> onFenced)
      throws InterruptedException {
    WorkerMembership m =
        WorkerMembership.join(
            transport,
            host,
            port,
            timeout,
            RegisterWorker.newBuilder()
                .setHost(dataPlane.address().host())
                .setDataPort(dataPlane.address().port())
                .setSlots(slots)
                .build(),
            jobs::running,
            why -> {
              jobs.fence(why);
              onFenced.accept(why);
            },
            jobs.newHandler());
    jobs.joined(m.workerId());
    return m;
  }

  @Override
  public void close() {
    jobs.close();
    dataPlane.close();
  }
}
