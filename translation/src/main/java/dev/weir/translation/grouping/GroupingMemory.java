package dev.weir.translation.grouping;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap that grouping buffers of bounded inputs may fill, for all of them in this JVM together:
 * a fraction of the maximum heap. A buffer that finds the budget used up writes what it holds to
 * disk ({@link SortedRun}) instead of growing. Any thread.
 */
final class GroupingMemory {

  /** A quarter of the heap: the rest is for the records in flight, other state and the JVM. */
  private static final double HEAP_FRACTION = 0.25;

  private static final AtomicLong HELD = new AtomicLong();

  /** Runtime.maxMemory() is not a field read: it took a tenth of a grouping's time per element. */
  private static final long BUDGET = (long) (Runtime.getRuntime().maxMemory() * HEAP_FRACTION);

  private GroupingMemory() {}

  static long budget() {
    return BUDGET;
  }

  static void reserve(long bytes) {
    HELD.addAndGet(bytes);
  }

  static void release(long bytes) {
    HELD.addAndGet(-bytes);
  }

  /** Whether the buffers together hold more than the budget. */
  static boolean exhausted() {
    return HELD.get() > BUDGET;
  }
}
