package dev.weir.engine.time;

import dev.weir.engine.operator.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The timers of one time domain: a set (equal timers are registered once) ordered by timestamp,
 * then by registration. Registration, deletion and taking the earliest are O(log n); a deleted
 * timer leaves nothing behind.
 */
final class TimerQueue {

  private record Slot(long timestamp, long sequence) implements Comparable<Slot> {
    @Override
    public int compareTo(Slot o) {
      int c = Long.compare(timestamp, o.timestamp);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }

  private final Map<Timer, Slot> slots = new HashMap<>();
  private final TreeMap<Slot, Timer> ordered = new TreeMap<>();
  private long sequence;

  /** Adds the timer; false if an equal one is already registered. */
  boolean add(Timer timer) {
    if (slots.containsKey(timer)) {
      return false;
    }
    Slot slot = new Slot(timer.timestamp(), sequence++);
    slots.put(timer, slot);
    ordered.put(slot, timer);
    return true;
  }

  void remove(Timer timer) {
    Slot slot = slots.remove(timer);
    if (slot != null) {
      ordered.remove(slot);
    }
  }

  /**
   * The earliest timer if its timestamp is at most {@code time}, removed; otherwise {@code null}.
   */
  Timer pollUpTo(long time) {
    Map.Entry<Slot, Timer> first = ordered.firstEntry();
    if (first == null || first.getKey().timestamp > time) {
      return null;
    }
    ordered.pollFirstEntry();
    slots.remove(first.getValue());
    return first.getValue();
  }

  /** The earliest timestamp, or {@link Long#MAX_VALUE}. */
  long earliest() {
    return ordered.isEmpty() ? Long.MAX_VALUE : ordered.firstKey().timestamp;
  }

  /** The timers in firing order (a copy). */
  List<Timer> toList() {
    return new ArrayList<>(ordered.values());
  }

  int size() {
    return slots.size();
  }
}
