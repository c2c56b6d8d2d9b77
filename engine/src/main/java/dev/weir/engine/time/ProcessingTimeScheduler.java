package dev.weir.engine.time;

/**
 * The task's clock and its agenda of processing-time actions, run in the task's thread when their
 * time comes. Tests substitute a manual clock.
 */
public interface ProcessingTimeScheduler {

  /** Milliseconds since the epoch. */
  long currentTimeMillis();

  /**
   * Runs {@code action} in the task's thread once {@link #currentTimeMillis()} reaches {@code
   * timeMillis}.
   */
  void scheduleAt(long timeMillis, Action action);

  /** An action that may fail; a failure fails the task. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }
}
