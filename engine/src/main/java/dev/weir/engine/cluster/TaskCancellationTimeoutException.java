package dev.weir.engine.cluster;

/**
 * A cancelled task's thread did not stop in time (it ignores interrupts, for instance user code in
 * a loop); the job ended without it. The exception's stack trace is the stuck thread's, taken when
 * the timeout passed.
 */
public final class TaskCancellationTimeoutException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  TaskCancellationTimeoutException(String message, StackTraceElement[] stuckAt) {
    super(message + format(stuckAt));
    setStackTrace(stuckAt);
  }

  /** A thread's stack as lines of {@code \n\tat frame}. */
  static String format(StackTraceElement[] stack) {
    StringBuilder sb = new StringBuilder();
    for (StackTraceElement frame : stack) {
      sb.append("\n\tat ").append(frame);
    }
    return sb.toString();
  }
}
