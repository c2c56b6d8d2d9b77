package dev.weir.cluster.exchange;

import dev.weir.cluster.transport.WorkerAddress;
import dev.weir.engine.cluster.RemoteExchange;
import dev.weir.engine.exchange.InputChannel;
import dev.weir.engine.exchange.RemoteInputChannel;
import dev.weir.engine.exchange.ResultPartition;
import dev.weir.engine.graph.JobVertex;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private final Map<PartitionId, ResultPartition> registered = new LinkedHashMap<>();
  private final List<DataPlane.PendingChannel> pending = new ArrayList<>();
  private final List<RemoteInputChannel> channels = new ArrayList<>();

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
    registered.put(id, partition);
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
    channels.add(channel.channel());
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

  /**
   * What this attempt's exchange with other workers holds right now: whether every subpartition of
   * its registered partitions is drained, how many buffers and events consumers on other workers
   * took from them, and how many its remote channels received. Any thread.
   */
  public synchronized Look look() {
    boolean drained = true;
    long sent = 0;
    for (Map.Entry<PartitionId, ResultPartition> e : registered.entrySet()) {
      ResultPartition partition = e.getValue();
      for (int i = 0; i < partition.channelCount(); i++) {
        long taken = partition.subpartition(i).takenIfDrained();
        if (taken < 0) {
          drained = false;
        } else if (plane.registry().isClaimed(e.getKey(), i)) {
          sent += taken;
        }
      }
    }
    long received = 0;
    for (RemoteInputChannel c : channels) {
      received += c.received();
    }
    return new Look(drained, sent, received);
  }

  /** See {@link #look()}. */
  public record Look(boolean drained, long sent, long received) {}

  /** Unregisters this attempt's partitions: nobody can request them any more. */
  public synchronized void release() {
    for (PartitionId id : registered.keySet()) {
      plane.registry().unregister(id);
    }
    registered.clear();
  }
}
