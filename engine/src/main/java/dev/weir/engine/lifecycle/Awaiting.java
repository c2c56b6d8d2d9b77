package dev.weir.engine.lifecycle;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounded waits for threads and pools to end that an interrupt does not cut short. Releasing what a
 * job holds must finish even on a thread that was interrupted (a task thread a late cancel reached,
 * say): a wait that returned at once would let a writer still running recreate files the caller is
 * about to delete. The caller's interrupt status is kept and set again on return. Any thread.
 */
public final class Awaiting {

  private Awaiting() {}

  /** Waits up to {@code timeout} for a shut-down {@code pool} to terminate; true if it did. */
  public static boolean termination(ExecutorService pool, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return pool.awaitTermination(
              Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits up to {@code timeout} for {@code thread} to end; true if it did (or is the caller). */
  public static boolean end(Thread thread, Duration timeout) {
    if (thread == Thread.currentThread()) {
      return true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    try {
      while (thread.isAlive()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
