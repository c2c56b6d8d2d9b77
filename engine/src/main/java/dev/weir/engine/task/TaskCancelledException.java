package dev.weir.engine.task;

/** Ends a task's loop after cancellation; not a failure. */
final class TaskCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TaskCancelledException() {
    super("task cancelled", null, false, false);
  }
}
