package dev.weir.engine.cluster;

import dev.weir.engine.task.Task;
import java.util.List;

/**
 * Whether a deployment's tasks, but one, have nothing to do: what a replaying source asks between
 * its events ({@link dev.weir.engine.source.SourceContext#isJobQuiescent}), so each event's effects
 * are complete before the next one starts.
 */
final class Quiescence {

  private Quiescence() {}

  /**
   * Exact, not a guess: every task of {@code all} but {@code self} is idle at two looks, and none
   * woke in between. A record in flight wakes its reader before the writer can go idle, so at the
   * moment between the two looks nothing was being processed and nothing was on its way. Any
   * thread.
   */
  static boolean othersQuiescent(List<Task> all, Task self) {
    long[] wakeups = new long[all.size()];
    for (int i = 0; i < all.size(); i++) {
      Task t = all.get(i);
      wakeups[i] = t.idleWakeups();
      if (t != self && !t.isIdle()) {
        return false;
      }
    }
    for (int i = 0; i < all.size(); i++) {
      Task t = all.get(i);
      if (t != self && (!t.isIdle() || t.idleWakeups() != wakeups[i])) {
        return false;
      }
    }
    return true;
  }
}
