package dev.weir.translation.state;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The watermark holds of one operator across all its keys, so the operator can hold its output
 * watermark at the earliest one. Each hold is identified by an id (key, namespace, state) and
 * updated when its state changes; the minimum is a multiset lookup. Single-threaded.
 */
public final class WatermarkHolds {

  private final Map<Object, Long> holds = new HashMap<>();
  private final TreeMap<Long, Integer> counts = new TreeMap<>();

  /** Sets (or with {@code null}, removes) the hold identified by {@code id}. */
  public void set(Object id, Long holdMillis) {
    Long previous = holdMillis == null ? holds.remove(id) : holds.put(id, holdMillis);
    if (previous != null && previous.equals(holdMillis)) {
      return; // unchanged (ReduceFnRunner sets the same holds again and again)
    }
    if (previous != null) {
      int count = counts.get(previous);
      if (count == 1) {
        counts.remove(previous);
      } else {
        counts.put(previous, count - 1);
      }
    }
    if (holdMillis != null) {
      counts.merge(holdMillis, 1, Integer::sum);
    }
  }

  /** The earliest hold, or {@link Long#MAX_VALUE} when there is none. */
  public long min() {
    return counts.isEmpty() ? Long.MAX_VALUE : counts.firstKey();
  }

  public int size() {
    return holds.size();
  }
}
