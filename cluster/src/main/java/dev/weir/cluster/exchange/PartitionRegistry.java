package dev.weir.cluster.exchange;

import dev.weir.engine.exchange.ResultPartition;
import dev.weir.engine.exchange.Subpartition;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The result partitions of the tasks this worker runs that consumers elsewhere may request. A
 * deployment registers a task's partitions before any task of its attempt starts (so a request
 * never comes too early) and unregisters them when the task ends. Any thread.
 */
public final class PartitionRegistry {

  private final ConcurrentMap<PartitionId, ResultPartition> partitions = new ConcurrentHashMap<>();

  /** Subpartitions a consumer asked for: each is read by one consumer only. */
  private final Set<Claim> claimed = ConcurrentHashMap.newKeySet();

  private record Claim(PartitionId id, int subpartition) {}

  /**
   * @throws IllegalStateException if {@code id} is registered already
   */
  public void register(PartitionId id, ResultPartition partition) {
    if (partitions.putIfAbsent(id, partition) != null) {
      throw new IllegalStateException("partition " + id + " is registered already");
    }
  }

  public void unregister(PartitionId id) {
    partitions.remove(id);
    claimed.removeIf(c -> c.id().equals(id));
  }

  /** Unregisters every partition of {@code job}'s attempts up to {@code attempt}. */
  public void unregisterJob(String job, long attempt) {
    partitions.keySet().removeIf(id -> id.job().equals(job) && id.attempt() <= attempt);
    claimed.removeIf(c -> c.id().job().equals(job) && c.id().attempt() <= attempt);
  }

  /**
   * The subpartition a consumer asks for, now its own.
   *
   * @throws IllegalArgumentException naming what is wrong: no such partition here (never
   *     registered, or its attempt ended), no such subpartition, or asked for before
   */
  Subpartition claim(PartitionId id, int subpartition) {
    ResultPartition partition = partitions.get(id);
    if (partition == null) {
      throw new IllegalArgumentException("partition " + id + " is not registered on this worker");
    }
    if (subpartition < 0 || subpartition >= partition.channelCount()) {
      throw new IllegalArgumentException(
          "partition " + id + " has no subpartition " + subpartition);
    }
    if (!claimed.add(new Claim(id, subpartition))) {
      throw new IllegalArgumentException(
          "subpartition " + subpartition + " of " + id + " was requested before");
    }
    return partition.subpartition(subpartition);
  }

  /** Whether a consumer on another worker asked for that subpartition. */
  boolean isClaimed(PartitionId id, int subpartition) {
    return claimed.contains(new Claim(id, subpartition));
  }

  public int size() {
    return partitions.size();
  }
}
