package dev.weir.engine.cluster;

import dev.weir.engine.exchange.InputChannel;
import dev.weir.engine.exchange.ResultPartition;
import dev.weir.engine.graph.JobVertex;

/**
 * The exchange with the tasks of a job that run in other processes: what {@link TaskDeployer} needs
 * of a network transport. Called while deploying, before any task of the attempt starts.
 */
public interface RemoteExchange {

  /**
   * Offers a local producer's partition to consumers elsewhere, under a name every process
   * deploying the graph gives it ({@link TaskDeployer#partitionName}).
   */
  void registerPartition(String name, ResultPartition partition);

  /**
   * A channel reading subpartition {@code subpartition} of partition {@code name}, produced by
   * subtask {@code producerSubtask} of the chain headed by {@code producerHead} in another process.
   * Failures to reach it surface when the channel is read, naming the cause.
   */
  InputChannel openChannel(
      JobVertex producerHead,
      int producerSubtask,
      String name,
      int subpartition,
      int credits,
      int bufferSize)
      throws InterruptedException;
}
