package dev.weir.engine.task;

/** Told when a task's thread is about to end. */
public interface TaskListener {

  /**
   * The task processed all its input and finished its operators; it waits (without closing them)
   * until {@link #allTasksFinished()} or until it is cancelled. Operators of a job are thus closed
   * together, once the whole job's work is done, as a checkpoint after the end of the input will
   * need too.
   */
  default void taskFinished(Task task) {}

  /**
   * Whether every task of the job but {@code self} is idle (see {@link
   * dev.weir.engine.source.SourceContext#isJobQuiescent}).
   */
  default boolean othersQuiescent(Task self) {
    return true;
  }

  /** Whether every task of the job finished its input. */
  default boolean allTasksFinished() {
    return true;
  }

  /**
   * The task ended: {@code failure} is {@code null} when it finished or was cancelled, otherwise
   * the original exception (unwrapped from engine wrappers).
   */
  void taskEnded(Task task, Throwable failure);
}
