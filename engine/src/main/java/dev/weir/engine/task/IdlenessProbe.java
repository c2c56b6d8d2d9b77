package dev.weir.engine.task;

/**
 * Lets another thread tell that a task stayed idle over an interval: a job driven by a TestStream
 * advances its clock only when every task has nothing left to do. The task's thread records when it
 * goes to sleep with nothing pending and counts its wake-ups; readers compare two looks.
 *
 * <p>Threads: {@link #sleeping} and {@link #woke} are called by the task's thread only; the rest by
 * any thread.
 */
final class IdlenessProbe {

  /** When the task last went to sleep with nothing to do (nanoTime), or 0 while busy. */
  private volatile long idleSince;

  /** Written by the task's thread only. */
  private volatile long wakeups;

  /** The task is about to sleep; {@code nothingPending}: no mail, timer or output is waiting. */
  void sleeping(boolean nothingPending) {
    if (nothingPending) {
      idleSince = System.nanoTime();
    }
  }

  /** The task woke from a sleep. */
  void woke() {
    if (idleSince != 0) {
      idleSince = 0;
      wakeups = wakeups + 1; // single writer
    }
  }

  /** Asleep with nothing pending, and no signal is waiting to wake it. */
  boolean isAsleepIdle(TaskWaker waker) {
    return idleSince != 0 && !waker.isSignalled();
  }

  long wakeups() {
    return wakeups;
  }
}
