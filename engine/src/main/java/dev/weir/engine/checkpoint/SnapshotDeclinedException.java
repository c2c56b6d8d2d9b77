package dev.weir.engine.checkpoint;

/**
 * Thrown by an operator's snapshot hook when it cannot be snapshotted (it holds what its state
 * cannot carry, such as a batch grouping spilled to local disk): the task declines that checkpoint
 * or savepoint with this message, and the job goes on.
 */
public final class SnapshotDeclinedException extends Exception {

  private static final long serialVersionUID = 1L;

  public SnapshotDeclinedException(String message) {
    super(message);
  }
}
