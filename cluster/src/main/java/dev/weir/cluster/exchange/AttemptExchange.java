package dev.weir.cluster.exchange;

import dev.weir.cluster.transport.WorkerAddress;
import dev.weir.engine.cluster.RemoteExchange;
import dev.weir.engine.exchange.InputChannel;
import dev.weir.engine.exchange.ResultPartition;
import dev.weir.engine.graph.JobVertex;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The exchange of one attempt of a job with its tasks on other workers, over this worker's {@link
 * DataPlane}: partitions are registered under the attempt, so a consumer of another attempt finds
 * none of them. Channels are requested in a second step ({@link #requestChannels}), once every
 * worker registered its partitions. {@link #release} unregisters them when the attempt's tasks here
 * end.
 */
public final class AttemptExchange implements RemoteExchange {

  private final DataPlane plane;
  private final String job;
  private final long attempt;
  private final BiFunction<JobVertex, Integer, WorkerAddress> workerOf;
  private final List<PartitionId> registered = new ArrayList<>();
  private final List<DataPlane.PendingChannel> pending = new ArrayList<>();

  /**
   * @param workerOf where the task of a chain head and subtask runs (its worker's data address)
   */
  public AttemptExchange(
      DataPlane plane,
      String job,
      long attempt,
      BiFunction<JobVertex, Integer, WorkerAddress> workerOf) {
    this.plane = plane;
    this.job = job;
    this.attempt = attempt;
    this.workerOf = workerOf;
  }

  @Override
  public synchronized void registerPartition(String name, ResultPartition partition) {
    PartitionId id = new PartitionId(job, attempt, name);
    plane.registry().register(id, partition);
    registered.add(id);
  }

  /** A channel requested only by {@link #requestChannels}, once every worker prepared. */
  @Override
  public synchronized InputChannel openChannel(
      JobVertex producerHead,
      int producerSubtask,
      String name,
      int subpartition,
      int credits,
      int bufferSize) {
    WorkerAddress producer = workerOf.apply(producerHead, producerSubtask);
    DataPlane.PendingChannel channel =
        plane.prepareChannel(
            producer.host(),
            producer.port(),
            new PartitionId(job, attempt, name),
            subpartition,
            credits,
            bufferSize);
    pending.add(channel);
    return channel.channel();
  }

  /**
   * Requests every channel opened so far from its producer's worker: call once every worker of the
   * attempt registered its partitions (connecting may block).
   */
  public void requestChannels() throws InterruptedException {
    List<DataPlane.PendingChannel> toRequest;
    synchronized (this) {
      toRequest = new ArrayList<>(pending);
      pending.clear();
    }
    for (DataPlane.PendingChannel c : toRequest) {
      c.request();
    }
  }

  /** Unregisters this attempt's partitions: nobody can request them any more. */
  public synchronized void release() {
    for (PartitionId id : registered) {
      plane.registry().unregister(id);
    }
    registered.clear();
  }
}
