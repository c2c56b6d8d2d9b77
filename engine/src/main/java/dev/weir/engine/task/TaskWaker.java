package dev.weir.engine.task;

import java.util.concurrent.locks.LockSupport;

/**
 * How a task's thread sleeps when it has nothing to do, and how other threads (a producer that
 * queued a buffer, a consumer that recycled one, someone who posted a mail or cancelled) wake it.
 * No lock: a signal sets a flag before it looks for the sleeper, the sleeper publishes itself
 * before it looks at the flag, so no wake-up is lost.
 */
public final class TaskWaker {

  private volatile Thread sleeper;
  private volatile boolean signalled;

  public void signal() {
    signalled = true;
    Thread t = sleeper;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Whether a signal arrived since the last {@link #clear}: work is waiting for the task. */
  public boolean isSignalled() {
    return signalled;
  }

  /**
   * Forget earlier signals; call before checking for work, then {@link #await} if there is none.
   */
  public void clear() {
    signalled = false;
  }

  /** Sleeps until signalled (since the last {@link #clear}) or until {@code nanos} passed. */
  public void await(long nanos) {
    if (nanos <= 0) {
      return;
    }
    sleeper = Thread.currentThread();
    try {
      if (!signalled) {
        LockSupport.parkNanos(this, nanos);
      }
    } finally {
      sleeper = null;
    }
  }
}
