package dev.weir.engine.exchange;

/**
 * The earliest moment (System.nanoTime) at which some writer of a task must flush a partially
 * filled buffer. Shared by a task's writers, read by its loop; single-threaded.
 */
public final class FlushDeadline {

  public static final long NONE = Long.MAX_VALUE;

  private long deadline = NONE;

  public long get() {
    return deadline;
  }

  void requestBy(long nanoTime) {
    if (nanoTime < deadline) {
      deadline = nanoTime;
    }
  }

  public void reset() {
    deadline = NONE;
  }
}
