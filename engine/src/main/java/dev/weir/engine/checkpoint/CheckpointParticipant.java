package dev.weir.engine.checkpoint;

import dev.weir.engine.exchange.ExchangeEvent.CheckpointBarrier;

/**
 * A task as the checkpoint coordinator sees it. Every method only enqueues work for the task's
 * thread and returns at once.
 */
public interface CheckpointParticipant {

  String name();

  /**
   * Checkpoint {@code barrier} starts: a source snapshots and emits the barrier; a task whose input
   * has ended snapshots; any other task waits for the barrier on its inputs.
   */
  void triggerCheckpoint(CheckpointBarrier barrier);

  /**
   * Every task acknowledged the checkpoint and its metadata is on disk: commit what waited for it.
   */
  void notifyCheckpointComplete(long checkpointId);

  /** The checkpoint was given up (a task declined it or it timed out). */
  void abortCheckpoint(long checkpointId, String reason);
}
