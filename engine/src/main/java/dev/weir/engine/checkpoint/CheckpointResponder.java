package dev.weir.engine.checkpoint;

/**
 * How tasks report their part of a checkpoint back to the coordinator; callable from any thread.
 */
public interface CheckpointResponder {

  /** {@code task}'s state for checkpoint {@code checkpointId} is stored at {@code handle}. */
  void acknowledge(
      long checkpointId,
      CheckpointParticipant task,
      TaskStateHandle handle,
      long syncNanos,
      long asyncNanos);

  /**
   * {@code task} could not take its part of the checkpoint; the checkpoint fails, the job goes on.
   */
  void decline(long checkpointId, CheckpointParticipant task, Throwable cause);
}
