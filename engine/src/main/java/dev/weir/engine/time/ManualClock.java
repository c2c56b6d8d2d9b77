package dev.weir.engine.time;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A job-wide processing time that moves only when told to (a replaying test source drives it).
 * Tasks read it instead of the wall clock and are woken when it moves, to fire what became due.
 */
public final class ManualClock {

  private volatile long now;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  public ManualClock(long startMillis) {
    this.now = startMillis;
  }

  public long currentTimeMillis() {
    return now;
  }

  /** Called (from any thread) whenever the clock moves. */
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  /** Moves the clock forward; it never goes back. */
  public void advanceTo(long millis) {
    if (millis > now) {
      now = millis;
      for (Runnable l : listeners) {
        l.run();
      }
    }
  }
}
