package dev.weir.engine.time;

import java.util.PriorityQueue;

/**
 * A {@link ProcessingTimeScheduler} whose due actions the owner runs with {@link #runDue}: the task
 * loop on the wall clock, or a test harness on a manual clock. Single-threaded.
 */
public final class ScheduledActions implements ProcessingTimeScheduler {

  private record Entry(long time, long sequence, Action action) {}

  private final PriorityQueue<Entry> agenda =
      new PriorityQueue<>(
          (a, b) ->
              a.time != b.time
                  ? Long.compare(a.time, b.time)
                  : Long.compare(a.sequence, b.sequence));
  private final boolean manual;
  private final ManualClock jobClock;
  private long manualTime;
  private long sequence;

  private ScheduledActions(boolean manual, long start, ManualClock jobClock) {
    this.manual = manual;
    this.manualTime = start;
    this.jobClock = jobClock;
  }

  public static ScheduledActions wallClock() {
    return new ScheduledActions(false, 0, null);
  }

  public static ScheduledActions manualClock(long startMillis) {
    return new ScheduledActions(true, startMillis, null);
  }

  /** Follows a job-wide manual clock. */
  public static ScheduledActions jobClock(ManualClock clock) {
    return new ScheduledActions(false, 0, clock);
  }

  /**
   * Whether the clock is the wall clock: otherwise only a test harness or a source moves it, and
   * waiting for it once the input ended would never end.
   */
  public boolean followsWallClock() {
    return !manual && jobClock == null;
  }

  @Override
  public long currentTimeMillis() {
    if (jobClock != null) {
      return jobClock.currentTimeMillis();
    }
    return manual ? manualTime : System.currentTimeMillis();
  }

  /** Moves a manual clock; due actions run at the next {@link #runDue}. */
  public void setManualTime(long millis) {
    if (!manual) {
      throw new IllegalStateException("this scheduler follows the wall clock");
    }
    manualTime = millis;
  }

  @Override
  public void scheduleAt(long timeMillis, Action action) {
    agenda.add(new Entry(timeMillis, sequence++, action));
  }

  /** The time of the next action, or {@link Long#MAX_VALUE}. */
  public long nextTime() {
    Entry e = agenda.peek();
    return e == null ? Long.MAX_VALUE : e.time;
  }

  /**
   * Runs every action whose time has come, including ones scheduled by them for a time already
   * passed.
   */
  public void runDue() throws Exception {
    if (agenda.isEmpty()) {
      return;
    }
    long now = currentTimeMillis();
    Entry e;
    while ((e = agenda.peek()) != null && e.time <= now) {
      agenda.poll();
      e.action.run();
    }
  }

  public boolean isEmpty() {
    return agenda.isEmpty();
  }

  public void clear() {
    agenda.clear();
  }
}
