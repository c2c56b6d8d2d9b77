package dev.weir.translation.merging;

import java.util.TreeMap;

/**
 * The output timestamps owed by an operator's live windows across all its keys, as a multiset, so
 * the operator holds its output watermark at the earliest. In memory; rebuilt from keyed state
 * after a restore. Single-threaded.
 */
final class HoldIndex {

  private final TreeMap<Long, int[]> counts = new TreeMap<>();

  void add(long hold) {
    int[] count = counts.get(hold);
    if (count == null) {
      counts.put(hold, new int[] {1});
    } else {
      count[0]++;
    }
  }

  void remove(long hold) {
    int[] count = counts.get(hold);
    if (count == null) {
      throw new IllegalStateException("no hold at " + hold + " to release");
    }
    if (--count[0] == 0) {
      counts.remove(hold);
    }
  }

  /** The earliest hold, or {@link Long#MAX_VALUE} when none is owed. */
  long min() {
    return counts.isEmpty() ? Long.MAX_VALUE : counts.firstKey();
  }
}
