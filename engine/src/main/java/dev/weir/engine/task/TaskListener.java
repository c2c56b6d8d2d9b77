package dev.weir.engine.task;

/** Told when a task's thread is about to end. */
public interface TaskListener {

  /**
   * The task ended: {@code failure} is {@code null} when it finished or was cancelled, otherwise
   * the original exception (unwrapped from engine wrappers).
   */
  void taskEnded(Task task, Throwable failure);
}
